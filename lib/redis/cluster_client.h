#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/redis/cluster_topology.h"
#include "lib/redis/connection.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_url.h"
#include "lib/redis/replica_wait.h"

namespace omnigate::redis {

// The ConnectionPool each cluster node gets (see ConnectionPool).
struct NodePoolOptions {
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration io_timeout = absl::Seconds(2);
  size_t max_idle = 8;
  size_t max_open = 0;
  absl::Duration acquire_timeout = absl::Milliseconds(500);
};

struct ClusterClientOptions {
  NodePoolOptions pool;
  // MOVED/ASK rounds one call follows before giving up (UNAVAILABLE).
  int max_redirections = 5;
  // How long one call keeps retrying while nodes are unreachable or answer
  // TRYAGAIN/CLUSTERDOWN: long enough to ride a failover (cluster-node-timeout
  // plus the replica's election), short enough to fail a request in time.
  absl::Duration retry_budget = absl::Seconds(5);
  absl::Duration first_backoff = absl::Milliseconds(20);
  absl::Duration max_backoff = absl::Milliseconds(250);
  // The slot map is fetched again at most this often (CLUSTER SLOTS from one
  // node), however many threads notice that it is out of date.
  absl::Duration min_refresh_interval = absl::Milliseconds(100);
  // Replicated acknowledgement (redis_wait_replicas): a pipeline that writes
  // ends with WAIT on each node it wrote to; fewer replicas confirming is
  // UNAVAILABLE, as from ConnectionPool. The pools' io_timeout is raised to
  // outlast the WAIT.
  ReplicaWait replica_wait;
};

// A RedisClient over a Redis Cluster: each command goes to the master that
// serves its key's hash slot (see CommandKey, KeySlot), through one
// ConnectionPool per node. The slot map comes from CLUSTER SLOTS, asked of
// any reachable node it knows (the seeds, then every node it has seen).
//
//   MOVED    the slot is remembered at its new owner, the command retried
//            there, and the whole map refreshed on the next call.
//   ASK      ASKING and the command, pipelined on one connection to the node
//            named; the map is unchanged.
//   TRYAGAIN, CLUSTERDOWN, unreachable node
//            the map is refreshed and the command retried with a growing
//            backoff until `retry_budget`, then UNAVAILABLE. This rides a
//            master failover. A command whose connection broke is sent again,
//            so a write may apply twice (as with any retrying client).
//
// At most `max_redirections` rounds of MOVED/ASK per call. Error replies
// other than these come back as replies, as from ConnectionPool. Connects
// lazily: the first call loads the map. Thread-safe.
class ClusterClient final : public RedisClient {
 public:
  // `seeds` carry the user and password used on every node (database 0).
  explicit ClusterClient(std::vector<RedisEndpoint> seeds, ClusterClientOptions options = {});

  // RedisClient. Run(): on the node serving the command's key (any master
  // for a command without one); a command with several keys needs them in
  // one slot (hash tags), else Redis answers CROSSSLOT. RunPipeline(): split
  // by node, each node's commands pipelined in the caller's order (all
  // nodes written before any is read), replies returned in the caller's
  // order. Eval() (inherited): EVALSHA routed by the first key,
  // then EVAL on NOSCRIPT, so the script runs and is cached on the node
  // that owns the key. Ping(): true when every master answers PING.
  absl::StatusOr<RedisReply> Run(const RedisCommand& command) override;
  absl::StatusOr<std::vector<RedisReply>> RunPipeline(
      const std::vector<RedisCommand>& commands) override;
  bool Ping() override;

  // Connections to the node serving `key`'s slot at the time of the call,
  // for threads that block on their own connection (stream readers). Each
  // new connection is checked with EXISTS <key> and a MOVED followed, so a
  // reader that drops its connection after a MOVED or a failover reconnects
  // to the new owner (UNAVAILABLE while the owner is down: call again
  // later). During a half migration it connects to the source. The factory
  // refers to this client, which must outlive it. `io_timeout` (the pool's
  // when unset) must outlast the longest BLOCK the caller sends.
  ConnectionFactory FactoryForKey(std::string key,
                                  std::optional<absl::Duration> io_timeout = std::nullopt);

  // The master serving `key` per the current map (loading it if there is
  // none yet). UNAVAILABLE when no node answers or the slot has no master.
  absl::StatusOr<ClusterNodeAddress> NodeForKey(absl::string_view key);

  // Fetches the slot map now. UNAVAILABLE when no known node answers,
  // PERMISSION_DENIED when one refused the credentials.
  absl::Status RefreshTopology();

 private:
  // One command of a pipeline on its way, and where an ASK sent it.
  struct Pending {
    size_t index;
    std::optional<ClusterNodeAddress> ask;
  };
  // Commands bound for one node.
  struct Batch {
    ClusterNodeAddress node;
    std::vector<Pending> pending;
  };

  // Groups `pending` by the node each goes to; UNAVAILABLE without a map.
  absl::StatusOr<std::vector<Batch>> Route(const std::vector<Pending>& pending,
                                           const std::vector<int>& slots);
  // Sends each batch as one pipeline to its node; per batch, one reply per
  // command (ASKING's dropped) or the I/O failure.
  std::vector<absl::StatusOr<std::vector<RedisReply>>> SendBatches(
      const std::vector<Batch>& batches, const std::vector<RedisCommand>& commands);
  absl::StatusOr<ConnectionPool::Lease> WriteBatch(const Batch& batch,
                                                   const std::vector<RedisCommand>& commands);
  absl::StatusOr<std::vector<RedisReply>> ReadBatch(const Batch& batch,
                                                    const std::vector<RedisCommand>& commands,
                                                    RedisConnection& conn);
  // True when the batch ends with WAIT: replicated acknowledgement is on and
  // it writes.
  bool WaitsForReplicas(const Batch& batch, const std::vector<RedisCommand>& commands) const;

  // Refreshes the map when it is missing (waits for it), or marked stale and
  // older than min_refresh_interval (skipped if another thread is on it).
  void RefreshIfStale();
  absl::Status RefreshLocked();  // holds refresh_mu_
  // The last refresh's PERMISSION_DENIED (bad or missing credentials), so
  // calls fail at once instead of retrying; OK otherwise.
  absl::Status RefreshDenied();
  void MarkStale();
  void NoteUnreachable(const ClusterNodeAddress& node);
  std::shared_ptr<ConnectionPool> PoolFor(const ClusterNodeAddress& node);
  RedisEndpoint EndpointFor(const ClusterNodeAddress& node) const;

  const RedisEndpoint credentials_;  // user and password of every node
  const ClusterClientOptions options_;

  std::mutex refresh_mu_;  // one CLUSTER SLOTS fetch at a time
  std::mutex mu_;
  ClusterTopology topology_;                                      // guarded by mu_
  bool loaded_ = false;                                           // guarded by mu_
  bool stale_ = false;                                            // guarded by mu_
  absl::Time last_refresh_ = absl::InfinitePast();                // guarded by mu_
  absl::Status refresh_error_;                                    // guarded by mu_
  std::vector<ClusterNodeAddress> known_;                         // guarded by mu_
  std::set<std::string> unreachable_;                             // guarded by mu_
  std::map<std::string, std::shared_ptr<ConnectionPool>> pools_;  // guarded by mu_
};

}  // namespace omnigate::redis
