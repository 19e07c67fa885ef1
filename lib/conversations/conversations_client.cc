#include "lib/conversations/conversations_client.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/grpcutil/status.h"

namespace omnigate::conversations {
namespace {

absl::Status NotImplemented(absl::string_view method) {
  return absl::UnimplementedError(
      absl::StrCat("this ConversationsClient does not implement ", method));
}

}  // namespace

absl::Status ConversationsClient::SetMode(const std::string&, omnigate::v1::Mode, absl::string_view,
                                          absl::string_view, absl::string_view) {
  return NotImplemented("SetMode");
}

absl::Status ConversationsClient::Assign(const std::string&, const std::string&) {
  return NotImplemented("Assign");
}

absl::Status ConversationsClient::Resolve(const std::string&, const std::string&,
                                          const std::string&) {
  return NotImplemented("Resolve");
}

absl::Status ConversationsClient::Transfer(const std::string&, const std::string&,
                                           const std::string&, const std::string&) {
  return NotImplemented("Transfer");
}

absl::StatusOr<omnigate::v1::HistoryResponse> ConversationsClient::History(const std::string&, int,
                                                                           const std::string&) {
  return NotImplemented("History");
}

void GrpcConversationsClient::SetDeadline(grpc::ClientContext* context) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
}

absl::Status GrpcConversationsClient::SetMode(const std::string& conversation_key,
                                              omnigate::v1::Mode mode, absl::string_view reason,
                                              absl::string_view actor, absl::string_view language) {
  grpc::ClientContext context;
  SetDeadline(&context);
  omnigate::v1::SetModeRequest request;
  request.set_conversation_key(conversation_key);
  request.set_mode(mode);
  request.set_reason(std::string(reason));
  request.set_actor(std::string(actor));
  request.set_language(std::string(language));
  omnigate::v1::Conversation response;
  return grpcutil::FromGrpcStatus(stub_->SetMode(&context, request, &response));
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

absl::StatusOr<omnigate::v1::HistoryResponse> GrpcConversationsClient::History(
    const std::string& conversation_key, int page_size, const std::string& page_token) {
  grpc::ClientContext context;
  SetDeadline(&context);
  omnigate::v1::HistoryRequest request;
  request.set_conversation_key(conversation_key);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  omnigate::v1::HistoryResponse response;
  if (grpc::Status s = stub_->History(&context, request, &response); !s.ok())
    return grpcutil::FromGrpcStatus(s);
  return response;
}

}  // namespace omnigate::conversations
