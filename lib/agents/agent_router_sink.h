#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "lib/agents/agent_router.h"
#include "lib/agents/router_metrics.h"
#include "lib/grpcutil/auth.h"
#include "omnigate/v1/sink.grpc.pb.h"

namespace omnigate::agents {

// omnigate.v1.Sink for the agent router. Per event, in order:
//   HANDOFF_REQUESTED            -> assign or queue (Conversations.Assign again
//                                   when redelivered)
//   customer message             -> assign or queue unless already assigned
//                                   (acknowledged; an agent desk reads it)
//   RESOLVED / MODE_CHANGED away -> free the agent (idempotent)
//   TRANSFERRED                  -> move the assignment (idempotent)
// Freed capacity is handed to queued conversations by the router's ticker,
// never inside Deliver: a drain may take longer than the dispatcher waits.
// Every effect is idempotent, so on any failure the whole request answers
// an error (UNAVAILABLE when Redis or the dispatcher is unreachable) and the
// dispatcher's retry redoes it safely. Malformed events are acknowledged and
// counted: they must never block the partition. Blocking (sync API): each
// handler waits on Redis.
class AgentRouterSink final : public omnigate::v1::Sink::Service {
 public:
  // Calls need the sink scope when `authorizer` is set.
  AgentRouterSink(AgentRouter* router, RouterMetrics* metrics,
                  const grpcutil::CallAuthorizer* authorizer = nullptr)
      : router_(router), metrics_(metrics), authorizer_(authorizer) {}

  grpc::Status Deliver(grpc::ServerContext* context, const omnigate::v1::DeliverRequest* request,
                       omnigate::v1::DeliverResponse* response) override;

  // One event; public for tests.
  absl::Status Handle(const omnigate::v1::Event& event, uint32_t partition, bool retry);

 private:
  absl::Status HandleLifecycle(const omnigate::v1::Event& event, bool retry);

  AgentRouter* const router_;
  RouterMetrics* const metrics_;
  const grpcutil::CallAuthorizer* const authorizer_;
};

}  // namespace omnigate::agents
