#include "lib/conversations/conversation_store.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/connectors/connector.h"
#include "lib/conversations/change_script.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"

namespace omnigate::conversations {
namespace {

using omnigate::v1::Conversation;
using omnigate::v1::ConversationEvent;
using omnigate::v1::Event;
using omnigate::v1::Mode;

constexpr size_t kMaxKeyBytes = 512;

absl::Status CheckKey(const std::string& key) {
  if (key.empty()) return absl::InvalidArgumentError("conversation_key is required");
  if (key.size() > kMaxKeyBytes)
    return absl::InvalidArgumentError("conversation_key is longer than 512 bytes");
  return absl::OkStatus();
}

absl::Status CheckAgent(const std::string& agent, absl::string_view field) {
  if (agent.empty()) return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  if (agent.size() > 256) return absl::InvalidArgumentError(absl::StrCat(field, " is too long"));
  return absl::OkStatus();
}

// "whatsapp:<account>:<thread>" names its channel first.
omnigate::v1::Channel ChannelOfKey(const std::string& key) {
  return connectors::ChannelFromName(absl::string_view(key).substr(0, key.find(':')));
}

// The customer-experience moments kept in the state hash.
void ReadTimelineField(absl::string_view field, const std::string& value,
                       omnigate::v1::Timeline* t) {
  int64_t ms = 0;
  const bool number = absl::SimpleAtoi(value, &ms);
  if (field == "opened_ms" && number) {
    t->set_opened_at_ms(ms);
  } else if (field == "first_reply_ms" && number) {
    t->set_first_reply_at_ms(ms);
  } else if (field == "handoff_ms" && number) {
    t->set_handoff_at_ms(ms);
  } else if (field == "assigned_ms" && number) {
    t->set_assigned_at_ms(ms);
  } else if (field == "first_agent_reply_ms" && number) {
    t->set_first_agent_reply_at_ms(ms);
  } else if (field == "resolved_ms" && number) {
    t->set_resolved_at_ms(ms);
  } else if (field == "resolved_by") {
    t->set_resolved_by(value);
  } else if (field == "resolved_agent") {
    t->set_resolved_agent_id(value);
  } else if (field == "csat_until_ms") {
    t->set_csat_pending(true);
  } else if (field == "csat_score" && number) {
    t->set_csat_score(static_cast<int32_t>(ms));
  } else if (field == "reopened" && number) {
    t->set_reopened(static_cast<int32_t>(ms));
  }
}

}  // namespace

const char* ModeName(Mode mode) {
  switch (mode) {
    case omnigate::v1::MODE_BOT:
      return "bot";
    case omnigate::v1::MODE_AGENT:
      return "agent";
    case omnigate::v1::MODE_CLOSED:
      return "closed";
    default:
      return "";
  }
}

Mode ModeFromName(absl::string_view name) {
  if (name.empty() || name == "bot") return omnigate::v1::MODE_BOT;
  if (name == "agent") return omnigate::v1::MODE_AGENT;
  if (name == "closed") return omnigate::v1::MODE_CLOSED;
  return omnigate::v1::MODE_UNSPECIFIED;
}

// What one RPC changes: guard, lifecycle payload, fields set and deleted.
struct ConversationStore::Change {
  std::string guard_field;
  std::string guard_value;
  Event event;
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::string> del;
  // Timeline moment the change records (see change_script.h) and its agent.
  std::string moment;
  std::string moment_agent;
};

ConversationStore::ConversationStore(ConversationStoreOptions options, redis::RedisClient* redis,
                                     const Clock& clock)
    : options_(options),
      redis_(redis),
      clock_(clock),
      ids_(clock),
      change_script_(ChangeScript()) {}

Event ConversationStore::LifecycleEvent(const std::string& conversation_key,
                                        const std::string& actor) const {
  Event e;
  e.set_id(ids_.Next());
  e.set_channel(ChannelOfKey(conversation_key));
  e.set_conversation_key(conversation_key);
  e.set_external_id(e.id());
  e.set_idempotency_key(absl::StrCat("lifecycle:", e.id()));
  e.mutable_sender()->set_id(actor.empty() ? "omnigate" : actor);
  e.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  const int64_t now = clock_.NowMs();
  e.set_sent_at_ms(now);
  e.set_received_at_ms(now);
  e.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  return e;
}

absl::StatusOr<Conversation> ConversationStore::Get(const std::string& conversation_key) {
  if (auto s = CheckKey(conversation_key); !s.ok()) return s;
  const uint32_t p = queue::PartitionOf(conversation_key, options_.partitions);
  auto reply = redis_->Run({"HGETALL", queue::ConversationStateKey(p, conversation_key)});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array())
    return absl::UnavailableError(absl::StrCat("redis HGETALL: ", reply->str()));
  Conversation c;
  c.set_conversation_key(conversation_key);
  c.set_mode(omnigate::v1::MODE_BOT);
  c.set_channel(ChannelOfKey(conversation_key));
  for (size_t i = 0; i + 1 < reply->size(); i += 2) {
    const absl::string_view field = redis::ElementStr(reply->element(i));
    const std::string value(redis::ElementStr(reply->element(i + 1)));
    if (field == "mode") {
      c.set_mode(ModeFromName(value));
    } else if (field == "agent_id") {
      c.set_agent_id(value);
    } else if (field == "last_agent_id") {
      c.set_last_agent_id(value);
    } else if (field == "handoff_reason") {
      c.set_handoff_reason(value);
    } else if (field == "mode_changed_at_ms") {
      int64_t ms = 0;
      if (absl::SimpleAtoi(value, &ms)) c.set_mode_changed_at_ms(ms);
    } else if (field == "mode_entry_id") {
      c.set_mode_entry_id(value);
    } else if (field == "language") {
      c.set_language(value);
    } else {
      ReadTimelineField(field, value, c.mutable_timeline());
    }
  }
  return c;
}

