#include "lib/ingest/ingest_metrics.h"

#include "lib/connectors/connector.h"

namespace omnigate::ingest {
namespace {

const char* TransportName(Transport t) { return t == Transport::kHttp ? "http" : "grpc"; }

std::string KindName(omnigate::v1::Event::PayloadCase kind) {
  if (kind == omnigate::v1::Event::PAYLOAD_NOT_SET) return "none";
  const auto* field = omnigate::v1::Event::descriptor()->FindFieldByNumber(static_cast<int>(kind));
  return field != nullptr ? field->name() : "unknown";
}

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kAccepted:
      return "accepted";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kEmpty:
      return "empty";
    case Outcome::kIgnored:
      return "ignored";
    case Outcome::kHandshake:
      return "handshake";
    case Outcome::kUnauthorized:
      return "unauthorized";
    case Outcome::kForbidden:
      return "forbidden";
    case Outcome::kMalformed:
      return "malformed";
    case Outcome::kNotFound:
      return "not_found";
    case Outcome::kTooLarge:
      return "too_large";
    case Outcome::kUnavailable:
      return "unavailable";
    case Outcome::kShed:
      return "shed";
    case Outcome::kCount:
      break;
  }
  return "unknown";
}

IngestMetrics::IngestMetrics(prometheus::Registry& registry,
                             const std::vector<std::string>& connectors)
    : requests_family_(
          prometheus::BuildCounter()
              .Name("omnigate_ingest_requests_total")
              .Help("Ingest requests (webhooks and gRPC) by transport, connector and outcome.")
              .Register(registry)),
      events_family_(prometheus::BuildCounter()
                         .Name("omnigate_ingest_events_total")
                         .Help("Events normalized and queued, by channel and payload kind.")
                         .Register(registry)),
      duplicates_family_(
          prometheus::BuildCounter()
              .Name("omnigate_ingest_duplicates_total")
              .Help("Events suppressed as redeliveries by their idempotency key, by channel.")
              .Register(registry)),
      rejects_family_(prometheus::BuildCounter()
                          .Name("omnigate_ingest_rejects_total")
                          .Help("Rejected requests by channel and reason family.")
                          .Register(registry)),
      channel_errors_family_(
          prometheus::BuildCounter()
              .Name("omnigate_ingest_channel_errors_total")
              .Help("Errors a channel reported in a webhook outside any message (WhatsApp "
                    "value-level errors), by channel and the channel's numeric code.")
              .Register(registry)),
      redis_roundtrip_(prometheus::BuildHistogram()
                           .Name("omnigate_redis_roundtrip_seconds")
                           .Help("Time of one pipelined Redis round trip (group commit).")
                           .Register(registry)
                           .Add({{"service", "ingest"}}, LatencyBuckets())),
      redis_batch_commands_(prometheus::BuildHistogram()
                                .Name("omnigate_redis_pipeline_commands")
                                .Help("Commands written per pipelined Redis round trip.")
                                .Register(registry)
                                .Add({{"service", "ingest"}},
                                     prometheus::Histogram::BucketBoundaries{
                                         1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096})),
      redis_up_(prometheus::BuildGauge()
                    .Name("omnigate_redis_up")
                    .Help("1 when every Redis writer connection is up.")
                    .Register(registry)
                    .Add({{"service", "ingest"}})),
      reconnect_failures_(prometheus::BuildCounter()
                              .Name("omnigate_redis_reconnect_failures_total")
                              .Help("Failed Redis connection attempts.")
                              .Register(registry)
                              .Add({{"service", "ingest"}})),
      ready_(prometheus::BuildGauge()
                 .Name("omnigate_ready")
                 .Help("1 when the service reports ready.")
                 .Register(registry)
                 .Add({{"service", "ingest"}})),
      in_flight_(prometheus::BuildGauge()
                     .Name("omnigate_ingest_in_flight_requests")
                     .Help("Requests accepted but not yet answered.")
                     .Register(registry)
                     .Add({})),
      shedding_partitions_(prometheus::BuildGauge()
                               .Name("omnigate_ingest_shedding_partitions")
                               .Help("Partitions whose undelivered backlog is over "
                                     "ingest.max_backlog: their new events are refused.")
                               .Register(registry)
                               .Add({})),
      http_loop_lag_(prometheus::BuildGauge()
                         .Name("omnigate_ingest_http_loop_lag_seconds")
                         .Help("How far behind schedule the HTTP I/O loop runs (sampled every "
                               "100 ms); webhooks are refused above ingest.max_loop_lag.")
                         .Register(registry)
                         .Add({})) {
  auto& latency = prometheus::BuildHistogram()
                      .Name("omnigate_ingest_request_duration_seconds")
                      .Help("Time from request received to answer, by transport.")
                      .Register(registry);
  for (size_t t = 0; t < latency_.size(); ++t) {
    latency_[t] =
        &latency.Add({{"transport", TransportName(static_cast<Transport>(t))}}, LatencyBuckets());
  }
  std::vector<std::string> names = connectors;
  names.push_back("unknown");
  names.push_back("publish");
  for (const auto& name : names) {
    auto& per_transport = requests_[name];
    for (size_t t = 0; t < per_transport.size(); ++t) {
      // Publish is gRPC only; its HTTP children would be noise.
      if (name == "publish" && static_cast<Transport>(t) == Transport::kHttp) continue;
      for (size_t o = 0; o < per_transport[t].size(); ++o) {
        per_transport[t][o] =
            &requests_family_.Add({{"transport", TransportName(static_cast<Transport>(t))},
                                   {"connector", name},
                                   {"outcome", OutcomeName(static_cast<Outcome>(o))}});
      }
    }
  }
  redis_up_.Set(0);
  channels::SetChannelErrorObserver(this);
}

