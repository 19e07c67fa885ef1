#pragma once

#include "lib/conversations/conversation_store.h"
#include "lib/conversations/history_reader.h"
#include "lib/grpcutil/auth.h"
#include "omnigate/v1/conversations.grpc.pb.h"

namespace omnigate::conversations {

// omnigate.v1.Conversations over the store. Sync handlers: each call is one
// short Redis round trip on a pooled connection.
class ConversationsService final : public omnigate::v1::Conversations::Service {
 public:
  // Calls need the conversations scope when `authorizer` is set. Without
  // `history`, History answers UNIMPLEMENTED.
  explicit ConversationsService(ConversationStore* store,
                                const grpcutil::CallAuthorizer* authorizer = nullptr,
                                const HistoryReader* history = nullptr)
      : store_(store), authorizer_(authorizer), history_(history) {}

  grpc::Status Get(grpc::ServerContext* context,
                   const omnigate::v1::GetConversationRequest* request,
                   omnigate::v1::Conversation* response) override;
  grpc::Status SetMode(grpc::ServerContext* context, const omnigate::v1::SetModeRequest* request,
                       omnigate::v1::Conversation* response) override;
  grpc::Status Assign(grpc::ServerContext* context, const omnigate::v1::AssignRequest* request,
                      omnigate::v1::Conversation* response) override;
  grpc::Status Resolve(grpc::ServerContext* context, const omnigate::v1::ResolveRequest* request,
                       omnigate::v1::Conversation* response) override;
  grpc::Status Transfer(grpc::ServerContext* context, const omnigate::v1::TransferRequest* request,
                        omnigate::v1::Conversation* response) override;
  grpc::Status History(grpc::ServerContext* context, const omnigate::v1::HistoryRequest* request,
                       omnigate::v1::HistoryResponse* response) override;

 private:
  ConversationStore* const store_;
  const grpcutil::CallAuthorizer* const authorizer_;
  const HistoryReader* const history_;
};

}  // namespace omnigate::conversations
