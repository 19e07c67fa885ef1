#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"
#include "lib/redis/replica_wait.h"

namespace omnigate::redis {

// Blocking connections shared by request handlers (gRPC sync services,
// operator RPCs). A caller borrows one connection for a short sequence of
// commands; broken connections are dropped and replaced by a fresh connect
// on the next borrow. Thread-safe.
//
// Replicated acknowledgement (`replica_wait` enabled): Run, RunPipeline and
// Eval follow anything that may write with WAIT in the same round trip, and
// With() waits after its function, so an OK means the write reached that
// many replicas; when it did not, the call answers UNAVAILABLE ("written but
// confirmed by k of N replicas"). Commands known to be read-only (GET, XRANGE,
// PING, ...; see IsReadOnlyCommand) skip it. Eval and With() cannot tell a
// read from a write, so they always wait: with the replicas gone they answer
// UNAVAILABLE even for reads. Connections borrowed with Acquire() are the
// caller's business: call ConfirmWrites() after writing.
class ConnectionPool final : public RedisClient {
 public:
  // A borrowed connection; goes back to the pool when destroyed (unless
  // broken).
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<RedisConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    RedisConnection* operator->() const { return conn_.get(); }
    RedisConnection& operator*() const { return *conn_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<RedisConnection> conn_;
  };

  // `max_open` caps the connections open at once (idle + borrowed; 0 =
  // unbounded): a borrower beyond it waits up to `acquire_timeout` for one
  // to come back, so a burst cannot exhaust the server's client limit.
  // With `replica_wait` enabled, io_timeout is raised to outlast a WAIT.
  ConnectionPool(RedisEndpoint endpoint, absl::Duration connect_timeout, absl::Duration io_timeout,
                 size_t max_idle = 8, size_t max_open = 0,
                 absl::Duration acquire_timeout = absl::Milliseconds(500),
                 ReplicaWait replica_wait = {});

  // An idle connection or a new one. UNAVAILABLE when Redis cannot be
  // reached, PERMISSION_DENIED on bad credentials, RESOURCE_EXHAUSTED when
  // max_open connections stayed borrowed for acquire_timeout.
  absl::StatusOr<Lease> Acquire();

  // Runs `fn` with a borrowed connection (then WAITs when enabled and fn
  // succeeded).
  absl::Status With(const std::function<absl::Status(RedisConnection&)>& fn);

  // RedisClient, each call on one borrowed connection.
  absl::StatusOr<RedisReply> Run(const RedisCommand& command) override;
  absl::StatusOr<std::vector<RedisReply>> RunPipeline(
      const std::vector<RedisCommand>& commands) override;
  absl::StatusOr<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args) override;

  // WAIT for what `conn` wrote so far; OK at once when replica_wait is off.
  absl::Status ConfirmWrites(Connection& conn) const;

  const RedisEndpoint& endpoint() const { return endpoint_; }
  const ReplicaWait& replica_wait() const { return replica_wait_; }

 private:
  void Release(std::unique_ptr<RedisConnection> conn);
  // Gives back an open slot (a connection closed or never opened).
  void Forget();

  const RedisEndpoint endpoint_;
  const absl::Duration connect_timeout_;
  const absl::Duration io_timeout_;
  const size_t max_idle_;
  const size_t max_open_;
  const absl::Duration acquire_timeout_;
  const ReplicaWait replica_wait_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                     // idle + borrowed; guarded by mu_
};

// True for commands that never change data, so they need no WAIT. Unknown
// commands count as writes. XREADGROUP counts as a read: it only moves
// delivery bookkeeping, which a failover can at worst redeliver.
bool IsReadOnlyCommand(const RedisCommand& command);

}  // namespace omnigate::redis
