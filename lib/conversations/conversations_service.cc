#include "lib/conversations/conversations_service.h"

#include "lib/common/log.h"
#include "lib/grpcutil/status.h"

namespace omnigate::conversations {
namespace {

grpc::Status Answer(absl::StatusOr<omnigate::v1::Conversation> result,
                    omnigate::v1::Conversation* response) {
  if (!result.ok()) return grpcutil::ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ConversationsService::Get(grpc::ServerContext* context,
                                       const omnigate::v1::GetConversationRequest* request,
                                       omnigate::v1::Conversation* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  return Answer(store_->Get(request->conversation_key()), response);
}

grpc::Status ConversationsService::SetMode(grpc::ServerContext* context,
                                           const omnigate::v1::SetModeRequest* request,
                                           omnigate::v1::Conversation* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  OG_LOG(INFO) << "conversation mode -> " << ModeName(request->mode())
               << " actor=" << request->actor() << " reason=" << request->reason();
  return Answer(store_->SetMode(*request), response);
}

grpc::Status ConversationsService::Assign(grpc::ServerContext* context,
                                          const omnigate::v1::AssignRequest* request,
                                          omnigate::v1::Conversation* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  OG_LOG(INFO) << "conversation assigned to agent " << request->agent_id();
  return Answer(store_->Assign(*request), response);
}

grpc::Status ConversationsService::Resolve(grpc::ServerContext* context,
                                           const omnigate::v1::ResolveRequest* request,
                                           omnigate::v1::Conversation* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  return Answer(store_->Resolve(*request), response);
}

grpc::Status ConversationsService::Transfer(grpc::ServerContext* context,
                                            const omnigate::v1::TransferRequest* request,
                                            omnigate::v1::Conversation* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  return Answer(store_->Transfer(*request), response);
}

grpc::Status ConversationsService::History(grpc::ServerContext* context,
                                           const omnigate::v1::HistoryRequest* request,
                                           omnigate::v1::HistoryResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  if (history_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "conversation history is not served here");
  }
  // The reader checks the key, size and token (INVALID_ARGUMENT).
  auto page =
      history_->Page(request->conversation_key(), request->page_size(), request->page_token());
  if (!page.ok()) return grpcutil::ToGrpcStatus(page.status());
  for (auto& event : page->events) *response->add_events() = std::move(event);
  response->set_next_page_token(std::move(page->next_page_token));
  return grpc::Status::OK;
}

}  // namespace omnigate::conversations
