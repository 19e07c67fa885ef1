#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "lib/dispatch/dispatcher.h"
#include "lib/sender/channel_sink.h"

namespace omnigate::sender {

struct SenderEngineOptions {
  // Partitions, lease and worker settings; keys, sink name and batch size
  // are the engine's own (one reply per provider call).
  dispatch::DispatcherOptions dispatch;
  ChannelSinkOptions sink;
  // How often paused connectors (this replica's and the others') are read
  // for the gauge.
  absl::Duration pause_poll = absl::Seconds(5);
};

// omnigate-sender's engine: the dispatcher's machinery (leases across
// replicas, one partition worker per owned outbound partition, per-
// conversation order, XACK after a final outcome, dead letters) run over
// omnigate:outbound:{p} with a ChannelSink as its only sink. Thread-safe.
class SenderEngine {
 public:
  static constexpr char kSinkName[] = "sender";

  // `redis`: see DispatcherRedis (one Redis or a Redis Cluster).
  SenderEngine(SenderEngineOptions options, dispatch::DispatcherRedis redis, ChannelSinkDeps deps,
               dispatch::DispatchMetrics* worker_metrics);
  ~SenderEngine();

  void Start();
  // Drains: replies in flight finish (their outcome is recorded and
  // acknowledged), leases are released.
  void Stop(absl::Duration drain);
  bool healthy() const { return dispatcher_->healthy(); }
  int owned() const { return dispatcher_->owned(); }

 private:
  void PollPauses();

  const SenderEngineOptions options_;
  const ChannelSinkDeps deps_;
  std::unique_ptr<ChannelSink> sink_;
  std::unique_ptr<dispatch::Dispatcher> dispatcher_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread poller_;
};

}  // namespace omnigate::sender
