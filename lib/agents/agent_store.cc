#include "lib/agents/agent_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/agents/keys.h"
#include "lib/agents/scripts.h"

namespace omnigate::agents {
namespace {

using redis::ElementStr;
using redis::RedisReply;

int64_t ToInt(absl::string_view text) {
  int64_t v = 0;
  return absl::SimpleAtoi(text, &v) ? v : 0;
}

std::vector<std::string> SplitList(absl::string_view text) {
  return absl::StrSplit(text, ',', absl::SkipEmpty());
}

// HGETALL reply (field, value, ...) into an Agent. False when empty.
bool ParseAgentHash(const std::string& id, const RedisReply& reply, Agent* agent) {
  if (reply.size() == 0) return false;
  agent->id = id;
  for (size_t i = 0; i + 1 < reply.size(); i += 2) {
    const absl::string_view field = ElementStr(reply.element(i));
    const absl::string_view value = ElementStr(reply.element(i + 1));
    if (field == "name") {
      agent->display_name = std::string(value);
    } else if (field == "skills") {
      agent->skills = SplitList(value);
    } else if (field == "languages") {
      agent->languages = SplitList(value);
    } else if (field == "capacity") {
      agent->capacity = static_cast<int>(ToInt(value));
    } else if (field == "load") {
      agent->load = static_cast<int>(ToInt(value));
    } else if (field == "last_assigned_ms") {
      agent->last_assigned_ms = ToInt(value);
    } else if (field == "handled") {
      agent->handled = ToInt(value);
    } else if (field == "resolved") {
      agent->resolved = ToInt(value);
    } else if (field == "rating_count") {
      agent->rating_count = ToInt(value);
    } else if (field == "rating_sum") {
      agent->rating_sum = ToInt(value);
    } else if (field == "presence") {
      if (!ParsePresence(value, &agent->presence)) agent->presence = Presence::kOffline;
    }
  }
  return true;
}

absl::Status Malformed(absl::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected script reply: ", what));
}

}  // namespace

absl::string_view AssignOutcomeName(AssignOutcome outcome) {
  switch (outcome) {
    case AssignOutcome::kAssigned:
      return "assigned";
    case AssignOutcome::kSticky:
      return "sticky";
    case AssignOutcome::kAlreadyAssigned:
      return "already_assigned";
    case AssignOutcome::kQueued:
      return "queued";
    case AssignOutcome::kStillQueued:
      return "still_queued";
    case AssignOutcome::kUnassigned:
      return "unassigned";
    case AssignOutcome::kStale:
      return "stale";
  }
  return "unassigned";
}

AgentStore::AgentStore(redis::RedisClient* redis, AgentStoreOptions options)
    : redis_(redis),
      retention_ms_(absl::StrCat(absl::ToInt64Milliseconds(options.conversation_retention))),
      upsert_script_(scripts::kUpsert),
      set_presence_script_(scripts::kSetPresence),
      assign_script_(scripts::kAssign),
      release_script_(scripts::kRelease),
      transfer_script_(scripts::kTransfer),
      prune_script_(scripts::kPruneQueued),
      credit_rating_script_(scripts::kCreditRating) {}

absl::Status AgentStore::Upsert(const Agent& agent, bool seed) {
  auto reply = redis_.Eval(upsert_script_, {keys::Agent(agent.id), keys::AgentIds(), keys::Freed()},
                           {agent.id, agent.display_name, absl::StrJoin(agent.skills, ","),
                            absl::StrJoin(agent.languages, ","), absl::StrCat(agent.capacity),
                            std::string(PresenceName(agent.presence)), seed ? "1" : "0"});
  return reply.status();
}

absl::StatusOr<Agent> AgentStore::Get(const std::string& agent_id) {
  auto reply = redis_.Run({"HGETALL", keys::Agent(agent_id)});
  if (!reply.ok()) return reply.status();
  Agent agent;
  if (!ParseAgentHash(agent_id, *reply, &agent)) {
    return absl::NotFoundError(absl::StrCat("no agent '", agent_id, "'"));
  }
  return agent;
}

absl::StatusOr<std::vector<Agent>> AgentStore::List() {
  auto ids = redis_.Run({"SMEMBERS", keys::AgentIds()});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> id_list;
  for (size_t i = 0; i < ids->size(); ++i) id_list.emplace_back(ElementStr(ids->element(i)));
  std::sort(id_list.begin(), id_list.end());
  std::vector<Agent> agents;
  if (id_list.empty()) return agents;
  std::vector<redis::RedisCommand> commands;
  for (const auto& id : id_list) commands.push_back({"HGETALL", keys::Agent(id)});
  auto replies = redis_.RunPipeline(commands);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < id_list.size(); ++i) {
    Agent agent;
    if (ParseAgentHash(id_list[i], (*replies)[i], &agent)) agents.push_back(std::move(agent));
  }
  return agents;
}

