#include "lib/agents/agents_service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/grpcutil/status.h"

namespace omnigate::agents {
namespace {

using grpc::Status;
using grpcutil::ToGrpcStatus;

omnigate::v1::Presence PresenceToProto(Presence presence) {
  switch (presence) {
    case Presence::kOnline:
      return omnigate::v1::PRESENCE_ONLINE;
    case Presence::kAway:
      return omnigate::v1::PRESENCE_AWAY;
    case Presence::kOffline:
      return omnigate::v1::PRESENCE_OFFLINE;
  }
  return omnigate::v1::PRESENCE_OFFLINE;
}

bool PresenceFromProto(omnigate::v1::Presence presence, Presence* out) {
  switch (presence) {
    case omnigate::v1::PRESENCE_ONLINE:
      *out = Presence::kOnline;
      return true;
    case omnigate::v1::PRESENCE_AWAY:
      *out = Presence::kAway;
      return true;
    case omnigate::v1::PRESENCE_OFFLINE:
      *out = Presence::kOffline;
      return true;
    default:
      return false;
  }
}

Status InvalidArgument(absl::string_view what) {
  return Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(what));
}

Status Answer(const absl::Status& status, AgentRouter* router, const std::string& agent_id,
              omnigate::v1::Agent* response) {
  if (!status.ok()) return ToGrpcStatus(status);
  auto agent = router->store().Get(agent_id);
  if (!agent.ok()) return ToGrpcStatus(agent.status());
  ToProto(*agent, response);
  return Status::OK;
}

}  // namespace

void ToProto(const Agent& agent, omnigate::v1::Agent* out) {
  out->set_id(agent.id);
  out->set_display_name(agent.display_name);
  for (const auto& s : agent.skills) out->add_skills(s);
  for (const auto& l : agent.languages) out->add_languages(l);
  out->set_capacity(agent.capacity);
  out->set_presence(PresenceToProto(agent.presence));
  out->set_load(agent.load);
  out->set_last_assigned_ms(agent.last_assigned_ms);
  out->set_handled(agent.handled);
  out->set_resolved(agent.resolved);
  out->set_rating_count(agent.rating_count);
  if (agent.rating_count > 0) {
    out->set_rating_average(static_cast<double>(agent.rating_sum) /
                            static_cast<double>(agent.rating_count));
  }
}

void ToProto(const QueueEntry& entry, omnigate::v1::QueuedConversation* out) {
  out->set_conversation_key(entry.conversation_key);
  out->set_skill(entry.skill);
  out->set_language(entry.language);
  out->set_priority(std::string(PriorityName(entry.priority)));
  out->set_enqueued_ms(entry.enqueued_ms);
}

Status AgentsService::UpsertAgent(grpc::ServerContext* context,
                                  const omnigate::v1::UpsertAgentRequest* request,
                                  omnigate::v1::Agent* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  const omnigate::v1::Agent& in = request->agent();
  if (in.id().empty() || in.id().size() > 128) return InvalidArgument("agent.id: 1-128 bytes");
  if (in.capacity() < 0 || in.capacity() > 1000) {
    return InvalidArgument("agent.capacity: expected 0..1000");
  }
  Agent agent;
  agent.id = in.id();
  agent.display_name = in.display_name();
  for (const auto& s : in.skills()) agent.skills.push_back(absl::AsciiStrToLower(s));
  for (const auto& l : in.languages()) agent.languages.push_back(absl::AsciiStrToLower(l));
  for (const auto* list : {&agent.skills, &agent.languages}) {
    for (const auto& item : *list) {
      if (item.empty() || item.find(',') != std::string::npos) {
        return InvalidArgument("skills and languages: non-empty, no commas");
      }
    }
  }
  agent.capacity = in.capacity();
  if (in.presence() == omnigate::v1::PRESENCE_UNSPECIFIED) {
    // Keep the current presence (online for a new agent).
    auto current = router_->store().Get(agent.id);
    if (current.ok()) {
      agent.presence = current->presence;
    } else if (!absl::IsNotFound(current.status())) {
      return ToGrpcStatus(current.status());
    }
  } else if (!PresenceFromProto(in.presence(), &agent.presence)) {
    return InvalidArgument("agent.presence: unknown value");
  }
  return Answer(router_->UpsertAgent(agent), router_, agent.id, response);
}

