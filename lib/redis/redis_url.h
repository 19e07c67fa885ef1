#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace omnigate::redis {

// Where and how to reach Redis.
struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  // ACL user; empty means the default user (AUTH <password> only).
  std::string user;
  std::string password;
  int db = 0;

  // "host:port/db" without credentials: safe to log.
  std::string ToSafeString() const;
};

// Parses redis://[user:password@]host[:port][/db]. IPv6 hosts go in brackets
// ("redis://[::1]:6379"). User and password may be percent-encoded.
// INVALID_ARGUMENT naming the problem otherwise.
absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url);

}  // namespace omnigate::redis
