#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "omnigate/v1/conversations.grpc.pb.h"

namespace omnigate::conversations {

// The seam to omnigate.v1.Conversations (served by the dispatcher) for the
// processes that change a conversation: the chatbot hands off (SetMode), the
// agent router assigns, resolves and transfers. Implementations are
// thread-safe; every call is safe to repeat (a change the conversation already
// has records nothing new).
//
// Each method answers UNIMPLEMENTED unless overridden, so a test fake
// overrides only the calls its code under test makes.
class ConversationsClient {
 public:
  virtual ~ConversationsClient() = default;

  // `language` ("en", "id"; may be empty) is kept on the conversation and
  // routes a handoff to an agent who speaks it.
  virtual absl::Status SetMode(const std::string& conversation_key, omnigate::v1::Mode mode,
                               absl::string_view reason, absl::string_view actor,
                               absl::string_view language);
  virtual absl::Status Assign(const std::string& conversation_key, const std::string& agent_id);
  virtual absl::Status Resolve(const std::string& conversation_key, const std::string& agent_id,
                               const std::string& reason);
  virtual absl::Status Transfer(const std::string& conversation_key,
                                const std::string& from_agent_id, const std::string& to_agent_id,
                                const std::string& reason);
  // One page of the conversation's history, oldest first (page_size 0: the
  // server's default; page_token: the previous page's next_page_token).
  virtual absl::StatusOr<omnigate::v1::HistoryResponse> History(const std::string& conversation_key,
                                                                int page_size,
                                                                const std::string& page_token);
};

// ConversationsClient over a gRPC stub; each call has `timeout` as its
// deadline.
class GrpcConversationsClient final : public ConversationsClient {
 public:
  GrpcConversationsClient(std::shared_ptr<omnigate::v1::Conversations::StubInterface> stub,
                          absl::Duration timeout)
      : stub_(std::move(stub)), timeout_(timeout) {}

  absl::Status SetMode(const std::string& conversation_key, omnigate::v1::Mode mode,
                       absl::string_view reason, absl::string_view actor,
                       absl::string_view language) override;
  absl::Status Assign(const std::string& conversation_key, const std::string& agent_id) override;
  absl::Status Resolve(const std::string& conversation_key, const std::string& agent_id,
                       const std::string& reason) override;
  absl::Status Transfer(const std::string& conversation_key, const std::string& from_agent_id,
                        const std::string& to_agent_id, const std::string& reason) override;
  absl::StatusOr<omnigate::v1::HistoryResponse> History(const std::string& conversation_key,
                                                        int page_size,
                                                        const std::string& page_token) override;

 private:
  void SetDeadline(grpc::ClientContext* context) const;

  const std::shared_ptr<omnigate::v1::Conversations::StubInterface> stub_;
  const absl::Duration timeout_;
};

}  // namespace omnigate::conversations
