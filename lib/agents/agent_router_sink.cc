#include "lib/agents/agent_router_sink.h"

#include "absl/strings/ascii.h"
#include "lib/agents/priority.h"
#include "lib/common/log.h"
#include "lib/grpcutil/status.h"

namespace omnigate::agents {
namespace {

using omnigate::v1::ConversationEvent;
using omnigate::v1::Event;

RouteRequest RouteFor(const Event& event, bool renotify) {
  RouteRequest request;
  request.conversation_key = event.conversation_key();
  if (auto it = event.attributes().find(std::string(kSkillAttribute));
      it != event.attributes().end()) {
    request.skill = absl::AsciiStrToLower(absl::StripAsciiWhitespace(it->second));
  }
  request.locale = event.locale();
  request.priority = PriorityFromAttributes(event.attributes());
  request.renotify = renotify;
  return request;
}

// Bounded like the event's own limits; longer keys are not ours to store.
constexpr size_t kMaxKeyBytes = 512;

}  // namespace

grpc::Status AgentRouterSink::Deliver(grpc::ServerContext* context,
                                      const omnigate::v1::DeliverRequest* request,
                                      omnigate::v1::DeliverResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kSink); !s.ok())
    return s;
  for (const Event& event : request->events()) {
    if (context->IsCancelled()) {
      metrics_->CountDeliverError(absl::StatusCode::kCancelled);
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    absl::Status status = Handle(event, request->partition(), request->attempt() > 1);
    if (!status.ok()) {
      // Retryable whatever went wrong inside: the request carries real
      // events that must not be dead-lettered for our own trouble.
      if (status.code() != absl::StatusCode::kUnavailable &&
          status.code() != absl::StatusCode::kAborted) {
        OG_LOG(ERROR) << "deliver partition=" << request->partition() << ": " << status;
        status = absl::UnavailableError(status.message());
      }
      metrics_->CountDeliverError(status.code());
      return grpcutil::ToGrpcStatus(status);
    }
  }
  return grpc::Status::OK;
}

absl::Status AgentRouterSink::Handle(const Event& event, uint32_t partition, bool retry) {
  if (event.conversation_key().empty() || event.conversation_key().size() > kMaxKeyBytes ||
      event.payload_case() == Event::PAYLOAD_NOT_SET) {
    metrics_->CountMalformed();
    OG_LOG(WARNING) << "malformed event acknowledged partition=" << partition
                    << " id=" << event.id();
    return absl::OkStatus();
  }
  if (event.has_conversation()) return HandleLifecycle(event, retry);
  if (event.sender().role() != omnigate::v1::ROLE_CUSTOMER || event.is_echo()) {
    return absl::OkStatus();  // bot and agent replies, receipts: not ours to route
  }
  auto routed = router_->Route(RouteFor(event, /*renotify=*/retry));
  if (!routed.ok()) return routed.status();
  if (routed->outcome == AssignOutcome::kAlreadyAssigned) {
    OG_LOG(DEBUG) << "customer event for agent=" << routed->agent_id
                  << " conv=" << ConversationTag(event.conversation_key())
                  << " partition=" << partition;
  }
  return absl::OkStatus();
}

absl::Status AgentRouterSink::HandleLifecycle(const Event& event, bool retry) {
  const ConversationEvent& c = event.conversation();
  const std::string& key = event.conversation_key();
  switch (c.kind()) {
    case ConversationEvent::KIND_HANDOFF_REQUESTED: {
      // Always record again on redelivery: the first Assign may be lost.
      auto routed = router_->Route(RouteFor(event, /*renotify=*/true));
      return routed.status();
    }
    case ConversationEvent::KIND_RESOLVED:
      return router_->OnResolved(key, c.agent_id());
    case ConversationEvent::KIND_TRANSFERRED:
      return router_->OnTransferred(key, c.agent_id());
    case ConversationEvent::KIND_MODE_CHANGED: {
      const std::string mode = absl::AsciiStrToLower(c.mode());
      if (mode == "bot" || mode == "closed") return router_->OnLeftAgentMode(key);
      return absl::OkStatus();
    }
    default:
      // ASSIGNED is our own echo; follows, opt-ins and the like need no agent.
      return absl::OkStatus();
  }
}

}  // namespace omnigate::agents
