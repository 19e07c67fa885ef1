#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/redis/redis_connection.h"

namespace omnigate::redis {

// A Lua script run by EVALSHA, falling back to EVAL when the server does not
// know it yet (first use, restart, SCRIPT FLUSH). Immutable; thread-safe.
class RedisScript {
 public:
  explicit RedisScript(absl::string_view source);

  // Runs the script; an error reply (other than NOSCRIPT) is returned as a
  // reply, I/O failures as UNAVAILABLE.
  absl::StatusOr<RedisReply> Run(Connection& conn, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args) const;

  // EVALSHA sha numkeys keys... args...; EVAL takes the source in place of
  // the sha.
  RedisCommand EvalShaCommand(const std::vector<std::string>& keys,
                              const std::vector<std::string>& args) const;

  const std::string& sha() const { return sha_; }
  const std::string& source() const { return source_; }

 private:
  const std::string source_;
  const std::string sha_;
};

}  // namespace omnigate::redis
