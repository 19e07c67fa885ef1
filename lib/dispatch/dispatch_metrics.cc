#include "lib/dispatch/dispatch_metrics.h"

#include "absl/strings/str_cat.h"
#include "lib/dispatch/retry_policy.h"

namespace omnigate::dispatch {
namespace {

const char* OutcomeName(EventOutcome o) {
  switch (o) {
    case EventOutcome::kDelivered:
      return "delivered";
    case EventOutcome::kDeadLettered:
      return "dead_lettered";
    case EventOutcome::kRoutedElsewhere:
      return "routed_elsewhere";
    default:
      return "unknown";
  }
}

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace

DispatchMetrics::DispatchMetrics(prometheus::Registry& registry,
                                 const std::vector<std::string>& sinks, absl::string_view prefix)
    : events_(prometheus::BuildCounter()
                  .Name(absl::StrCat(prefix, "_events_total"))
                  .Help("Events handled per sink by outcome: delivered, dead_lettered, "
                        "routed_elsewhere (not for this sink).")
                  .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name(absl::StrCat(prefix, "_delivery_latency_seconds"))
                   .Help("From an event's received_at to the sink's acknowledgement.")
                   .Register(registry)),
      call_seconds_(prometheus::BuildHistogram()
                        .Name(absl::StrCat(prefix, "_deliver_call_seconds"))
                        .Help("Duration of Sink.Deliver calls.")
                        .Register(registry)),
      batch_events_(prometheus::BuildHistogram()
                        .Name(absl::StrCat(prefix, "_deliver_batch_events"))
                        .Help("Events per Sink.Deliver call.")
                        .Register(registry)),
      calls_(prometheus::BuildCounter()
                 .Name(absl::StrCat(prefix, "_deliver_calls_total"))
                 .Help("Sink.Deliver calls by sink and gRPC status code.")
                 .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name(absl::StrCat(prefix, "_retries_total"))
                   .Help("Conversations put into backoff after a retryable failure.")
                   .Register(registry)),
      dead_letters_(prometheus::BuildCounter()
                        .Name(absl::StrCat(prefix, "_dead_letters_total"))
                        .Help("Events moved to the dead-letter stream, by sink and last code.")
                        .Register(registry)),
      redelivered_(prometheus::BuildCounter()
                       .Name(absl::StrCat(prefix, "_redeliveries_total"))
                       .Help("Entries read again from the pending list (after a takeover or "
                             "restart): the sink may see them twice.")
                       .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name(absl::StrCat(prefix, "_in_flight_calls"))
                     .Help("Sink.Deliver calls in flight.")
                     .Register(registry)),
      buffered_(prometheus::BuildGauge()
                    .Name(absl::StrCat(prefix, "_buffered_events"))
                    .Help("Entries read and waiting for their sink (bounded per partition).")
                    .Register(registry)),
      lease_changes_(prometheus::BuildCounter()
                         .Name(absl::StrCat(prefix, "_lease_changes_total"))
                         .Help("Partition lease changes: acquired, released, lost.")
                         .Register(registry)),
      lag_(prometheus::BuildGauge()
               .Name(absl::StrCat(prefix, "_partition_lag"))
               .Help("Entries of an owned partition not yet read by a sink's group.")
               .Register(registry)),
      pending_(prometheus::BuildGauge()
                   .Name(absl::StrCat(prefix, "_partition_pending"))
                   .Help("Entries of an owned partition read but not acknowledged, per sink.")
                   .Register(registry)),
      depth_(prometheus::BuildGauge()
                 .Name(prefix == kDispatcherPrefix ? std::string("omnigate_stream_depth")
                                                   : absl::StrCat(prefix, "_stream_depth"))
                 .Help("Length of an owned partition stream (XLEN).")
                 .Register(registry)),
      dlq_depth_(prometheus::BuildGauge()
                     .Name(prefix == kDispatcherPrefix ? std::string("omnigate_dead_letter_depth")
                                                       : absl::StrCat(prefix, "_dead_letter_depth"))
                     .Help("Length of an owned partition's dead-letter stream.")
                     .Register(registry)),
      owned_(prometheus::BuildGauge()
                 .Name(absl::StrCat(prefix, "_owned_partitions"))
                 .Help("Partitions this replica owns.")
                 .Register(registry)
                 .Add({})),
      redis_errors_(prometheus::BuildCounter()
                        .Name(absl::StrCat(prefix, "_redis_errors_total"))
                        .Help("Redis failures seen by dispatcher workers (each retried).")
                        .Register(registry)
                        .Add({})),
      ready_(prometheus::BuildGauge()
                 .Name(absl::StrCat(prefix, "_ready"))
                 .Help("1 when the dispatcher reaches Redis and serves.")
                 .Register(registry)
                 .Add({})) {
  for (const char* change : {"acquired", "released", "lost"})
    lease_changes_.Add({{"change", change}});
  for (const std::string& sink : sinks) {
    PerSink& s = sinks_[sink];
    for (size_t o = 0; o < s.events.size(); ++o) {
      s.events[o] =
          &events_.Add({{"sink", sink}, {"outcome", OutcomeName(static_cast<EventOutcome>(o))}});
    }
    s.latency = &latency_.Add({{"sink", sink}}, LatencyBuckets());
    s.call_seconds = &call_seconds_.Add({{"sink", sink}}, LatencyBuckets());
    s.batch_events = &batch_events_.Add(
        {{"sink", sink}},
        prometheus::Histogram::BucketBoundaries{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000});
    for (int c = 0; c < 17; ++c) {
      const auto code = static_cast<grpc::StatusCode>(c);
      s.calls[c] = &calls_.Add({{"sink", sink}, {"code", CodeName(code)}});
      if (c != 0)
        s.dead_letters[c] = &dead_letters_.Add({{"sink", sink}, {"code", CodeName(code)}});
    }
    s.retries = &retries_.Add({{"sink", sink}});
    s.redelivered = &redelivered_.Add({{"sink", sink}});
    s.in_flight = &in_flight_.Add({{"sink", sink}});
    s.buffered = &buffered_.Add({{"sink", sink}});
  }
}

const DispatchMetrics::PerSink* DispatchMetrics::Find(const std::string& sink) const {
  auto it = sinks_.find(sink);
  return it == sinks_.end() ? nullptr : &it->second;
}

void DispatchMetrics::Events(const std::string& sink, EventOutcome outcome, double n) {
  if (const PerSink* s = Find(sink)) s->events[static_cast<size_t>(outcome)]->Increment(n);
}

void DispatchMetrics::DeliveryLatency(const std::string& sink, absl::Duration since_received) {
  if (const PerSink* s = Find(sink))
    s->latency->Observe(std::max(0.0, absl::ToDoubleSeconds(since_received)));
}

void DispatchMetrics::Call(const std::string& sink, grpc::StatusCode code, absl::Duration elapsed,
                           size_t events) {
  const PerSink* s = Find(sink);
  if (s == nullptr) return;
  const int c = static_cast<int>(code);
  if (c >= 0 && c < 17) s->calls[c]->Increment();
  s->call_seconds->Observe(absl::ToDoubleSeconds(elapsed));
  s->batch_events->Observe(static_cast<double>(events));
}

void DispatchMetrics::Retry(const std::string& sink) {
  if (const PerSink* s = Find(sink)) s->retries->Increment();
}

void DispatchMetrics::DeadLetter(const std::string& sink, grpc::StatusCode code) {
  const PerSink* s = Find(sink);
  const int c = static_cast<int>(code);
  if (s != nullptr && c > 0 && c < 17) s->dead_letters[c]->Increment();
}

void DispatchMetrics::Redelivered(const std::string& sink, double n) {
  if (const PerSink* s = Find(sink)) s->redelivered->Increment(n);
}

void DispatchMetrics::AddInFlight(const std::string& sink, double delta) {
  if (const PerSink* s = Find(sink)) s->in_flight->Increment(delta);
}

void DispatchMetrics::AddBuffered(const std::string& sink, double delta) {
  if (const PerSink* s = Find(sink)) s->buffered->Increment(delta);
}

void DispatchMetrics::LeaseChange(const char* change) {
  lease_changes_.Add({{"change", change}}).Increment();
}

void DispatchMetrics::SetPartition(uint32_t partition, const std::string& sink, int64_t lag,
                                   int64_t pending) {
  std::lock_guard<std::mutex> lock(partition_mu_);
  const std::string p = absl::StrCat(partition);
  lag_.Add({{"partition", p}, {"sink", sink}}).Set(static_cast<double>(lag));
  pending_.Add({{"partition", p}, {"sink", sink}}).Set(static_cast<double>(pending));
}

void DispatchMetrics::SetDepth(uint32_t partition, int64_t depth, int64_t dead_letters) {
  std::lock_guard<std::mutex> lock(partition_mu_);
  const std::string p = absl::StrCat(partition);
  depth_.Add({{"partition", p}}).Set(static_cast<double>(depth));
  dlq_depth_.Add({{"partition", p}}).Set(static_cast<double>(dead_letters));
}

void DispatchMetrics::ClearPartition(uint32_t partition) {
  std::lock_guard<std::mutex> lock(partition_mu_);
  const std::string p = absl::StrCat(partition);
  for (auto* family : {&depth_, &dlq_depth_}) {
    auto& gauge = family->Add({{"partition", p}});
    family->Remove(&gauge);
  }
  for (const auto& [sink, unused] : sinks_) {
    for (auto* family : {&lag_, &pending_}) {
      auto& gauge = family->Add({{"partition", p}, {"sink", sink}});
      family->Remove(&gauge);
    }
  }
}

}  // namespace omnigate::dispatch
