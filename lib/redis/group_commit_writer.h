#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/redis/connection.h"
#include "lib/redis/redis_reply.h"

namespace omnigate::redis {

// Group commit, seen from its callers: batches of commands submitted from any
// thread are pipelined together with other callers' and answered by
// callback. One Redis (RedisPipelineWriter) or a cluster
// (ClusterPipelineWriter) behind it.
class GroupCommitWriter {
 public:
  using Replies = std::vector<RedisReply>;
  using Done = std::function<void(absl::StatusOr<Replies>)>;

  virtual ~GroupCommitWriter() = default;

  // Queues `commands`, which all address keys of `route_key`'s hash slot (a
  // cluster sends them to the node serving it), on `lane` (taken modulo
  // lanes()). Commands of one route key and lane are written in submission
  // order. `done` gets one reply per command, in order, or an error status
  // (UNAVAILABLE: the outcome may be unknown; RESOURCE_EXHAUSTED: shed); it
  // is called exactly once, possibly before Submit returns.
  virtual void Submit(absl::string_view route_key, size_t lane, std::vector<RedisCommand> commands,
                      Done done) = 0;

  virtual int lanes() const = 0;
  // True when writes can go through (every connection needed is up).
  virtual bool healthy() const = 0;
};

}  // namespace omnigate::redis
