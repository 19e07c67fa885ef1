#include "services/omnigatectl/attachment_command.h"

#include <cstdio>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/attachment_store.h"

namespace omnigate {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "omnigatectl attachment: %s\n", message.c_str());
  return 1;
}

absl::StatusOr<std::string> ReadAttachment(redis::RedisClient& redis, const std::string& ref) {
  auto key = channels::AttachmentKey(ref);
  if (!key.ok()) return key.status();
  auto reply = redis.Run({"GET", *key});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::UnavailableError(std::string(reply->str()));
  if (reply->is_null()) {
    return absl::NotFoundError(
        absl::StrCat(ref,
                     " is not stored: expired, or kept as metadata only (see the event's "
                     "attachment_<i>_not_stored attribute)"));
  }
  return std::string(reply->str());
}

}  // namespace

int RunAttachmentCommand(const std::vector<std::string>& args, redis::RedisClient& redis) {
  if (args.size() != 2 || args[0] != "get")
    return Fail("usage: omnigatectl attachment get REF > file");
  auto bytes = ReadAttachment(redis, args[1]);
  if (!bytes.ok()) return Fail(std::string(bytes.status().message()));
  // Binary-safe: the file exactly as the customer sent it.
  if (std::fwrite(bytes->data(), 1, bytes->size(), stdout) != bytes->size()) {
    return Fail("writing to stdout failed");
  }
  return std::fflush(stdout) == 0 ? 0 : Fail("writing to stdout failed");
}

}  // namespace omnigate
