#include "lib/chatbot/conversations_client.h"

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"
#include "lib/grpcutil/status.h"

namespace omnigate::chatbot {

GrpcConversationsClient::GrpcConversationsClient(
    std::shared_ptr<omnigate::v1::Conversations::StubInterface> stub, absl::Duration deadline)
    : stub_(std::move(stub)), deadline_(deadline) {}

absl::Status GrpcConversationsClient::SetMode(const std::string& conversation_key,
                                              omnigate::v1::Mode mode, absl::string_view reason,
                                              absl::string_view actor) {
  omnigate::v1::SetModeRequest request;
  request.set_conversation_key(conversation_key);
  request.set_mode(mode);
  request.set_reason(std::string(reason));
  request.set_actor(std::string(actor));
  omnigate::v1::Conversation response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  return grpcutil::FromGrpcStatus(stub_->SetMode(&context, request, &response));
}

}  // namespace omnigate::chatbot
