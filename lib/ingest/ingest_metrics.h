#pragma once

#include <array>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/channels/channel_errors.h"
#include "lib/redis/pipeline_writer.h"
#include "omnigate/v1/event.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace omnigate::ingest {

// How a webhook or gRPC ingest request ended. The metric label values.
enum class Outcome {
  kAccepted,      // every event queued (some may be duplicates)
  kDuplicate,     // every event was a duplicate
  kEmpty,         // authentic, nothing to queue (verification pings)
  kIgnored,       // authentic but misrouted/unexpected: acknowledged, quarantined
  kHandshake,     // GET handshake answered
  kUnauthorized,  // bad or missing signature
  kForbidden,     // handshake with a wrong verify token
  kMalformed,     // quarantined with a reason
  kNotFound,      // unknown connector or path
  kTooLarge,
  kUnavailable,  // Redis unavailable
  kShed,         // load shed
  kCount,
};
const char* OutcomeName(Outcome outcome);

enum class Transport { kHttp, kGrpc, kCount };

// Every omnigate-ingest metric, created once at start-up (children too, so
// the hot path only touches references). Label values are bounded: connector
// names come from the config; unknown connectors count as "unknown".
// Thread-safe.
class IngestMetrics final : public redis::PipelineObserver, public channels::ChannelErrorObserver {
 public:
  // Also becomes the process's channel error observer (until destroyed).
  IngestMetrics(prometheus::Registry& registry, const std::vector<std::string>& connectors);
  ~IngestMetrics() override;
  IngestMetrics(const IngestMetrics&) = delete;
  IngestMetrics& operator=(const IngestMetrics&) = delete;

  void Request(Transport transport, const std::string& connector, Outcome outcome,
               absl::Duration elapsed);
  void Event(omnigate::v1::Channel channel, omnigate::v1::Event::PayloadCase kind, bool duplicate);
  void Reject(omnigate::v1::Channel channel, absl::string_view reason_family);
  void SetReady(bool ready) { ready_.Set(ready ? 1 : 0); }
  void SetInFlight(double n) { in_flight_.Set(n); }
  void SetSheddingPartitions(double n) { shedding_partitions_.Set(n); }
  void SetHttpLoopLag(absl::Duration lag) { http_loop_lag_.Set(absl::ToDoubleSeconds(lag)); }

  // redis::PipelineObserver
  void OnRoundTrip(absl::Duration elapsed, size_t commands) override;
  void OnLanesConnected(int connected_lanes, int lanes) override;
  void OnReconnectFailed() override { reconnect_failures_.Increment(); }

  // channels::ChannelErrorObserver: errors a channel reported outside any
  // message (omnigate_ingest_channel_errors_total{channel,code}).
  void OnChannelError(omnigate::v1::Channel channel, absl::string_view code) override;

 private:
  using OutcomeCounters = std::array<prometheus::Counter*, static_cast<size_t>(Outcome::kCount)>;
  prometheus::Family<prometheus::Counter>& requests_family_;
  std::map<std::string, std::array<OutcomeCounters, static_cast<size_t>(Transport::kCount)>>
      requests_;
  // Children by [channel][payload field number], created on first use and
  // then read without locks (Family::Add locks and hashes labels).
  static constexpr size_t kChannels = 16;
  static constexpr size_t kKinds = 64;
  prometheus::Counter& CachedChild(
      std::array<std::array<std::atomic<prometheus::Counter*>, kKinds>, kChannels>& cache,
      prometheus::Family<prometheus::Counter>& family, omnigate::v1::Channel channel,
      omnigate::v1::Event::PayloadCase kind, bool with_kind);
  prometheus::Family<prometheus::Counter>& events_family_;
  prometheus::Family<prometheus::Counter>& duplicates_family_;
  std::array<std::array<std::atomic<prometheus::Counter*>, kKinds>, kChannels> events_{};
  std::array<std::array<std::atomic<prometheus::Counter*>, kKinds>, kChannels> duplicates_{};
  prometheus::Family<prometheus::Counter>& rejects_family_;
  prometheus::Family<prometheus::Counter>& channel_errors_family_;
  // Distinct codes seen: past the cap they count as "other" (bounded labels).
  static constexpr size_t kMaxErrorCodes = 200;
  absl::Mutex error_codes_mu_;
  std::set<std::string> error_codes_ ABSL_GUARDED_BY(error_codes_mu_);
  std::array<prometheus::Histogram*, static_cast<size_t>(Transport::kCount)> latency_;
  prometheus::Histogram& redis_roundtrip_;
  prometheus::Histogram& redis_batch_commands_;
  prometheus::Gauge& redis_up_;
  prometheus::Counter& reconnect_failures_;
  prometheus::Gauge& ready_;
  prometheus::Gauge& in_flight_;
  prometheus::Gauge& shedding_partitions_;
  prometheus::Gauge& http_loop_lag_;
};

}  // namespace omnigate::ingest
