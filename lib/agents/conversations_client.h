#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "omnigate/v1/conversations.grpc.pb.h"

namespace omnigate::agents {

// Records assignment changes in the conversation stream (the dispatcher's
// omnigate.v1.Conversations). The seam tests replace with a fake.
// Implementations are thread-safe; every call is safe to repeat.
class ConversationsClient {
 public:
  virtual ~ConversationsClient() = default;
  virtual absl::Status Assign(const std::string& conversation_key, const std::string& agent_id) = 0;
  virtual absl::Status Resolve(const std::string& conversation_key, const std::string& agent_id,
                               const std::string& reason) = 0;
  virtual absl::Status Transfer(const std::string& conversation_key,
                                const std::string& from_agent_id, const std::string& to_agent_id,
                                const std::string& reason) = 0;
};

// Over a gRPC stub; each call has `timeout` as its deadline.
class GrpcConversationsClient final : public ConversationsClient {
 public:
  GrpcConversationsClient(std::unique_ptr<omnigate::v1::Conversations::StubInterface> stub,
                          absl::Duration timeout)
      : stub_(std::move(stub)), timeout_(timeout) {}

  absl::Status Assign(const std::string& conversation_key, const std::string& agent_id) override;
  absl::Status Resolve(const std::string& conversation_key, const std::string& agent_id,
                       const std::string& reason) override;
  absl::Status Transfer(const std::string& conversation_key, const std::string& from_agent_id,
                        const std::string& to_agent_id, const std::string& reason) override;

 private:
  void SetDeadline(grpc::ClientContext* context) const;

  std::unique_ptr<omnigate::v1::Conversations::StubInterface> stub_;
  const absl::Duration timeout_;
};

}  // namespace omnigate::agents
