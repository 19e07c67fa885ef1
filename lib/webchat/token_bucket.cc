#include "lib/webchat/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace omnigate::webchat {

TokenBuckets::Bucket& TokenBuckets::Refill(absl::string_view key, int64_t now_ms) {
  auto [it, inserted] = buckets_.try_emplace(std::string(key));
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = per_minute_;
  } else if (now_ms > b.updated_ms) {
    b.tokens = std::min(per_minute_, b.tokens + (now_ms - b.updated_ms) * per_minute_ / 60000.0);
  }
  b.updated_ms = std::max(b.updated_ms, now_ms);
  return b;
}

void TokenBuckets::ForgetFullBuckets(int64_t now_ms) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double refilled =
        it->second.tokens + (now_ms - it->second.updated_ms) * per_minute_ / 60000.0;
    it = refilled >= per_minute_ ? buckets_.erase(it) : std::next(it);
  }
}

bool TokenBuckets::TryTake(absl::string_view key, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() >= max_keys_) ForgetFullBuckets(now_ms);
  // Still full of active keys: refuse new ones rather than grow unbounded.
  if (buckets_.size() >= max_keys_ && buckets_.find(std::string(key)) == buckets_.end()) {
    return false;
  }
  Bucket& b = Refill(key, now_ms);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

int64_t TokenBuckets::RetryAfterMs(absl::string_view key, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end() || it->second.tokens >= 1) return 0;
  const double missing = 1 - it->second.tokens;
  return static_cast<int64_t>(std::ceil(missing * 60000.0 / per_minute_));
}

}  // namespace omnigate::webchat
