#include "lib/sender/reply_tokens.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/queue/partitioner.h"

namespace omnigate::sender {
namespace {

// KEYS: 1 the token's claim. ARGV: 1 reply id, 2 ttl ms.
// Returns 1 when the token is (now) this reply's.
constexpr char kClaimScript[] = R"lua(
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then return 1 end
return 0
)lua";

std::string ClaimKey(uint32_t partition, absl::string_view token) {
  return absl::StrCat("omnigate:linetoken:{", partition, "}:", token);
}

}  // namespace

ReplyTokens::ReplyTokens(redis::RedisClient* redis, uint32_t partitions, const Clock& clock,
                         absl::Duration fresh_for)
    : redis_(redis),
      partitions_(partitions),
      clock_(clock),
      fresh_for_(fresh_for),
      claim_script_(kClaimScript) {}

absl::StatusOr<bool> ReplyTokens::Claim(const omnigate::v1::Event& reply) {
  const auto& attributes = reply.attributes();
  auto token = attributes.find(std::string(kReplyTokenAttribute));
  auto at = attributes.find(std::string(kReplyTokenAtAttribute));
  if (token == attributes.end() || token->second.empty() || at == attributes.end()) return false;
  int64_t at_ms = 0;
  if (!absl::SimpleAtoi(at->second, &at_ms)) return false;
  if (clock_.NowMs() - at_ms > absl::ToInt64Milliseconds(fresh_for_)) return false;
  const uint32_t p = queue::PartitionOf(reply.conversation_key(), partitions_);
  // Kept past the token's life: a late retry must not take it again.
  auto claimed =
      redis_->Eval(claim_script_, {ClaimKey(p, token->second)},
                   {reply.id(), absl::StrCat(2 * absl::ToInt64Milliseconds(fresh_for_) + 60000)});
  if (!claimed.ok()) return claimed.status();
  if (claimed->is_error()) return absl::UnavailableError(std::string(claimed->str()));
  return claimed->integer() == 1;
}

}  // namespace omnigate::sender
