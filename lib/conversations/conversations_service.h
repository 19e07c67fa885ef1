#pragma once

#include "lib/conversations/conversation_store.h"
#include "omnigate/v1/conversations.grpc.pb.h"

namespace omnigate::conversations {

// omnigate.v1.Conversations over the store. Sync handlers: each call is one
// short Redis round trip on a pooled connection.
class ConversationsService final : public omnigate::v1::Conversations::Service {
 public:
  explicit ConversationsService(ConversationStore* store) : store_(store) {}

  grpc::Status Get(grpc::ServerContext*, const omnigate::v1::GetConversationRequest* request,
                   omnigate::v1::Conversation* response) override;
  grpc::Status SetMode(grpc::ServerContext*, const omnigate::v1::SetModeRequest* request,
                       omnigate::v1::Conversation* response) override;
  grpc::Status Assign(grpc::ServerContext*, const omnigate::v1::AssignRequest* request,
                      omnigate::v1::Conversation* response) override;
  grpc::Status Resolve(grpc::ServerContext*, const omnigate::v1::ResolveRequest* request,
                       omnigate::v1::Conversation* response) override;
  grpc::Status Transfer(grpc::ServerContext*, const omnigate::v1::TransferRequest* request,
                        omnigate::v1::Conversation* response) override;

 private:
  ConversationStore* const store_;
};

}  // namespace omnigate::conversations
