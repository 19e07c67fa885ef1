#include "lib/agents/conversations_client.h"

#include <chrono>

#include "lib/grpcutil/status.h"

namespace omnigate::agents {

void GrpcConversationsClient::SetDeadline(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
}

absl::Status GrpcConversationsClient::Assign(const std::string& conversation_key,
                                             const std::string& agent_id) {
  grpc::ClientContext context;
  SetDeadline(&context);
  omnigate::v1::AssignRequest request;
  request.set_conversation_key(conversation_key);
  request.set_agent_id(agent_id);
  omnigate::v1::Conversation response;
  return grpcutil::FromGrpcStatus(stub_->Assign(&context, request, &response));
}

absl::Status GrpcConversationsClient::Resolve(const std::string& conversation_key,
                                              const std::string& agent_id,
                                              const std::string& reason) {
  grpc::ClientContext context;
  SetDeadline(&context);
  omnigate::v1::ResolveRequest request;
  request.set_conversation_key(conversation_key);
  request.set_agent_id(agent_id);
  request.set_reason(reason);
  omnigate::v1::Conversation response;
  return grpcutil::FromGrpcStatus(stub_->Resolve(&context, request, &response));
}

absl::Status GrpcConversationsClient::Transfer(const std::string& conversation_key,
                                               const std::string& from_agent_id,
                                               const std::string& to_agent_id,
                                               const std::string& reason) {
  grpc::ClientContext context;
  SetDeadline(&context);
  omnigate::v1::TransferRequest request;
  request.set_conversation_key(conversation_key);
  request.set_from_agent_id(from_agent_id);
  request.set_to_agent_id(to_agent_id);
  request.set_reason(reason);
  omnigate::v1::Conversation response;
  return grpcutil::FromGrpcStatus(stub_->Transfer(&context, request, &response));
}

}  // namespace omnigate::agents
