#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "omnigate/v1/conversations.grpc.pb.h"

namespace omnigate::testing {

// Stands in for the dispatcher's Conversations service: answers SetMode,
// Assign, Resolve and Transfer as the dispatcher would and records every
// request.
class FakeConversations final : public omnigate::v1::Conversations::Service {
 public:
  grpc::Status SetMode(grpc::ServerContext*, const omnigate::v1::SetModeRequest* request,
                       omnigate::v1::Conversation* response) override;
  grpc::Status Assign(grpc::ServerContext*, const omnigate::v1::AssignRequest* request,
                      omnigate::v1::Conversation* response) override;
  grpc::Status Resolve(grpc::ServerContext*, const omnigate::v1::ResolveRequest* request,
                       omnigate::v1::Conversation* response) override;
  grpc::Status Transfer(grpc::ServerContext*, const omnigate::v1::TransferRequest* request,
                        omnigate::v1::Conversation* response) override;

  std::vector<omnigate::v1::SetModeRequest> set_mode_requests();
  // (conversation key, agent id) of every Assign, in arrival order.
  std::vector<std::pair<std::string, std::string>> assigns();
  std::vector<std::string> resolves();
  std::vector<omnigate::v1::TransferRequest> transfers();

 private:
  std::mutex mu_;
  std::vector<omnigate::v1::SetModeRequest> set_modes_;
  std::vector<std::pair<std::string, std::string>> assigns_;
  std::vector<std::string> resolves_;
  std::vector<omnigate::v1::TransferRequest> transfers_;
};

}  // namespace omnigate::testing