absl::Status AgentStore::SetPresence(const std::string& agent_id, Presence presence) {
  // HSET only when the hash exists: an unknown id must not create a stub.
  auto reply = redis_.Eval(set_presence_script_, {keys::Agent(agent_id), keys::Freed()},
                           {std::string(PresenceName(presence))});
  if (!reply.ok()) return reply.status();
  if (reply->integer() == 0) return absl::NotFoundError(absl::StrCat("no agent '", agent_id, "'"));
  return absl::OkStatus();
}

absl::StatusOr<AssignResult> AgentStore::Assign(const AssignInput& input) {
  const std::string& conv = input.conversation_key;
  std::vector<std::string> key_list = {keys::Assignment(conv), keys::LastAgent(conv),
                                       keys::Queue(),          keys::Queued(conv),
                                       keys::PendingNotify(),  keys::Freed()};
  std::vector<std::string> args = {
      conv,
      absl::StrCat(input.now_ms),
      absl::StrCat(static_cast<int64_t>(QueueScore(input.priority, input.now_ms))),
      std::string(PriorityName(input.priority)),
      input.skill,
      input.language,
      input.queue_if_busy ? "1" : "0",
      retention_ms_,
      input.fence};
  for (const auto& id : input.candidates) {
    key_list.push_back(keys::Agent(id));
    args.push_back(id);
  }
  auto reply = redis_.Eval(assign_script_, key_list, args);
  if (!reply.ok()) return reply.status();
  if (reply->size() != 4) return Malformed("assign");
  AssignResult result;
  const absl::string_view outcome = ElementStr(reply->element(0));
  if (outcome == "assigned") {
    result.outcome = AssignOutcome::kAssigned;
  } else if (outcome == "sticky") {
    result.outcome = AssignOutcome::kSticky;
  } else if (outcome == "already_assigned") {
    result.outcome = AssignOutcome::kAlreadyAssigned;
  } else if (outcome == "queued") {
    result.outcome = AssignOutcome::kQueued;
  } else if (outcome == "still_queued") {
    result.outcome = AssignOutcome::kStillQueued;
  } else if (outcome == "unassigned") {
    result.outcome = AssignOutcome::kUnassigned;
  } else if (outcome == "stale") {
    result.outcome = AssignOutcome::kStale;
  } else {
    return Malformed(outcome);
  }
  result.agent_id = std::string(ElementStr(reply->element(1)));
  result.pending_notify = reply->element(2)->integer == 1;
  result.enqueued_ms = reply->element(3)->integer;
  return result;
}

absl::StatusOr<bool> AgentStore::CreditRating(const std::string& agent_id,
                                              const std::string& rating_event_id, int score) {
  if (score < 1 || score > 5) return absl::InvalidArgumentError("a rating is 1 to 5");
  // The marker outlives any redelivery of the rating event.
  constexpr int64_t kMarkerSeconds = 7 * 24 * 3600;
  auto reply = redis_.Eval(credit_rating_script_,
                           {keys::Agent(agent_id), keys::RatingCredited(rating_event_id)},
                           {absl::StrCat(score), absl::StrCat(kMarkerSeconds)});
  if (!reply.ok()) return reply.status();
  if (!reply->is_integer()) return Malformed("credit rating");
  return reply->integer() == 1;
}

