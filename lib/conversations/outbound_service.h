#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/common/uuid.h"
#include "lib/conversations/outbound_metrics.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/grpcutil/auth.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"
#include "omnigate/v1/outbound.grpc.pb.h"

namespace omnigate::conversations {

struct OutboundOptions {
  uint32_t partitions = 16;
  int64_t stream_max_len = 1000000;
  int64_t dedupe_ttl_seconds = 24 * 3600;
  // Each queued reply is also appended to the conversation's history
  // (Conversations.History), capped near `history_max_len` entries (0: not
  // recorded) and expiring `history_retention` after its last entry: the
  // cx.history_* settings.
  int64_t history_max_len = 2000;
  absl::Duration history_retention = absl::Hours(90 * 24);
};

// omnigate.v1.Outbound: validates a reply and appends it to the
// conversation's outbound stream (omnigate:outbound:{p}), deduplicated by
// its idempotency key in the same script. A reply outside the channel's
// messaging window (messaging_window.h; the customer's last message is
// `last_customer_ms` on the conversation state, set by ingest) is refused
// with FAILED_PRECONDITION and nothing is queued; the same script checks it,
// so a retried Send that was queued before the window closed still answers
// its entry. The same script appends the reply to the conversation's
// history. Calls need the conversations scope when `authorizer` is set.
// Sync handlers; `redis` is thread-safe (a connection pool in production).
class OutboundService final : public omnigate::v1::Outbound::Service {
 public:
  // `statuses` (optional) records each queued reply for GetStatus; without
  // it GetStatus answers UNIMPLEMENTED.
  OutboundService(OutboundOptions options, redis::RedisClient* redis, const Clock& clock,
                  const grpcutil::CallAuthorizer* authorizer = nullptr,
                  OutboundStatusStore* statuses = nullptr, OutboundMetrics* metrics = nullptr);

  grpc::Status Send(grpc::ServerContext* context, const omnigate::v1::SendRequest* request,
                    omnigate::v1::SendResponse* response) override;
  grpc::Status GetStatus(grpc::ServerContext* context,
                         const omnigate::v1::GetStatusRequest* request,
                         omnigate::v1::GetStatusResponse* response) override;

 private:
  const OutboundOptions options_;
  redis::RedisClient* const redis_;
  const Clock& clock_;
  UuidV7Generator ids_;
  const grpcutil::CallAuthorizer* const authorizer_;
  OutboundStatusStore* const statuses_;
  OutboundMetrics* const metrics_;
  const redis::RedisScript append_script_;
};

}  // namespace omnigate::conversations