IngestMetrics::~IngestMetrics() { channels::ClearChannelErrorObserver(this); }

void IngestMetrics::OnChannelError(omnigate::v1::Channel channel, absl::string_view code) {
  std::string label(code);
  {
    absl::MutexLock lock(&error_codes_mu_);
    if (!error_codes_.count(label)) {
      if (error_codes_.size() >= kMaxErrorCodes) {
        label = "other";
      } else {
        error_codes_.insert(label);
      }
    }
  }
  channel_errors_family_
      .Add({{"channel", std::string(connectors::ChannelName(channel))}, {"code", label}})
      .Increment();
}

void IngestMetrics::Request(Transport transport, const std::string& connector, Outcome outcome,
                            absl::Duration elapsed) {
  auto it = requests_.find(connector);
  prometheus::Counter* counter =
      it == requests_.end()
          ? nullptr
          : it->second[static_cast<size_t>(transport)][static_cast<size_t>(outcome)];
  if (counter == nullptr) {
    counter = requests_.at("unknown")[static_cast<size_t>(transport)][static_cast<size_t>(outcome)];
  }
  counter->Increment();
  latency_[static_cast<size_t>(transport)]->Observe(absl::ToDoubleSeconds(elapsed));
}

prometheus::Counter& IngestMetrics::CachedChild(
    std::array<std::array<std::atomic<prometheus::Counter*>, kKinds>, kChannels>& cache,
    prometheus::Family<prometheus::Counter>& family, omnigate::v1::Channel channel,
    omnigate::v1::Event::PayloadCase kind, bool with_kind) {
  const size_t c = static_cast<size_t>(channel) < kChannels ? static_cast<size_t>(channel) : 0;
  const size_t k = with_kind && static_cast<size_t>(kind) < kKinds ? static_cast<size_t>(kind) : 0;
  std::atomic<prometheus::Counter*>& slot = cache[c][k];
  prometheus::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Channels and kinds are enums, so the label set is bounded; Add() returns
    // the same child to racing callers.
    std::map<std::string, std::string> labels = {
        {"channel", std::string(connectors::ChannelName(channel))}};
    if (with_kind) labels["kind"] = KindName(kind);
    counter = &family.Add(labels);
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

void IngestMetrics::Event(omnigate::v1::Channel channel, omnigate::v1::Event::PayloadCase kind,
                          bool duplicate) {
  if (duplicate) {
    CachedChild(duplicates_, duplicates_family_, channel, kind, /*with_kind=*/false).Increment();
  } else {
    CachedChild(events_, events_family_, channel, kind, /*with_kind=*/true).Increment();
  }
}

void IngestMetrics::Reject(omnigate::v1::Channel channel, absl::string_view reason_family) {
  rejects_family_
      .Add({{"channel", std::string(connectors::ChannelName(channel))},
            {"reason", std::string(reason_family)}})
      .Increment();
}

void IngestMetrics::OnRoundTrip(absl::Duration elapsed, size_t commands) {
  redis_roundtrip_.Observe(absl::ToDoubleSeconds(elapsed));
  redis_batch_commands_.Observe(static_cast<double>(commands));
}

void IngestMetrics::OnLanesConnected(int connected_lanes, int lanes) {
  redis_up_.Set(connected_lanes == lanes ? 1 : 0);
}

}  // namespace omnigate::ingest
