#pragma once

#include <array>
#include <vector>

#include "absl/status/status.h"
#include "lib/agents/agent.h"
#include "lib/agents/agent_store.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace omnigate::agents {

// Every omnigate_agent_router_* family, children made once here. Labels
// are small fixed sets: never agent or conversation ids. Thread-safe.
class RouterMetrics {
 public:
  explicit RouterMetrics(prometheus::Registry& registry);

  void CountAssignment(AssignOutcome outcome);
  void ObserveQueueWait(double seconds) { queue_wait_.Observe(seconds); }
  void CountResolution() { resolutions_.Increment(); }
  // outcome: transferred | rejected | not_assigned
  void CountTransfer(absl::string_view outcome);
  void CountDeliverError(absl::StatusCode code);
  void CountMalformed() { malformed_.Increment(); }
  // Refreshes the gauges from a registry snapshot and the queue length.
  void SetState(const std::vector<Agent>& agents, int64_t queue_length);

 private:
  prometheus::Counter& assigned_;
  prometheus::Counter& sticky_;
  prometheus::Counter& queued_;
  prometheus::Counter& already_assigned_;
  prometheus::Gauge& queue_length_;
  prometheus::Histogram& queue_wait_;
  prometheus::Gauge& online_;
  prometheus::Gauge& away_;
  prometheus::Gauge& offline_;
  prometheus::Gauge& capacity_used_;
  prometheus::Counter& resolutions_;
  prometheus::Counter& transferred_;
  prometheus::Counter& transfer_rejected_;
  prometheus::Counter& transfer_not_assigned_;
  // One child per canonical code (17, a fixed set), indexed by code.
  std::array<prometheus::Counter*, 17> deliver_errors_{};
  prometheus::Counter& malformed_;
};

}  // namespace omnigate::agents
