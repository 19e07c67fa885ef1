#include "lib/sender/sender_metrics.h"

namespace omnigate::sender {
namespace {

constexpr outbound::SendOutcome::Kind kKinds[] = {
    outbound::SendOutcome::kSent,      outbound::SendOutcome::kThrottled,
    outbound::SendOutcome::kTransient, outbound::SendOutcome::kPermanent,
    outbound::SendOutcome::kConnector, outbound::SendOutcome::kPolicy};
constexpr const char* kScopes[] = {"rate_limit", "connector", "recipient"};

}  // namespace

SenderMetrics::SenderMetrics(prometheus::Registry& registry,
                             const std::vector<std::string>& connectors)
    : sends_(prometheus::BuildCounter()
                 .Name("omnigate_sender_sends_total")
                 .Help("Provider calls by connector and outcome: sent, throttled, transient, "
                       "permanent, connector (credentials or account refused), policy (window "
                       "or token refused); invalid = refused before any call.")
                 .Register(registry)),
      send_seconds_(prometheus::BuildHistogram()
                        .Name("omnigate_sender_send_seconds")
                        .Help("Duration of provider calls, request to answer.")
                        .Register(registry)),
      throttles_(prometheus::BuildCounter()
                     .Name("omnigate_sender_throttle_waits_total")
                     .Help("Sends held back by scope: rate_limit (the shared send rate), "
                           "connector or recipient (a pause the provider asked for).")
                     .Register(registry)),
      throttle_seconds_(prometheus::BuildCounter()
                            .Name("omnigate_sender_throttle_wait_seconds_total")
                            .Help("Time sends were told to wait, by scope.")
                            .Register(registry)),
      paused_(prometheus::BuildGauge()
                  .Name("omnigate_sender_connector_paused")
                  .Help("1 while a connector is paused (provider throttle or refused "
                        "credentials): its replies wait, none is dropped.")
                  .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("omnigate_sender_in_flight_sends")
                     .Help("Provider calls in flight per connector.")
                     .Register(registry)),
      status_errors_(prometheus::BuildCounter()
                         .Name("omnigate_sender_status_errors_total")
                         .Help("Reply status records or failure events that could not be "
                               "written to Redis.")
                         .Register(registry)
                         .Add({})) {
  const prometheus::Histogram::BucketBoundaries buckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1,    2.5,   5,    10,  30};
  for (const std::string& name : connectors) {
    PerConnector& c = connectors_[name];
    for (auto kind : kKinds) {
      c.sends[kind] = &sends_.Add({{"connector", name}, {"outcome", std::string(KindName(kind))}});
    }
    c.invalid = &sends_.Add({{"connector", name}, {"outcome", "invalid"}});
    c.send_seconds = &send_seconds_.Add({{"connector", name}}, buckets);
    for (const char* scope : kScopes) {
      c.throttles[scope] = &throttles_.Add({{"connector", name}, {"scope", scope}});
      c.throttle_seconds[scope] = &throttle_seconds_.Add({{"connector", name}, {"scope", scope}});
    }
    c.paused = &paused_.Add({{"connector", name}});
    c.in_flight = &in_flight_.Add({{"connector", name}});
  }
}

SenderMetrics::PerConnector* SenderMetrics::Find(const std::string& connector) {
  auto it = connectors_.find(connector);
  return it == connectors_.end() ? nullptr : &it->second;
}

void SenderMetrics::Sent(const std::string& connector, outbound::SendOutcome::Kind kind,
                         absl::Duration elapsed) {
  PerConnector* c = Find(connector);
  if (c == nullptr) return;
  c->sends[kind]->Increment();
  c->send_seconds->Observe(absl::ToDoubleSeconds(elapsed));
}

void SenderMetrics::Invalid(const std::string& connector) {
  if (PerConnector* c = Find(connector)) c->invalid->Increment();
}

void SenderMetrics::ThrottleWait(const std::string& connector, absl::string_view scope,
                                 absl::Duration wait) {
  PerConnector* c = Find(connector);
  if (c == nullptr) return;
  auto it = c->throttles.find(std::string(scope));
  if (it == c->throttles.end()) return;
  it->second->Increment();
  c->throttle_seconds[std::string(scope)]->Increment(absl::ToDoubleSeconds(wait));
}

void SenderMetrics::SetPaused(const std::string& connector, bool paused) {
  if (PerConnector* c = Find(connector)) c->paused->Set(paused ? 1 : 0);
}

void SenderMetrics::AddInFlight(const std::string& connector, double delta) {
  if (PerConnector* c = Find(connector)) c->in_flight->Increment(delta);
}

}  // namespace omnigate::sender