absl::StatusOr<Conversation> ConversationStore::Apply(const std::string& key,
                                                      const Change& change) {
  const uint32_t p = queue::PartitionOf(key, options_.partitions);
  std::vector<std::string> args = {
      change.guard_field,
      change.guard_value,
      absl::StrCat(options_.stream_max_len),
      change.event.SerializeAsString(),
      absl::StrCat(absl::ToInt64Milliseconds(options_.conversation_retention)),
      absl::StrCat(options_.history_max_len),
      absl::StrCat(absl::ToInt64Milliseconds(options_.history_retention)),
      change.moment,
      absl::StrCat(clock_.NowMs()),
      change.moment_agent,
      absl::StrCat(change.set.size())};
  for (const auto& [field, value] : change.set) {
    args.push_back(field);
    args.push_back(value);
  }
  args.insert(args.end(), change.del.begin(), change.del.end());
  auto reply = redis_->Eval(
      change_script_,
      {queue::ConversationStateKey(p, key), queue::StreamKey(p), queue::HistoryKey(p, key)}, args);
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->size() < 2) {
    return absl::UnavailableError(absl::StrCat("redis conversation change failed: ",
                                               reply->is_error() ? reply->str() : "bad reply"));
  }
  Observe(key, change, *reply);
  return Get(key);
}

void ConversationStore::Observe(const std::string& key, const Change& change,
                                const redis::RedisReply& reply) const {
  if (options_.cx_metrics == nullptr || reply.size() < 5) return;
  if (reply.element(2)->integer != 1) return;  // not a new moment of the cycle
  const int64_t elapsed_ms = reply.element(3)->integer;
  const absl::string_view label = redis::ElementStr(reply.element(4));
  const omnigate::v1::Channel channel = ChannelOfKey(key);
  if (change.moment == "assign") {
    options_.cx_metrics->QueueWait(channel, label, absl::Milliseconds(elapsed_ms));
  } else if (change.moment == "resolve") {
    options_.cx_metrics->Resolved(
        channel, label,
        elapsed_ms < 0 ? std::optional<absl::Duration>() : absl::Milliseconds(elapsed_ms));
  }
}

