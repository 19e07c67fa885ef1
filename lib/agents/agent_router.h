#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/agents/agent_directory.h"
#include "lib/agents/agent_store.h"
#include "lib/agents/priority.h"
#include "lib/agents/router_metrics.h"
#include "lib/common/clock.h"
#include "lib/conversations/conversations_client.h"

namespace omnigate::agents {

// What a conversation needs from an agent.
struct RouteRequest {
  std::string conversation_key;
  std::string skill;   // empty: any
  std::string locale;  // BCP 47 hint; empty: any
  PriorityClass priority = PriorityClass::kNormal;
  // Call Conversations.Assign even when it was already assigned (a
  // redelivered handoff or a retried request: the first call may have
  // failed). A fresh assignment always calls it.
  bool renotify = false;
};

struct RouterOptions {
  // Queue entries examined per drain round.
  int64_t drain_batch = 100;
};

// The agent router's logic, shared by the Sink (events) and the Agents
// service (operator and desk calls). State lives in Redis (AgentStore), so
// any number of replicas may run it. Errors: UNAVAILABLE when Redis or the
// dispatcher cannot be reached (callers retry; every step is idempotent).
//
// Freed capacity lets the queue in. Operator calls (Resolve, Transfer,
// SetPresence, UpsertAgent) drain before they return. Lifecycle events from
// the stream (On*) never do: a drain is one script and one Conversations
// call per assigned conversation, more than a sink call may spend while its
// partition waits. They request a drain, which the ticker runs on its own
// thread (WaitForTick, then Tick). Thread-safe.
class AgentRouter {
 public:
  AgentRouter(AgentStore* store, AgentDirectory* directory,
              conversations::ConversationsClient* conversations, RouterMetrics* metrics,
              const Clock& clock, RouterOptions options = {});

  // Assigns the conversation (sticky, else least loaded then longest idle)
  // or queues it, and records a fresh assignment through Conversations.
  absl::StatusOr<AssignResult> Route(const RouteRequest& request);

  // Frees the conversation's agent and records RESOLVED; then lets the queue
  // in. `agent_id` empty = whoever holds it. FAILED_PRECONDITION when
  // another agent holds it. Returns the freed agent (empty if none).
  absl::StatusOr<std::string> Resolve(const std::string& conversation_key,
                                      const std::string& agent_id, const std::string& reason);
  // Moves the conversation to `to_agent_id` and records TRANSFERRED.
  // NOT_FOUND when not assigned or the agent is unknown; FAILED_PRECONDITION
  // when the target is not online or full.
  absl::StatusOr<TransferResult> Transfer(const std::string& conversation_key,
                                          const std::string& to_agent_id,
                                          const std::string& reason);

  // Lifecycle events seen in the stream: make Redis agree, idempotently.
  // Freed capacity requests a drain rather than draining here.
  absl::Status OnResolved(const std::string& conversation_key, const std::string& agent_id);
  absl::Status OnLeftAgentMode(const std::string& conversation_key);
  absl::Status OnTransferred(const std::string& conversation_key, const std::string& to_agent_id);

  absl::Status UpsertAgent(const Agent& agent);
  absl::Status SetPresence(const std::string& agent_id, Presence presence);

  // Assigns queued conversations in queue order while agents have room.
  // Returns how many were assigned.
  absl::StatusOr<int> DrainQueue();
  // The periodic safety net (~1 s): refresh the registry, drain, retry
  // unconfirmed Conversations.Assign calls, refresh gauges.
  absl::Status Tick();

  // The ticker's loop is `while (WaitForTick(period)) Tick();`.
  // WaitForTick returns once a drain was requested (consuming the request),
  // `period` passed or StopTicks() was called; false once stopped.
  bool WaitForTick(absl::Duration period);
  // Wakes the ticker for good and cuts a running drain short: for shutdown.
  void StopTicks();

  AgentStore& store() { return *store_; }

 private:
  absl::Status Notify(const std::string& conversation_key, const std::string& agent_id);
  // Capacity freed on an operator call: drain now.
  void DrainAfterFreed();
  // Capacity freed on a sink call: wake the ticker.
  void RequestDrain();
  absl::StatusOr<int> DrainOnce();

  AgentStore* const store_;
  AgentDirectory* const directory_;
  conversations::ConversationsClient* const conversations_;
  RouterMetrics* const metrics_;
  const Clock& clock_;
  const RouterOptions options_;
  std::mutex drain_mu_;  // one drain at a time per process
  // Set when a drain was asked for while one ran: capacity may have freed
  // after the running one looked, so it goes round once more.
  std::atomic<bool> drain_again_{false};

  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  bool drain_requested_ = false;       // guarded by tick_mu_
  std::atomic<bool> stopping_{false};  // written under tick_mu_
};

// Short stable tag of a conversation key for logs (never the key itself:
// it carries a phone number or user id).
std::string ConversationTag(const std::string& conversation_key);

}  // namespace omnigate::agents
