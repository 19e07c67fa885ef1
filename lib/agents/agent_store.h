#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/agents/agent.h"
#include "lib/agents/checked_redis.h"
#include "lib/agents/priority.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"

namespace omnigate::agents {

enum class AssignOutcome {
  kAssigned,
  kSticky,
  kAlreadyAssigned,
  kQueued,       // entered the queue now
  kStillQueued,  // was waiting already; keeps its place
  kUnassigned,   // nobody free and queue_if_busy was false
  kStale,        // the fence did not match: room freed since the walk began
};
absl::string_view AssignOutcomeName(AssignOutcome outcome);

struct AssignInput {
  std::string conversation_key;
  // Agents with the needed skill and language (FilterCandidates), any order.
  std::vector<std::string> candidates;
  PriorityClass priority = PriorityClass::kNormal;
  std::string skill;
  std::string language;
  int64_t now_ms = 0;
  // Queue the conversation when nobody can take it (false: leave it as is;
  // the queue drain uses false for entries that are already queued).
  bool queue_if_busy = true;
  // A queue walk that passed over earlier entries sets this to the freed
  // generation it started from (ListQueue): if room freed since, the
  // script answers kStale and the walk restarts from the head. Empty: none.
  std::string fence;
};

struct AssignResult {
  AssignOutcome outcome = AssignOutcome::kUnassigned;
  std::string agent_id;  // empty when queued
  // Assigned but Conversations.Assign not yet confirmed.
  bool pending_notify = false;
  // When it entered the queue (0 if it never waited).
  int64_t enqueued_ms = 0;
};

enum class ReleaseOutcome { kReleased, kNotAssigned, kWrongAgent };
struct ReleaseResult {
  ReleaseOutcome outcome = ReleaseOutcome::kNotAssigned;
  std::string agent_id;  // the holder (released or actual)
};

enum class TransferOutcome { kTransferred, kAlready, kNotAssigned, kTargetUnavailable };
struct TransferResult {
  TransferOutcome outcome = TransferOutcome::kNotAssigned;
  std::string from_agent_id;
};

struct QueueEntry {
  std::string conversation_key;
  std::string skill;
  std::string language;
  PriorityClass priority = PriorityClass::kNormal;
  int64_t enqueued_ms = 0;
};

struct AgentStoreOptions {
  // A conversation's sticky agent and queue details expire this long after
  // its last routing request (ingest.conversation_retention).
  absl::Duration conversation_retention = absl::Hours(30 * 24);
};

// The router's state in Redis (keys.h): agents, assignments, the queue.
// Every state change is one atomic script (scripts.h). Errors: UNAVAILABLE
// when Redis cannot be reached, NOT_FOUND for unknown agents. Thread-safe.
class AgentStore {
 public:
  explicit AgentStore(redis::RedisClient* redis, AgentStoreOptions options = {});

  // Creates or updates an agent; load is never touched. `seed` (the agents
  // file at start-up) sets presence only for new agents so live changes win.
  absl::Status Upsert(const Agent& agent, bool seed);
  absl::StatusOr<Agent> Get(const std::string& agent_id);
  // Every agent, sorted by id.
  absl::StatusOr<std::vector<Agent>> List();
  absl::Status SetPresence(const std::string& agent_id, Presence presence);

  absl::StatusOr<AssignResult> Assign(const AssignInput& input);
  // Frees the conversation's agent; `expected_agent` empty = whoever holds it.
  // `resolved`: the agent resolved it (counted on the agent).
  absl::StatusOr<ReleaseResult> Release(const std::string& conversation_key,
                                        const std::string& expected_agent, bool resolved = false);
  // Credits a customer's CSAT rating (1-5) to the agent who resolved the
  // conversation, once per rating event id. False when already credited or
  // the agent is unknown.
  absl::StatusOr<bool> CreditRating(const std::string& agent_id, const std::string& rating_event_id,
                                    int score);
  absl::StatusOr<TransferResult> Transfer(const std::string& conversation_key,
                                          const std::string& to_agent_id, int64_t now_ms);

  // The holder; empty when not assigned.
  absl::StatusOr<std::string> GetAssignment(const std::string& conversation_key);
  absl::StatusOr<std::optional<QueueEntry>> GetQueued(const std::string& conversation_key);
  // The first `limit` waiting conversations in service order, the total and
  // the freed generation read before them (the fence for AssignInput).
  absl::StatusOr<std::vector<QueueEntry>> ListQueue(int64_t limit, int64_t* total,
                                                    std::string* freed_generation = nullptr);

  // Conversations assigned whose Conversations.Assign is unconfirmed.
  absl::StatusOr<std::vector<std::string>> PendingNotify(int64_t limit);
  absl::Status MarkNotified(const std::string& conversation_key);

  // Drops waiting conversations whose queue details expired (no activity
  // for the retention) from the queue, whether or not any agent has room.
  // Examines about `count` members per call from `*cursor` (ZSCAN; start
  // with "0") and stores where to go on, "0" once the walk went round.
  // Returns how many it dropped.
  absl::StatusOr<int> PruneQueue(std::string* cursor, int64_t count);

 private:
  CheckedRedis redis_;
  const std::string retention_ms_;
  const redis::RedisScript upsert_script_;
  const redis::RedisScript set_presence_script_;
  const redis::RedisScript assign_script_;
  const redis::RedisScript release_script_;
  const redis::RedisScript transfer_script_;
  const redis::RedisScript prune_script_;
  const redis::RedisScript credit_rating_script_;
};

}  // namespace omnigate::agents
