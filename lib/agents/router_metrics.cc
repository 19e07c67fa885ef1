#include "lib/agents/router_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace omnigate::agents {
namespace {

prometheus::Family<prometheus::Counter>& Assignments(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("omnigate_agent_router_assignments_total")
      .Help("Assignment attempts by outcome (assigned, sticky, queued, already_assigned).")
      .Register(registry);
}

prometheus::Family<prometheus::Counter>& Transfers(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("omnigate_agent_router_transfers_total")
      .Help("Transfers by outcome (transferred, rejected, not_assigned).")
      .Register(registry);
}

prometheus::Family<prometheus::Gauge>& AgentsByPresence(prometheus::Registry& registry) {
  return prometheus::BuildGauge()
      .Name("omnigate_agent_router_agents")
      .Help("Registered agents by presence.")
      .Register(registry);
}

prometheus::Histogram::BucketBoundaries WaitBuckets() {
  return {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600};
}

}  // namespace

RouterMetrics::RouterMetrics(prometheus::Registry& registry)
    : assigned_(Assignments(registry).Add({{"outcome", "assigned"}})),
      sticky_(Assignments(registry).Add({{"outcome", "sticky"}})),
      queued_(Assignments(registry).Add({{"outcome", "queued"}})),
      already_assigned_(Assignments(registry).Add({{"outcome", "already_assigned"}})),
      queue_length_(prometheus::BuildGauge()
                        .Name("omnigate_agent_router_queue_length")
                        .Help("Conversations waiting for an agent.")
                        .Register(registry)
                        .Add({})),
      queue_wait_(prometheus::BuildHistogram()
                      .Name("omnigate_agent_router_queue_wait_seconds")
                      .Help("Time a conversation waited in the queue before assignment.")
                      .Register(registry)
                      .Add({}, WaitBuckets())),
      online_(AgentsByPresence(registry).Add({{"presence", "online"}})),
      away_(AgentsByPresence(registry).Add({{"presence", "away"}})),
      offline_(AgentsByPresence(registry).Add({{"presence", "offline"}})),
      capacity_used_(prometheus::BuildGauge()
                         .Name("omnigate_agent_router_capacity_used_ratio")
                         .Help("Assigned conversations over the capacity of online agents.")
                         .Register(registry)
                         .Add({})),
      resolutions_(prometheus::BuildCounter()
                       .Name("omnigate_agent_router_resolutions_total")
                       .Help("Conversations resolved (capacity freed).")
                       .Register(registry)
                       .Add({})),
      transferred_(Transfers(registry).Add({{"outcome", "transferred"}})),
      transfer_rejected_(Transfers(registry).Add({{"outcome", "rejected"}})),
      transfer_not_assigned_(Transfers(registry).Add({{"outcome", "not_assigned"}})),
      malformed_(prometheus::BuildCounter()
                     .Name("omnigate_agent_router_malformed_events_total")
                     .Help("Events acknowledged without effect because they were malformed.")
                     .Register(registry)
                     .Add({})) {
  auto& errors = prometheus::BuildCounter()
                     .Name("omnigate_agent_router_deliver_errors_total")
                     .Help("Deliver calls answered with an error, by gRPC code.")
                     .Register(registry);
  for (int code = 1; code < static_cast<int>(deliver_errors_.size()); ++code) {
    deliver_errors_[code] = &errors.Add({{"code", absl::AsciiStrToLower(absl::StatusCodeToString(
                                                      static_cast<absl::StatusCode>(code)))}});
  }
}

void RouterMetrics::CountAssignment(AssignOutcome outcome) {
  switch (outcome) {
    case AssignOutcome::kAssigned:
      assigned_.Increment();
      break;
    case AssignOutcome::kSticky:
      sticky_.Increment();
      break;
    case AssignOutcome::kQueued:
      queued_.Increment();
      break;
    case AssignOutcome::kAlreadyAssigned:
      already_assigned_.Increment();
      break;
    case AssignOutcome::kStillQueued:
    case AssignOutcome::kUnassigned:
    case AssignOutcome::kStale:
      break;
  }
}

void RouterMetrics::CountTransfer(absl::string_view outcome) {
  if (outcome == "transferred") {
    transferred_.Increment();
  } else if (outcome == "rejected") {
    transfer_rejected_.Increment();
  } else {
    transfer_not_assigned_.Increment();
  }
}

void RouterMetrics::CountDeliverError(absl::StatusCode code) {
  const int index = static_cast<int>(code);
  if (index <= 0 || index >= static_cast<int>(deliver_errors_.size())) return;
  deliver_errors_[index]->Increment();
}

void RouterMetrics::SetState(const std::vector<Agent>& agents, int64_t queue_length) {
  int online = 0, away = 0, offline = 0;
  int64_t load = 0, capacity = 0;
  for (const Agent& agent : agents) {
    switch (agent.presence) {
      case Presence::kOnline:
        ++online;
        capacity += agent.capacity;
        break;
      case Presence::kAway:
        ++away;
        break;
      case Presence::kOffline:
        ++offline;
        break;
    }
    load += agent.load;
  }
  online_.Set(online);
  away_.Set(away);
  offline_.Set(offline);
  capacity_used_.Set(capacity > 0 ? static_cast<double>(load) / static_cast<double>(capacity) : 0);
  queue_length_.Set(static_cast<double>(queue_length));
}

}  // namespace omnigate::agents