absl::StatusOr<Conversation> ConversationStore::SetMode(
    const omnigate::v1::SetModeRequest& request) {
  if (auto s = CheckKey(request.conversation_key()); !s.ok()) return s;
  const std::string mode = ModeName(request.mode());
  if (mode.empty()) return absl::InvalidArgumentError("mode must be BOT, AGENT or CLOSED");
  if (request.reason().size() > 1024) return absl::InvalidArgumentError("reason is too long");
  if (request.language().size() > 35)
    return absl::InvalidArgumentError("language is longer than a BCP 47 tag (35 bytes)");
  Change change;
  change.guard_field = "mode";
  change.guard_value = mode;
  change.event = LifecycleEvent(request.conversation_key(), request.actor());
  ConversationEvent* ce = change.event.mutable_conversation();
  ce->set_mode(mode);
  ce->set_reason(request.reason());
  ce->set_kind(request.mode() == omnigate::v1::MODE_AGENT
                   ? ConversationEvent::KIND_HANDOFF_REQUESTED
                   : ConversationEvent::KIND_MODE_CHANGED);
  change.set = {{"mode", mode}, {"mode_changed_at_ms", absl::StrCat(clock_.NowMs())}};
  if (request.mode() == omnigate::v1::MODE_AGENT) {
    change.set.emplace_back("handoff_reason", request.reason());
    change.moment = "handoff";
  } else {
    change.del.push_back("agent_id");
  }
  if (!request.language().empty()) {
    // The agent router routes the handoff by the event's locale.
    change.set.emplace_back("language", request.language());
    change.event.set_locale(request.language());
  }
  return Apply(request.conversation_key(), change);
}

absl::StatusOr<Conversation> ConversationStore::Assign(const omnigate::v1::AssignRequest& request) {
  if (auto s = CheckKey(request.conversation_key()); !s.ok()) return s;
  if (auto s = CheckAgent(request.agent_id(), "agent_id"); !s.ok()) return s;
  Change change;
  change.guard_field = "agent_id";
  change.guard_value = request.agent_id();
  change.event = LifecycleEvent(request.conversation_key(), request.agent_id());
  ConversationEvent* ce = change.event.mutable_conversation();
  ce->set_kind(ConversationEvent::KIND_ASSIGNED);
  ce->set_agent_id(request.agent_id());
  ce->set_mode("agent");
  // An assignment puts the conversation in agent mode if it was not.
  change.set = {
      {"agent_id", request.agent_id()}, {"last_agent_id", request.agent_id()}, {"mode", "agent"}};
  if (!request.priority().empty()) {
    if (cx::PriorityLabel(request.priority()) != request.priority())
      return absl::InvalidArgumentError("priority must be urgent, high, normal or low");
    change.set.emplace_back("priority", request.priority());
  }
  change.moment = "assign";
  return Apply(request.conversation_key(), change);
}

absl::StatusOr<Conversation> ConversationStore::Resolve(
    const omnigate::v1::ResolveRequest& request) {
  if (auto s = CheckKey(request.conversation_key()); !s.ok()) return s;
  Change change;
  change.guard_field = "mode";
  change.guard_value = "closed";
  change.event = LifecycleEvent(request.conversation_key(), request.agent_id());
  ConversationEvent* ce = change.event.mutable_conversation();
  ce->set_kind(ConversationEvent::KIND_RESOLVED);
  ce->set_agent_id(request.agent_id());
  ce->set_reason(request.reason());
  ce->set_mode("closed");
  change.set = {{"mode", "closed"}, {"mode_changed_at_ms", absl::StrCat(clock_.NowMs())}};
  change.del = {"agent_id"};
  change.moment = "resolve";
  change.moment_agent = request.agent_id();
  return Apply(request.conversation_key(), change);
}

absl::StatusOr<Conversation> ConversationStore::Transfer(
    const omnigate::v1::TransferRequest& request) {
  if (auto s = CheckKey(request.conversation_key()); !s.ok()) return s;
  if (auto s = CheckAgent(request.to_agent_id(), "to_agent_id"); !s.ok()) return s;
  Change change;
  change.guard_field = "agent_id";
  change.guard_value = request.to_agent_id();
  change.event = LifecycleEvent(request.conversation_key(), request.from_agent_id());
  ConversationEvent* ce = change.event.mutable_conversation();
  ce->set_kind(ConversationEvent::KIND_TRANSFERRED);
  ce->set_agent_id(request.to_agent_id());
  ce->set_reason(request.reason());
  ce->set_mode("agent");
  change.set = {{"agent_id", request.to_agent_id()},
                {"last_agent_id", request.to_agent_id()},
                {"mode", "agent"}};
  return Apply(request.conversation_key(), change);
}

}  // namespace omnigate::conversations
