#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/agents/agent.h"
#include "lib/agents/agent_store.h"
#include "lib/common/clock.h"

namespace omnigate::agents {

// A cached copy of the agent registry in Redis, used to pick candidates by
// skill and language. Every replica reads the same registry, so replicas
// agree within `max_age_ms`; presence and load are re-checked atomically by
// the assign script, so a stale copy can never over-assign. Thread-safe.
class AgentDirectory {
 public:
  using Snapshot = std::shared_ptr<const std::vector<Agent>>;

  AgentDirectory(AgentStore* store, const Clock& clock, int64_t max_age_ms = 1000)
      : store_(store), clock_(clock), max_age_ms_(max_age_ms) {}

  // The cached registry, re-read from Redis when older than max_age_ms. When
  // Redis fails, an existing copy is served; without one, the error.
  absl::StatusOr<Snapshot> Get();
  // Re-reads now (after an upsert, and from the periodic tick).
  absl::StatusOr<Snapshot> Refresh();

 private:
  AgentStore* const store_;
  const Clock& clock_;
  const int64_t max_age_ms_;
  std::mutex mu_;
  Snapshot snapshot_;
  int64_t loaded_ms_ = 0;
};

}  // namespace omnigate::agents