Status AgentsService::SetPresence(grpc::ServerContext* context,
                                  const omnigate::v1::SetPresenceRequest* request,
                                  omnigate::v1::Agent* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  Presence presence;
  if (!PresenceFromProto(request->presence(), &presence)) {
    return InvalidArgument("presence: online, away or offline");
  }
  if (request->agent_id().empty()) return InvalidArgument("agent_id: required");
  return Answer(router_->SetPresence(request->agent_id(), presence), router_, request->agent_id(),
                response);
}

Status AgentsService::ListAgents(grpc::ServerContext* context,
                                 const omnigate::v1::ListAgentsRequest*,
                                 omnigate::v1::ListAgentsResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  auto agents = router_->store().List();
  if (!agents.ok()) return ToGrpcStatus(agents.status());
  for (const Agent& agent : *agents) ToProto(agent, response->add_agents());
  return Status::OK;
}

Status AgentsService::GetAssignment(grpc::ServerContext* context,
                                    const omnigate::v1::GetAssignmentRequest* request,
                                    omnigate::v1::Assignment* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  if (request->conversation_key().empty()) return InvalidArgument("conversation_key: required");
  response->set_conversation_key(request->conversation_key());
  auto holder = router_->store().GetAssignment(request->conversation_key());
  if (!holder.ok()) return ToGrpcStatus(holder.status());
  response->set_agent_id(*holder);
  if (holder->empty()) {
    auto queued = router_->store().GetQueued(request->conversation_key());
    if (!queued.ok()) return ToGrpcStatus(queued.status());
    if (queued->has_value()) {
      response->set_queued(true);
      ToProto(**queued, response->mutable_queue_entry());
    }
  }
  if (history_ != nullptr) {
    // Context, not the answer: without it the agent still learns who holds
    // the conversation, so a failed read is logged rather than returned.
    auto recent = history_->Latest(request->conversation_key(), kRecentEvents);
    if (recent.ok()) {
      for (auto& event : *recent) *response->add_recent_events() = std::move(event);
    } else {
      OG_LOG(WARNING) << "assignment of conv=" << ConversationTag(request->conversation_key())
                      << " without recent events: " << recent.status();
    }
  }
  return Status::OK;
}

Status AgentsService::Resolve(grpc::ServerContext* context,
                              const omnigate::v1::ResolveAssignmentRequest* request,
                              omnigate::v1::ResolveAssignmentResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  if (request->conversation_key().empty()) return InvalidArgument("conversation_key: required");
  auto freed =
      router_->Resolve(request->conversation_key(), request->agent_id(), request->reason());
  if (!freed.ok()) return ToGrpcStatus(freed.status());
  response->set_agent_id(*freed);
  return Status::OK;
}

Status AgentsService::Transfer(grpc::ServerContext* context,
                               const omnigate::v1::TransferAssignmentRequest* request,
                               omnigate::v1::Assignment* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  if (request->conversation_key().empty() || request->to_agent_id().empty()) {
    return InvalidArgument("conversation_key and to_agent_id: required");
  }
  auto moved =
      router_->Transfer(request->conversation_key(), request->to_agent_id(), request->reason());
  if (!moved.ok()) return ToGrpcStatus(moved.status());
  response->set_conversation_key(request->conversation_key());
  response->set_agent_id(request->to_agent_id());
  return Status::OK;
}

Status AgentsService::ListQueue(grpc::ServerContext* context,
                                const omnigate::v1::ListQueueRequest* request,
                                omnigate::v1::ListQueueResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  const int64_t limit = request->limit() <= 0 ? 100 : std::min(request->limit(), 1000);
  int64_t total = 0;
  auto entries = router_->store().ListQueue(limit, &total);
  if (!entries.ok()) return ToGrpcStatus(entries.status());
  for (const QueueEntry& e : *entries) ToProto(e, response->add_entries());
  response->set_total(total);
  return Status::OK;
}

}  // namespace omnigate::agents
