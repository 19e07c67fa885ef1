#pragma once

#include <grpcpp/support/status_code_enum.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace omnigate::dispatch {

// What became of one event for one sink.
enum class EventOutcome {
  kDelivered,        // the sink acknowledged it
  kDeadLettered,     // moved to the dead-letter stream
  kRoutedElsewhere,  // the entry is not for this sink (acknowledged unread)
  kCount,
};

inline constexpr absl::string_view kDispatcherPrefix = "omnigate_dispatcher";

// Every omnigate-dispatcher metric, created at start-up; labels are sink
// names and partition numbers from the config, status code names and fixed
// outcome words (all bounded). Thread-safe.
class DispatchMetrics {
 public:
  // `prefix` names the families: the dispatcher's, or "omnigate_sender"
  // when the sender runs the same machinery on the outbound streams (its
  // depths are then <prefix>_stream_depth and <prefix>_dead_letter_depth).
  DispatchMetrics(prometheus::Registry& registry, const std::vector<std::string>& sinks,
                  absl::string_view prefix = kDispatcherPrefix);

  void Events(const std::string& sink, EventOutcome outcome, double n);
  void DeliveryLatency(const std::string& sink, absl::Duration since_received);
  void Call(const std::string& sink, grpc::StatusCode code, absl::Duration elapsed, size_t events);
  void Retry(const std::string& sink);
  void DeadLetter(const std::string& sink, grpc::StatusCode code);
  void Redelivered(const std::string& sink, double n);
  void AddInFlight(const std::string& sink, double delta);
  void AddBuffered(const std::string& sink, double delta);
  void SetOwned(double partitions) { owned_.Set(partitions); }
  void LeaseChange(const char* change);
  void RedisError() { redis_errors_.Increment(); }
  void SetReady(bool ready) { ready_.Set(ready ? 1 : 0); }
  // Lag (entries not yet read) and pending (read, not acknowledged) of one
  // partition's group for a sink, and the stream's length; Clear() drops a
  // partition this replica no longer owns so its series do not go stale here.
  void SetPartition(uint32_t partition, const std::string& sink, int64_t lag, int64_t pending);
  void SetDepth(uint32_t partition, int64_t depth, int64_t dead_letters);
  void ClearPartition(uint32_t partition);

 private:
  struct PerSink {
    std::array<prometheus::Counter*, static_cast<size_t>(EventOutcome::kCount)> events{};
    prometheus::Histogram* latency = nullptr;
    prometheus::Histogram* call_seconds = nullptr;
    prometheus::Histogram* batch_events = nullptr;
    std::array<prometheus::Counter*, 17> calls{};
    std::array<prometheus::Counter*, 17> dead_letters{};
    prometheus::Counter* retries = nullptr;
    prometheus::Counter* redelivered = nullptr;
    prometheus::Gauge* in_flight = nullptr;
    prometheus::Gauge* buffered = nullptr;
  };
  const PerSink* Find(const std::string& sink) const;

  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Histogram>& call_seconds_;
  prometheus::Family<prometheus::Histogram>& batch_events_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  prometheus::Family<prometheus::Counter>& redelivered_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Gauge>& buffered_;
  prometheus::Family<prometheus::Counter>& lease_changes_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Gauge>& pending_;
  prometheus::Family<prometheus::Gauge>& depth_;
  prometheus::Family<prometheus::Gauge>& dlq_depth_;
  prometheus::Gauge& owned_;
  prometheus::Counter& redis_errors_;
  prometheus::Gauge& ready_;
  std::map<std::string, PerSink> sinks_;
  std::mutex partition_mu_;  // partition gauges come and go with ownership
};

}  // namespace omnigate::dispatch
