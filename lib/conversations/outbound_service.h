#pragma once

#include <cstdint>

#include "lib/common/clock.h"
#include "lib/common/uuid.h"
#include "lib/grpcutil/auth.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/redis_script.h"
#include "omnigate/v1/outbound.grpc.pb.h"

namespace omnigate::conversations {

struct OutboundOptions {
  uint32_t partitions = 16;
  int64_t stream_max_len = 1000000;
  int64_t dedupe_ttl_seconds = 24 * 3600;
};

// omnigate.v1.Outbound: validates a reply and appends it to the
// conversation's outbound stream (omnigate:outbound:{p}), deduplicated by
// its idempotency key in the same script. Calls need the conversations
// scope when `authorizer` is set. Sync handlers on pooled connections.
class OutboundService final : public omnigate::v1::Outbound::Service {
 public:
  OutboundService(OutboundOptions options, redis::ConnectionPool* pool, const Clock& clock,
                  const grpcutil::CallAuthorizer* authorizer = nullptr);

  grpc::Status Send(grpc::ServerContext* context, const omnigate::v1::SendRequest* request,
                    omnigate::v1::SendResponse* response) override;

 private:
  const OutboundOptions options_;
  redis::ConnectionPool* const pool_;
  const Clock& clock_;
  UuidV7Generator ids_;
  const grpcutil::CallAuthorizer* const authorizer_;
  const redis::RedisScript append_script_;
};

}  // namespace omnigate::conversations