absl::StatusOr<ReleaseResult> AgentStore::Release(const std::string& conversation_key,
                                                  const std::string& expected_agent,
                                                  bool resolved) {
  // The holder's key must be declared, so read it first; the script checks
  // it did not change meanwhile.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto holder = GetAssignment(conversation_key);
    if (!holder.ok()) return holder.status();
    auto reply = redis_.Eval(
        release_script_,
        {keys::Assignment(conversation_key), keys::Queue(), keys::Queued(conversation_key),
         keys::Agent(*holder), keys::PendingNotify(), keys::Freed()},
        {conversation_key, expected_agent, *holder, resolved ? "1" : "0"});
    if (!reply.ok()) return reply.status();
    if (reply->size() != 2) return Malformed("release");
    const absl::string_view outcome = ElementStr(reply->element(0));
    ReleaseResult result;
    result.agent_id = std::string(ElementStr(reply->element(1)));
    if (outcome == "released") {
      result.outcome = ReleaseOutcome::kReleased;
    } else if (outcome == "not_assigned") {
      result.outcome = ReleaseOutcome::kNotAssigned;
    } else if (outcome == "wrong_agent") {
      result.outcome = ReleaseOutcome::kWrongAgent;
    } else if (outcome == "changed") {
      continue;
    } else {
      return Malformed(outcome);
    }
    return result;
  }
  return absl::AbortedError("assignment kept changing; retry");
}

absl::StatusOr<TransferResult> AgentStore::Transfer(const std::string& conversation_key,
                                                    const std::string& to_agent_id,
                                                    int64_t now_ms) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto holder = GetAssignment(conversation_key);
    if (!holder.ok()) return holder.status();
    TransferResult result;
    if (holder->empty()) return result;  // kNotAssigned
    auto reply = redis_.Eval(transfer_script_,
                             {keys::Assignment(conversation_key), keys::LastAgent(conversation_key),
                              keys::Agent(*holder), keys::Agent(to_agent_id), keys::Freed()},
                             {*holder, to_agent_id, absl::StrCat(now_ms), retention_ms_});
    if (!reply.ok()) return reply.status();
    if (reply->size() != 2) return Malformed("transfer");
    const absl::string_view outcome = ElementStr(reply->element(0));
    result.from_agent_id = std::string(ElementStr(reply->element(1)));
    if (outcome == "transferred") {
      result.outcome = TransferOutcome::kTransferred;
    } else if (outcome == "already") {
      result.outcome = TransferOutcome::kAlready;
    } else if (outcome == "not_assigned") {
      result.outcome = TransferOutcome::kNotAssigned;
    } else if (outcome == "target_unavailable") {
      result.outcome = TransferOutcome::kTargetUnavailable;
    } else if (outcome == "wrong_agent") {
      continue;
    } else {
      return Malformed(outcome);
    }
    return result;
  }
  return absl::AbortedError("assignment kept changing; retry");
}

absl::StatusOr<std::string> AgentStore::GetAssignment(const std::string& conversation_key) {
  auto reply = redis_.Run({"GET", keys::Assignment(conversation_key)});
  if (!reply.ok()) return reply.status();
  return std::string(reply->str());
}

absl::StatusOr<std::optional<QueueEntry>> AgentStore::GetQueued(
    const std::string& conversation_key) {
  auto reply = redis_.Run(
      {"HMGET", keys::Queued(conversation_key), "skill", "language", "priority", "enqueued_ms"});
  if (!reply.ok()) return reply.status();
  if (reply->size() != 4 || reply->element(3)->type == REDIS_REPLY_NIL) {
    return std::optional<QueueEntry>();
  }
  QueueEntry entry;
  entry.conversation_key = conversation_key;
  entry.skill = std::string(ElementStr(reply->element(0)));
  entry.language = std::string(ElementStr(reply->element(1)));
  entry.priority = ParsePriority(ElementStr(reply->element(2)));
  entry.enqueued_ms = ToInt(ElementStr(reply->element(3)));
  return std::optional<QueueEntry>(std::move(entry));
}

