#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/redis/connection.h"
#include "lib/redis/redis_reply.h"

namespace omnigate::redis {

// Replicated acknowledgement. Redis replication is asynchronous: a master
// answers a write before any replica has it, so a failover can lose writes
// omnigate already acknowledged. With `replicas` > 0 an acknowledged write is
// followed by WAIT on the same connection, and the caller only hears OK once
// that many replicas have everything the connection wrote.
struct ReplicaWait {
  ReplicaWait() = default;
  ReplicaWait(int replicas, absl::Duration timeout) : replicas(replicas), timeout(timeout) {}

  int replicas = 0;  // 0: off (acknowledge on the master's reply)
  absl::Duration timeout = absl::Seconds(1);
  // On a Redis Cluster: a key the connection's node serves (cluster mode
  // does not replicate PUBLISH, see OffsetMarkCommand); empty on one Redis.
  std::string mark_key;

  bool enabled() const { return replicas > 0; }
};

// WAIT <replicas> <timeout ms>. WAIT 0 ms blocks forever, so at least 1 ms.
inline RedisCommand WaitCommand(const ReplicaWait& wait) {
  const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(wait.timeout));
  return {"WAIT", absl::StrCat(wait.replicas), absl::StrCat(ms)};
}

// Sent right before WAIT. WAIT only covers what its own connection wrote;
// PUBLISH is replicated, so it lifts the connection's offset to the master's
// current one and the WAIT then also covers earlier writes of other
// connections. That is what a retry must wait for when it only finds its
// duplicate (the original write went through another connection). Nobody
// listens on the channel; its reply (even NOPERM) is ignored: without it the
// WAIT still covers the connection's own writes.
// On a cluster the mark is a short-lived write to `mark_key` instead.
inline RedisCommand OffsetMarkCommand(const ReplicaWait& wait) {
  if (!wait.mark_key.empty()) return {"SET", wait.mark_key, "1", "PX", "60000"};
  return {"PUBLISH", "omnigate:replica-wait", "1"};
}

// Appends the mark and the WAIT to a pipeline.
inline absl::Status AppendWait(Connection& conn, const ReplicaWait& wait) {
  if (auto s = conn.Append(OffsetMarkCommand(wait)); !s.ok()) return s;
  return conn.Append(WaitCommand(wait));
}

// Reads the replies of AppendWait: the WAIT reply, or the I/O failure.
inline absl::StatusOr<RedisReply> ReadWaitReply(Connection& conn) {
  auto mark = conn.ReadReply();
  if (!mark.ok()) return mark.status();
  return conn.ReadReply();
}

// OK when the WAIT reply counts enough replicas. Otherwise UNAVAILABLE: the
// write is on the master but may not survive a failover, so the caller must
// not acknowledge it; its client retries and the idempotency key (dedupe)
// absorbs the repeat.
inline absl::Status CheckWaitReply(const RedisReply& reply, const ReplicaWait& wait) {
  if (reply.is_error()) {
    return absl::UnavailableError(
        absl::StrCat("written but not confirmed by replicas: WAIT failed: ", reply.str()));
  }
  if (!reply.is_integer()) {
    return absl::UnavailableError("written but not confirmed by replicas: unexpected WAIT reply");
  }
  if (reply.integer() >= wait.replicas) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "written but confirmed by ", reply.integer(), " of ", wait.replicas, " replicas within ",
      std::max<int64_t>(1, absl::ToInt64Milliseconds(wait.timeout)), " ms"));
}

// A connection's read timeout must outlast a full WAIT, or a slow replica
// would look like a dead master (and break the connection).
inline absl::Duration IoTimeoutFor(absl::Duration io_timeout, const ReplicaWait& wait) {
  if (!wait.enabled()) return io_timeout;
  return std::max(io_timeout, wait.timeout + absl::Seconds(1));
}

}  // namespace omnigate::redis
