#pragma once

#include <string>
#include <vector>

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

// What a service connects to: one Redis, or a Redis Cluster known by a few
// seed nodes (the client learns the others from them).
struct RedisTarget {
  bool cluster = false;
  // One endpoint for a single Redis; the seeds of a cluster, each carrying
  // the shared user and password, database 0.
  std::vector<RedisEndpoint> endpoints;

  // The URL without credentials: safe to log.
  std::string ToSafeString() const;
};

// Parses either form:
//   redis://[user:password@]host[:port][/db]              (as ParseRedisUrl)
//   redis-cluster://[user:password@]host:port[,host:port...]
// Cluster seeds follow the same host rules (IPv6 in brackets, port 6379 when
// left out); a cluster has only database 0, so a /db is INVALID_ARGUMENT.
absl::StatusOr<RedisTarget> ParseRedisTarget(absl::string_view url);

}  // namespace omnigate::redis