absl::StatusOr<std::vector<QueueEntry>> AgentStore::ListQueue(int64_t limit, int64_t* total,
                                                              std::string* freed_generation) {
  // The generation first: room freed after it was read makes a fenced
  // assign stale (a spurious restart at worst, never a missed one).
  auto replies = redis_.RunPipeline({{"GET", keys::Freed()},
                                     {"ZRANGE", keys::Queue(), "0", absl::StrCat(limit - 1)},
                                     {"ZCARD", keys::Queue()}});
  if (!replies.ok()) return replies.status();
  if (freed_generation != nullptr) {
    const RedisReply& gen = (*replies)[0];
    *freed_generation = gen.is_null() ? "0" : std::string(gen.str());
  }
  if (total != nullptr) *total = (*replies)[2].integer();
  const RedisReply& members = (*replies)[1];
  std::vector<QueueEntry> entries;
  if (members.size() == 0) return entries;
  std::vector<redis::RedisCommand> commands;
  for (size_t i = 0; i < members.size(); ++i) {
    commands.push_back({"HMGET", keys::Queued(ElementStr(members.element(i))), "skill", "language",
                        "priority", "enqueued_ms"});
  }
  auto details = redis_.RunPipeline(commands);
  if (!details.ok()) return details.status();
  for (size_t i = 0; i < members.size(); ++i) {
    const RedisReply& d = (*details)[i];
    QueueEntry entry;
    entry.conversation_key = std::string(ElementStr(members.element(i)));
    if (d.size() == 4) {
      entry.skill = std::string(ElementStr(d.element(0)));
      entry.language = std::string(ElementStr(d.element(1)));
      entry.priority = ParsePriority(ElementStr(d.element(2)));
      entry.enqueued_ms = ToInt(ElementStr(d.element(3)));
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::vector<std::string>> AgentStore::PendingNotify(int64_t limit) {
  auto reply = redis_.Run({"SRANDMEMBER", keys::PendingNotify(), absl::StrCat(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->size(); ++i) out.emplace_back(ElementStr(reply->element(i)));
  return out;
}

absl::Status AgentStore::MarkNotified(const std::string& conversation_key) {
  return redis_.Run({"SREM", keys::PendingNotify(), conversation_key}).status();
}

absl::StatusOr<int> AgentStore::PruneQueue(std::string* cursor, int64_t count) {
  auto scan = redis_.Run({"ZSCAN", keys::Queue(), *cursor, "COUNT", absl::StrCat(count)});
  if (!scan.ok()) return scan.status();
  if (scan->size() != 2) return Malformed("zscan");
  const redisReply* page = scan->element(1);
  std::vector<std::string> members;
  // Member, score, member, score, ...
  for (size_t i = 0; page != nullptr && i < page->elements; i += 2) {
    members.emplace_back(ElementStr(page->element[i]));
  }
  *cursor = std::string(ElementStr(scan->element(0)));
  if (members.empty()) return 0;
  std::vector<redis::RedisCommand> exists;
  for (const auto& conv : members) exists.push_back({"EXISTS", keys::Queued(conv)});
  auto found = redis_.RunPipeline(exists);
  if (!found.ok()) return found.status();
  int dropped = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    if ((*found)[i].integer() != 0) continue;
    // Checked again inside the script: the conversation may be queued anew.
    auto reply =
        redis_.Eval(prune_script_, {keys::Queue(), keys::Queued(members[i])}, {members[i]});
    if (!reply.ok()) return reply.status();
    dropped += static_cast<int>(reply->integer());
  }
  return dropped;
}

}  // namespace omnigate::agents
