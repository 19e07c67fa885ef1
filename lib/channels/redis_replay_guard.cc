#include "lib/channels/redis_replay_guard.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace omnigate::channels {

absl::Status RedisReplayGuard::Claim(absl::string_view key, absl::Duration ttl) {
  const int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(ttl, absl::Seconds(1))));
  auto reply = redis_->Run({"SET", std::string(key), "1", "NX", "EX", absl::StrCat(seconds)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::UnavailableError(absl::StrCat("replay check failed: ", reply->str()));
  }
  // SET ... NX answers nil when the key already exists.
  if (reply->is_null()) return absl::AlreadyExistsError("seen before within the replay window");
  return absl::OkStatus();
}

absl::Status RedisReplayGuard::Release(absl::string_view key) {
  auto reply = redis_->Run({"DEL", std::string(key)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::UnavailableError(absl::StrCat("replay release failed: ", reply->str()));
  }
  return absl::OkStatus();
}

}  // namespace omnigate::channels
