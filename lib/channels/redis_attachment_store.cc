#include "lib/channels/redis_attachment_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace omnigate::channels {

absl::StatusOr<std::string> RedisAttachmentStore::Put(absl::string_view bytes, absl::Duration ttl) {
  const std::string ref = AttachmentRef(bytes);
  auto key = AttachmentKey(ref);
  if (!key.ok()) return key.status();
  const int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(ttl, absl::Seconds(1))));
  auto reply = redis_->Run({"SET", *key, std::string(bytes), "EX", absl::StrCat(seconds)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::UnavailableError(absl::StrCat("storing the attachment failed: ", reply->str()));
  }
  return ref;
}

}  // namespace omnigate::channels
