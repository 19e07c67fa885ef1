#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "lib/queue/backlog.h"
#include "lib/redis/redis_client.h"

namespace omnigate::queue {

struct BacklogMonitorOptions {
  uint32_t partitions = 16;
  // A partition whose largest consumer-group backlog (entries not yet read
  // plus read but not acknowledged; the whole stream when no group exists)
  // exceeds this is overloaded. It must stay well below the stream cap, or
  // trimming would drop entries nobody delivered yet.
  int64_t max_backlog = 500000;
  absl::Duration period = absl::Milliseconds(500);
  // Told the number of overloaded partitions after each sample (metrics).
  std::function<void(int)> on_sample;
};

// Samples every partition stream's backlog from Redis (XINFO GROUPS, one
// pipelined round trip per period, split by node on a Redis Cluster; read
// only, so it never waits for replicas) on its own thread. When Redis cannot
// be read the last view is kept: writes fail on their own then. Thread-safe.
class BacklogMonitor final : public BacklogGuard {
 public:
  // Through `redis`, which outlives the monitor.
  BacklogMonitor(BacklogMonitorOptions options, redis::RedisClient* redis);
  ~BacklogMonitor() override;

  void Start();
  void Stop();

  bool Overloaded(uint32_t partition) const override;
  // Partitions currently overloaded (for the metric).
  int overloaded_partitions() const { return overloaded_count_.load(); }

 private:
  void SampleOnce();

  const BacklogMonitorOptions options_;
  redis::RedisClient* const redis_;
  std::unique_ptr<std::atomic<bool>[]> overloaded_;
  std::atomic<int> overloaded_count_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace omnigate::queue
