#pragma once

#include <grpcpp/grpcpp.h>

#include "lib/agents/agent_router.h"
#include "lib/conversations/history_reader.h"
#include "lib/grpcutil/auth.h"
#include "omnigate/v1/agents.grpc.pb.h"

namespace omnigate::agents {

// omnigate.v1.Agents over the router (sync API: handlers wait on Redis).
class AgentsService final : public omnigate::v1::Agents::Service {
 public:
  // Events GetAssignment shows of the conversation: enough for the agent to
  // pick up where the bot left off, small enough for every poll.
  static constexpr int kRecentEvents = 20;

  // Calls need the admin scope when `authorizer` is set. With `history`,
  // GetAssignment carries the conversation's last kRecentEvents events.
  explicit AgentsService(AgentRouter* router, const grpcutil::CallAuthorizer* authorizer = nullptr,
                         const conversations::HistoryReader* history = nullptr)
      : router_(router), authorizer_(authorizer), history_(history) {}

  grpc::Status UpsertAgent(grpc::ServerContext* context,
                           const omnigate::v1::UpsertAgentRequest* request,
                           omnigate::v1::Agent* response) override;
  grpc::Status SetPresence(grpc::ServerContext* context,
                           const omnigate::v1::SetPresenceRequest* request,
                           omnigate::v1::Agent* response) override;
  grpc::Status ListAgents(grpc::ServerContext* context,
                          const omnigate::v1::ListAgentsRequest* request,
                          omnigate::v1::ListAgentsResponse* response) override;
  grpc::Status GetAssignment(grpc::ServerContext* context,
                             const omnigate::v1::GetAssignmentRequest* request,
                             omnigate::v1::Assignment* response) override;
  grpc::Status Resolve(grpc::ServerContext* context,
                       const omnigate::v1::ResolveAssignmentRequest* request,
                       omnigate::v1::ResolveAssignmentResponse* response) override;
  grpc::Status Transfer(grpc::ServerContext* context,
                        const omnigate::v1::TransferAssignmentRequest* request,
                        omnigate::v1::Assignment* response) override;
  grpc::Status ListQueue(grpc::ServerContext* context,
                         const omnigate::v1::ListQueueRequest* request,
                         omnigate::v1::ListQueueResponse* response) override;

 private:
  AgentRouter* const router_;
  const grpcutil::CallAuthorizer* const authorizer_;
  const conversations::HistoryReader* const history_;
};

// Conversions between the proto and the router's types (exposed for tests).
void ToProto(const Agent& agent, omnigate::v1::Agent* out);
void ToProto(const QueueEntry& entry, omnigate::v1::QueuedConversation* out);

}  // namespace omnigate::agents
