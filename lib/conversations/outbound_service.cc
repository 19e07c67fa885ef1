#include "lib/conversations/outbound_service.h"

#include "absl/strings/str_cat.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"

namespace omnigate::conversations {
namespace {

// KEYS[1] dedupe key ('' side unused when ARGV[3] is 0), KEYS[2] outbound
// stream; ARGV[1] cap, ARGV[2] event, ARGV[3] dedupe ttl seconds (0: none).
// Returns the entry id (the first one for a repeated idempotency key).
constexpr absl::string_view kAppendScript = R"lua(
if ARGV[3] ~= '0' then
  local prev = redis.call('GET', KEYS[1])
  if prev then return prev end
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[2])
if ARGV[3] ~= '0' then redis.call('SET', KEYS[1], id, 'EX', ARGV[3]) end
return id
)lua";

grpc::Status Invalid(const std::string& what) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, what);
}

}  // namespace

OutboundService::OutboundService(OutboundOptions options, redis::ConnectionPool* pool,
                                 const Clock& clock, const grpcutil::CallAuthorizer* authorizer)
    : options_(options),
      pool_(pool),
      clock_(clock),
      ids_(clock),
      authorizer_(authorizer),
      append_script_(kAppendScript) {}

grpc::Status OutboundService::Send(grpc::ServerContext* context,
                                   const omnigate::v1::SendRequest* request,
                                   omnigate::v1::SendResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  omnigate::v1::Event event = request->event();
  if (event.conversation_key().empty() || event.conversation_key().size() > 512)
    return Invalid("event.conversation_key is required (at most 512 bytes)");
  if (event.channel() == omnigate::v1::CHANNEL_UNSPECIFIED)
    return Invalid("event.channel is required");
  if (event.payload_case() == omnigate::v1::Event::PAYLOAD_NOT_SET)
    return Invalid("event needs a payload (text, media, ...)");
  if (event.sender().role() != omnigate::v1::ROLE_BOT &&
      event.sender().role() != omnigate::v1::ROLE_AGENT) {
    return Invalid("event.sender.role must be ROLE_BOT or ROLE_AGENT");
  }
  if (event.idempotency_key().size() > 1024) return Invalid("event.idempotency_key is too long");
  if (event.id().empty()) event.set_id(ids_.Next());
  const int64_t now = clock_.NowMs();
  if (event.sent_at_ms() == 0) event.set_sent_at_ms(now);
  if (event.received_at_ms() == 0) event.set_received_at_ms(now);
  const uint32_t p = queue::PartitionOf(event.conversation_key(), options_.partitions);
  const bool dedupe = !event.idempotency_key().empty();
  const std::string dedupe_key =
      dedupe ? absl::StrCat("omnigate:outbound-dedupe:{", p, "}:", event.idempotency_key())
             : absl::StrCat("omnigate:outbound-dedupe:{", p, "}");
  std::string entry_id;
  absl::Status status = pool_->With([&](redis::RedisConnection& conn) -> absl::Status {
    auto reply =
        append_script_.Run(conn, {dedupe_key, queue::OutboundStreamKey(p)},
                           {absl::StrCat(options_.stream_max_len), event.SerializeAsString(),
                            dedupe ? absl::StrCat(options_.dedupe_ttl_seconds) : "0"});
    if (!reply.ok()) return reply.status();
    if (!reply->is_string())
      return absl::UnavailableError(absl::StrCat("redis outbound append: ", reply->str()));
    entry_id = std::string(reply->str());
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(status.message()));
  }
  response->set_event_id(event.id());
  response->set_stream_entry_id(entry_id);
  return grpc::Status::OK;
}

}  // namespace omnigate::conversations
