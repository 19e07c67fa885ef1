#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "omnigate/v1/conversations.grpc.pb.h"

namespace omnigate::chatbot {

// The seam to omnigate.v1.Conversations: the only call the bot makes.
// Implementations are thread-safe.
class ConversationsClient {
 public:
  virtual ~ConversationsClient() = default;
  // Sets the conversation's routing mode. Idempotent on the server: setting
  // the mode it already has records nothing new.
  virtual absl::Status SetMode(const std::string& conversation_key, omnigate::v1::Mode mode,
                               absl::string_view reason, absl::string_view actor) = 0;
};

// ConversationsClient over gRPC; each call has `deadline`.
class GrpcConversationsClient final : public ConversationsClient {
 public:
  GrpcConversationsClient(std::shared_ptr<omnigate::v1::Conversations::StubInterface> stub,
                          absl::Duration deadline);
  absl::Status SetMode(const std::string& conversation_key, omnigate::v1::Mode mode,
                       absl::string_view reason, absl::string_view actor) override;

 private:
  std::shared_ptr<omnigate::v1::Conversations::StubInterface> stub_;
  absl::Duration deadline_;
};

}  // namespace omnigate::chatbot
