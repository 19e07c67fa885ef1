#pragma once

#include "lib/dispatch/dead_letter_store.h"
#include "lib/grpcutil/auth.h"
#include "lib/queue/keys.h"
#include "lib/redis/redis_client.h"
#include "omnigate/v1/admin.grpc.pb.h"

namespace omnigate::dispatch {

// omnigate.v1.Admin: dead letters, partition owners, stream depth and lag.
// Operator traffic: sync handlers, one pipelined round trip per call (split
// by node on a Redis Cluster).
class AdminService final : public omnigate::v1::Admin::Service {
 public:
  // Calls need the admin scope when `authorizer` is set.
  // `keys`: the dispatcher's partitions or the sender's (outbound).
  AdminService(uint32_t partitions, std::vector<std::string> sinks, DeadLetterStore* dead_letters,
               redis::RedisClient* redis, const grpcutil::CallAuthorizer* authorizer = nullptr,
               const queue::ConsumerKeys* keys = &queue::kDispatcherKeys)
      : partitions_(partitions),
        sinks_(std::move(sinks)),
        dead_letters_(dead_letters),
        redis_(redis),
        authorizer_(authorizer),
        keys_(keys) {}

  grpc::Status ListDeadLetters(grpc::ServerContext* context,
                               const omnigate::v1::ListDeadLettersRequest*,
                               omnigate::v1::ListDeadLettersResponse*) override;
  grpc::Status ReplayDeadLetters(grpc::ServerContext* context,
                                 const omnigate::v1::DeadLetterSelector*,
                                 omnigate::v1::DeadLetterActionResponse*) override;
  grpc::Status DropDeadLetters(grpc::ServerContext* context,
                               const omnigate::v1::DeadLetterSelector*,
                               omnigate::v1::DeadLetterActionResponse*) override;
  grpc::Status ListPartitionOwners(grpc::ServerContext* context,
                                   const omnigate::v1::ListPartitionOwnersRequest*,
                                   omnigate::v1::ListPartitionOwnersResponse*) override;
  grpc::Status GetStreamStats(grpc::ServerContext* context,
                              const omnigate::v1::GetStreamStatsRequest*,
                              omnigate::v1::GetStreamStatsResponse*) override;

 private:
  const uint32_t partitions_;
  const std::vector<std::string> sinks_;
  DeadLetterStore* const dead_letters_;
  redis::RedisClient* const redis_;
  const grpcutil::CallAuthorizer* const authorizer_;
  const queue::ConsumerKeys* const keys_;
};

}  // namespace omnigate::dispatch
