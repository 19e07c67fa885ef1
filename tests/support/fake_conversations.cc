#include "tests/support/fake_conversations.h"

namespace omnigate::testing {

grpc::Status FakeConversations::SetMode(grpc::ServerContext*,
                                        const omnigate::v1::SetModeRequest* request,
                                        omnigate::v1::Conversation* response) {
  std::lock_guard<std::mutex> lock(mu_);
  set_modes_.push_back(*request);
  response->set_conversation_key(request->conversation_key());
  response->set_mode(request->mode());
  return grpc::Status::OK;
}

grpc::Status FakeConversations::Assign(grpc::ServerContext*,
                                       const omnigate::v1::AssignRequest* request,
                                       omnigate::v1::Conversation* response) {
  std::lock_guard<std::mutex> lock(mu_);
  assigns_.emplace_back(request->conversation_key(), request->agent_id());
  response->set_conversation_key(request->conversation_key());
  response->set_agent_id(request->agent_id());
  response->set_mode(omnigate::v1::MODE_AGENT);
  return grpc::Status::OK;
}

grpc::Status FakeConversations::Resolve(grpc::ServerContext*,
                                        const omnigate::v1::ResolveRequest* request,
                                        omnigate::v1::Conversation* response) {
  std::lock_guard<std::mutex> lock(mu_);
  resolves_.push_back(request->conversation_key());
  response->set_conversation_key(request->conversation_key());
  response->set_mode(omnigate::v1::MODE_CLOSED);
  return grpc::Status::OK;
}

grpc::Status FakeConversations::Transfer(grpc::ServerContext*,
                                         const omnigate::v1::TransferRequest* request,
                                         omnigate::v1::Conversation* response) {
  std::lock_guard<std::mutex> lock(mu_);
  transfers_.push_back(*request);
  response->set_conversation_key(request->conversation_key());
  response->set_agent_id(request->to_agent_id());
  response->set_mode(omnigate::v1::MODE_AGENT);
  return grpc::Status::OK;
}

std::vector<omnigate::v1::SetModeRequest> FakeConversations::set_mode_requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return set_modes_;
}

std::vector<std::pair<std::string, std::string>> FakeConversations::assigns() {
  std::lock_guard<std::mutex> lock(mu_);
  return assigns_;
}

std::vector<std::string> FakeConversations::resolves() {
  std::lock_guard<std::mutex> lock(mu_);
  return resolves_;
}

std::vector<omnigate::v1::TransferRequest> FakeConversations::transfers() {
  std::lock_guard<std::mutex> lock(mu_);
  return transfers_;
}

}  // namespace omnigate::testing
