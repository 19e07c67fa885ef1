#include "lib/agents/agent_router.h"

#include <cinttypes>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/agents/candidates.h"
#include "lib/common/log.h"
#include "lib/common/stable_hash.h"

namespace omnigate::agents {
namespace {

bool Fresh(AssignOutcome outcome) {
  return outcome == AssignOutcome::kAssigned || outcome == AssignOutcome::kSticky;
}

// The dispatcher answering anything but OK is something to retry later.
absl::Status DispatcherError(const absl::Status& status) {
  return absl::UnavailableError(absl::StrCat("conversations: ", status.message()));
}

}  // namespace

std::string ConversationTag(const std::string& conversation_key) {
  char buf[17];
  snprintf(buf, sizeof(buf), "%016" PRIx64, StableHash64(conversation_key));
  return std::string(buf, 10);
}

AgentRouter::AgentRouter(AgentStore* store, AgentDirectory* directory,
                         conversations::ConversationsClient* conversations, RouterMetrics* metrics,
                         const Clock& clock, RouterOptions options)
    : store_(store),
      directory_(directory),
      conversations_(conversations),
      metrics_(metrics),
      clock_(clock),
      options_(options) {}

absl::Status AgentRouter::Notify(const std::string& conversation_key, const std::string& agent_id) {
  if (auto s = conversations_->Assign(conversation_key, agent_id); !s.ok()) {
    return DispatcherError(s);
  }
  // Best effort: if this fails the tick calls Assign once more (idempotent).
  if (auto s = store_->MarkNotified(conversation_key); !s.ok()) {
    OG_LOG(WARNING) << "mark notified: " << s;
  }
  return absl::OkStatus();
}

absl::StatusOr<AssignResult> AgentRouter::Route(const RouteRequest& request) {
  auto agents = directory_->Get();
  if (!agents.ok()) return agents.status();
  AssignInput input;
  input.conversation_key = request.conversation_key;
  input.candidates = FilterCandidates(**agents, request.skill, request.locale);
  input.priority = request.priority;
  input.skill = request.skill;
  input.language = PrimaryLanguage(request.locale);
  input.now_ms = clock_.NowMs();
  auto result = store_->Assign(input);
  if (!result.ok()) return result.status();
  const std::string tag = ConversationTag(request.conversation_key);
  if (Fresh(result->outcome)) {
    metrics_->CountAssignment(result->outcome);
    if (result->enqueued_ms > 0) {
      metrics_->ObserveQueueWait(static_cast<double>(input.now_ms - result->enqueued_ms) / 1000.0);
    }
    OG_LOG(INFO) << "assigned conv=" << tag << " agent=" << result->agent_id
                 << " outcome=" << AssignOutcomeName(result->outcome)
                 << " priority=" << PriorityName(request.priority);
  } else if (result->outcome == AssignOutcome::kQueued) {
    metrics_->CountAssignment(result->outcome);
    OG_LOG(INFO) << "queued conv=" << tag << " priority=" << PriorityName(request.priority)
                 << " skill=" << (request.skill.empty() ? "-" : request.skill)
                 << " candidates=" << input.candidates.size();
  } else if (result->outcome == AssignOutcome::kAlreadyAssigned && request.renotify) {
    metrics_->CountAssignment(result->outcome);
  }
  const bool notify =
      Fresh(result->outcome) || (result->outcome == AssignOutcome::kAlreadyAssigned &&
                                 (request.renotify || result->pending_notify));
  if (notify) {
    if (auto s = Notify(request.conversation_key, result->agent_id); !s.ok()) return s;
  }
  return result;
}

void AgentRouter::DrainAfterFreed() {
  if (auto drained = DrainQueue(); !drained.ok()) {
    OG_LOG(WARNING) << "queue drain: " << drained.status();
  }
}

void AgentRouter::RequestDrain() {
  {
    std::lock_guard<std::mutex> lock(tick_mu_);
    drain_requested_ = true;
  }
  tick_cv_.notify_one();
}

bool AgentRouter::WaitForTick(absl::Duration period) {
  std::unique_lock<std::mutex> lock(tick_mu_);
  tick_cv_.wait_for(lock, absl::ToChronoNanoseconds(period),
                    [this] { return drain_requested_ || stopping_.load(); });
  drain_requested_ = false;
  return !stopping_.load();
}

void AgentRouter::StopTicks() {
  {
    std::lock_guard<std::mutex> lock(tick_mu_);
    stopping_.store(true);
  }
  tick_cv_.notify_all();
}

absl::StatusOr<std::string> AgentRouter::Resolve(const std::string& conversation_key,
                                                 const std::string& agent_id,
                                                 const std::string& reason) {
  auto released = store_->Release(conversation_key, agent_id, /*resolved=*/true);
  if (!released.ok()) return released.status();
  if (released->outcome == ReleaseOutcome::kWrongAgent) {
    return absl::FailedPreconditionError(
        absl::StrCat("conversation is held by agent '", released->agent_id, "'"));
  }
  std::string freed;
  if (released->outcome == ReleaseOutcome::kReleased) {
    freed = released->agent_id;
    metrics_->CountResolution();
    OG_LOG(INFO) << "resolved conv=" << ConversationTag(conversation_key) << " agent=" << freed;
  }
  // Also on a retry that finds it already free: the first attempt may have
  // freed capacity and then failed to reach the dispatcher.
  if (auto s = conversations_->Resolve(conversation_key, freed.empty() ? agent_id : freed, reason);
      !s.ok()) {
    return DispatcherError(s);
  }
  DrainAfterFreed();
  return freed;
}

absl::StatusOr<TransferResult> AgentRouter::Transfer(const std::string& conversation_key,
                                                     const std::string& to_agent_id,
                                                     const std::string& reason) {
  auto target = store_->Get(to_agent_id);
  if (!target.ok()) return target.status();
  auto moved = store_->Transfer(conversation_key, to_agent_id, clock_.NowMs());
  if (!moved.ok()) return moved.status();
  switch (moved->outcome) {
    case TransferOutcome::kNotAssigned:
      metrics_->CountTransfer("not_assigned");
      return absl::NotFoundError("conversation is not assigned");
    case TransferOutcome::kTargetUnavailable:
      metrics_->CountTransfer("rejected");
      return absl::FailedPreconditionError(
          absl::StrCat("agent '", to_agent_id, "' is not online or has no free capacity"));
    case TransferOutcome::kTransferred:
      metrics_->CountTransfer("transferred");
      OG_LOG(INFO) << "transferred conv=" << ConversationTag(conversation_key)
                   << " from=" << moved->from_agent_id << " to=" << to_agent_id;
      break;
    case TransferOutcome::kAlready:
      // A retry: the holder before the first attempt is no longer known.
      moved->from_agent_id.clear();
      break;
  }
  if (auto s =
          conversations_->Transfer(conversation_key, moved->from_agent_id, to_agent_id, reason);
      !s.ok()) {
    return DispatcherError(s);
  }
  if (moved->outcome == TransferOutcome::kTransferred) DrainAfterFreed();
  return *moved;
}

absl::Status AgentRouter::OnResolved(const std::string& conversation_key,
                                     const std::string& agent_id) {
  auto released = store_->Release(conversation_key, agent_id, /*resolved=*/true);
  if (!released.ok()) return released.status();
  if (released->outcome == ReleaseOutcome::kReleased) {
    // Resolved elsewhere (the dispatcher directly): count and let the queue
    // in, from the ticker.
    metrics_->CountResolution();
    OG_LOG(INFO) << "resolved (stream) conv=" << ConversationTag(conversation_key)
                 << " agent=" << released->agent_id;
    RequestDrain();
  }
  return absl::OkStatus();
}

absl::Status AgentRouter::OnLeftAgentMode(const std::string& conversation_key) {
  auto released = store_->Release(conversation_key, "");
  if (!released.ok()) return released.status();
  if (released->outcome == ReleaseOutcome::kReleased) {
    OG_LOG(INFO) << "left agent mode conv=" << ConversationTag(conversation_key)
                 << " agent=" << released->agent_id;
    RequestDrain();
  }
  return absl::OkStatus();
}

absl::Status AgentRouter::OnTransferred(const std::string& conversation_key,
                                        const std::string& to_agent_id) {
  if (to_agent_id.empty()) return absl::OkStatus();
  auto moved = store_->Transfer(conversation_key, to_agent_id, clock_.NowMs());
  if (!moved.ok()) return moved.status();
  if (moved->outcome == TransferOutcome::kTransferred) {
    OG_LOG(INFO) << "transferred (stream) conv=" << ConversationTag(conversation_key)
                 << " from=" << moved->from_agent_id << " to=" << to_agent_id;
    RequestDrain();
  } else if (moved->outcome == TransferOutcome::kTargetUnavailable) {
    // Recorded elsewhere for an agent who cannot take it: keep the current
    // holder rather than exceed capacity.
    OG_LOG(WARNING) << "stream transfer to full or offline agent ignored conv="
                    << ConversationTag(conversation_key) << " to=" << to_agent_id;
  }
  return absl::OkStatus();
}

absl::Status AgentRouter::UpsertAgent(const Agent& agent) {
  auto before = store_->Get(agent.id);
  if (auto s = store_->Upsert(agent, /*seed=*/false); !s.ok()) return s;
  if (auto s = directory_->Refresh(); !s.ok()) return s.status();
  // New, raised capacity or back online: the queue may move.
  if (!before.ok() || agent.capacity > before->capacity || before->presence != Presence::kOnline) {
    DrainAfterFreed();
  }
  return absl::OkStatus();
}

absl::Status AgentRouter::SetPresence(const std::string& agent_id, Presence presence) {
  if (auto s = store_->SetPresence(agent_id, presence); !s.ok()) return s;
  if (auto s = directory_->Refresh(); !s.ok()) return s.status();
  if (presence == Presence::kOnline) DrainAfterFreed();
  return absl::OkStatus();
}

absl::StatusOr<int> AgentRouter::DrainQueue() {
  std::unique_lock<std::mutex> lock(drain_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    // The running drain goes round again and sees the new room.
    drain_again_.store(true);
    return 0;
  }
  int assigned = 0;
  do {
    drain_again_.store(false);
    auto round = DrainOnce();
    if (!round.ok()) return round.status();
    assigned += *round;
  } while (drain_again_.load() && !stopping_.load());
  return assigned;
}

absl::StatusOr<int> AgentRouter::DrainOnce() {
  auto agents = directory_->Get();
  if (!agents.ok()) return agents.status();
  int assigned = 0;
  for (;;) {
    // Fresh presence and load: skip the queue scan when nobody has room.
    auto live = store_->List();
    if (!live.ok()) return live.status();
    bool room = false;
    for (const Agent& a : *live) room |= a.presence == Presence::kOnline && a.load < a.capacity;
    if (!room) break;
    int64_t total = 0;
    std::string generation;
    auto entries = store_->ListQueue(options_.drain_batch, &total, &generation);
    if (!entries.ok()) return entries.status();
    int round = 0;
    // Once an entry found no room, later ones are fenced on the generation
    // read with the queue: room freed since goes to the head, not to
    // whichever entry the walk reached (FIFO across replicas too).
    bool passed_over = false;
    bool restart = false;
    for (const QueueEntry& entry : *entries) {
      if (stopping_.load()) return assigned + round;  // shutting down
      AssignInput input;
      input.conversation_key = entry.conversation_key;
      input.candidates = FilterCandidates(**agents, entry.skill, entry.language);
      input.priority = entry.priority;
      input.skill = entry.skill;
      input.language = entry.language;
      input.now_ms = clock_.NowMs();
      input.queue_if_busy = false;
      if (passed_over) input.fence = generation;
      auto result = store_->Assign(input);
      if (!result.ok()) return result.status();
      if (result->outcome == AssignOutcome::kStale) {
        restart = true;
        break;
      }
      if (!Fresh(result->outcome)) {
        passed_over |= result->outcome == AssignOutcome::kUnassigned;
        continue;
      }
      ++round;
      metrics_->CountAssignment(result->outcome);
      if (result->enqueued_ms > 0) {
        metrics_->ObserveQueueWait(static_cast<double>(input.now_ms - result->enqueued_ms) /
                                   1000.0);
      }
      OG_LOG(INFO) << "assigned from queue conv=" << ConversationTag(entry.conversation_key)
                   << " agent=" << result->agent_id
                   << " waited_ms=" << (input.now_ms - result->enqueued_ms);
      // A failure leaves it pending; the tick retries.
      if (auto s = Notify(entry.conversation_key, result->agent_id); !s.ok()) {
        OG_LOG(WARNING) << "assign not recorded yet conv="
                        << ConversationTag(entry.conversation_key) << ": " << s;
      }
    }
    assigned += round;
    if (restart) continue;
    // Nothing more fits, or the whole queue was seen.
    if (round == 0 || static_cast<int64_t>(entries->size()) >= total) break;
  }
  return assigned;
}

absl::Status AgentRouter::Tick() {
  if (auto s = directory_->Refresh(); !s.ok()) return s.status();
  auto drained = DrainQueue();
  if (!drained.ok()) return drained.status();
  auto pending = store_->PendingNotify(50);
  if (!pending.ok()) return pending.status();
  for (const std::string& conv : *pending) {
    if (stopping_.load()) break;
    auto holder = store_->GetAssignment(conv);
    if (!holder.ok()) return holder.status();
    if (holder->empty()) {
      (void)store_->MarkNotified(conv);
      continue;
    }
    if (auto s = Notify(conv, *holder); !s.ok()) {
      OG_LOG(WARNING) << "assign still not recorded conv=" << ConversationTag(conv) << ": " << s;
      break;  // the dispatcher is down; try again next tick
    }
  }
  auto agents = store_->List();
  if (!agents.ok()) return agents.status();
  int64_t total = 0;
  auto queue = store_->ListQueue(1, &total);
  if (!queue.ok()) return queue.status();
  metrics_->SetState(*agents, total);
  return absl::OkStatus();
}

}  // namespace omnigate::agents
