#pragma once

#include <signal.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"
#include "tests/support/redis_server.h"
#include "tests/support/wait.h"

namespace omnigate::testing {

// A real master and one real replica (redis-server --replicaof) on loopback,
// for tests of replicated acknowledgement (Redis WAIT). The replica can be
// paused with SIGSTOP: it stays connected (the master still counts it) but
// acknowledges nothing, which is what a slow or partitioned replica looks like.
// Header-only so integration tests, end-to-end tests and benchmarks share it.
class ReplicaPair {
 public:
  // Starts both and waits (bounded) until the replica has synced and
  // acknowledges writes.
  static absl::StatusOr<std::unique_ptr<ReplicaPair>> Start() {
    RedisServer::Options master_options;
    // Diskless full sync starts at once instead of after the default 5 s.
    master_options.extra_args = {"--repl-diskless-sync-delay", "0"};
    auto master = RedisServer::Start(master_options);
    if (!master.ok()) return master.status();
    RedisServer::Options replica_options;
    replica_options.extra_args = {"--replicaof", "127.0.0.1", absl::StrCat((*master)->port())};
    auto replica = RedisServer::Start(replica_options);
    if (!replica.ok()) return replica.status();
    std::unique_ptr<ReplicaPair> pair(new ReplicaPair(*std::move(master), *std::move(replica)));
    if (auto s = pair->WaitInSync(absl::Seconds(20)); !s.ok()) return s;
    return pair;
  }

  ~ReplicaPair() { Resume().IgnoreError(); }

  RedisServer& master() { return *master_; }
  RedisServer& replica() { return *replica_; }
  bool paused() const { return paused_; }

  // SIGSTOP / SIGCONT the replica process.
  absl::Status Pause() {
    if (kill(replica_->pid(), SIGSTOP) != 0) return absl::InternalError("SIGSTOP failed");
    paused_ = true;
    return absl::OkStatus();
  }
  absl::Status Resume() {
    if (!paused_) return absl::OkStatus();
    if (kill(replica_->pid(), SIGCONT) != 0) return absl::InternalError("SIGCONT failed");
    paused_ = false;
    return absl::OkStatus();
  }

  // Until the replica acknowledges a write made on the same connection as
  // the WAIT (a WAIT on a connection that wrote nothing passes as soon as the
  // replica is online, which after a diskless sync is up to a second before
  // the master streams writes to it).
  absl::Status WaitInSync(absl::Duration timeout) {
    auto endpoint = redis::ParseRedisUrl(master_->url());
    if (!endpoint.ok()) return endpoint.status();
    auto conn = redis::RedisConnection::Connect(*endpoint, absl::Seconds(1), absl::Seconds(2));
    if (!conn.ok()) return conn.status();
    const bool ok = WaitFor(
        [&] {
          auto set = (*conn)->Run({"SET", "omnigate:test:sync", "1"});
          auto acked = (*conn)->Run({"WAIT", "1", "200"});
          return set.ok() && acked.ok() && acked->integer() == 1;
        },
        timeout, absl::Milliseconds(50));
    if (ok) return absl::OkStatus();
    return absl::DeadlineExceededError(absl::StrCat("replica on port ", replica_->port(),
                                                    " did not sync with master on port ",
                                                    master_->port()));
  }

 private:
  ReplicaPair(std::unique_ptr<RedisServer> master, std::unique_ptr<RedisServer> replica)
      : master_(std::move(master)), replica_(std::move(replica)) {}

  std::unique_ptr<RedisServer> master_;
  std::unique_ptr<RedisServer> replica_;
  bool paused_ = false;
};

}  // namespace omnigate::testing
