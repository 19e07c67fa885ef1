#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace omnigate::testing {

// A real Redis Cluster of redis-server children on 127.0.0.1 (cluster bus on
// port+10000), in a temporary directory, for integration tests: masters and
// their replicas joined by `redis-cli --cluster create`. Every child is
// killed (SIGKILL) on destruction. Not thread-safe.
class RedisCluster {
 public:
  struct Options {
    int masters = 3;
    int replicas_per_master = 1;
    // cluster-node-timeout: how soon a dead master is failed over.
    absl::Duration node_timeout = absl::Seconds(1);
    // requirepass (and masterauth) of every node; put into seed_url() as
    // is, so use URL-safe characters.
    std::string password;
  };

  // One node as the cluster sees it now.
  struct Node {
    int port = 0;
    pid_t pid = -1;  // -1 once killed
    std::string id;  // cluster node id
    bool master = false;
    std::string master_id;  // of a replica
    bool failed = false;    // flagged "fail" by the cluster
    int slots = 0;          // how many slots it serves
  };

  // Starts the nodes, creates the cluster and waits (bounded) until every
  // node reports cluster_state:ok and all agree on who serves which slot.
  static absl::StatusOr<std::unique_ptr<RedisCluster>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<RedisCluster>> Start() { return Start(Options{}); }
  ~RedisCluster();
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  // redis-cluster://[:password@]127.0.0.1:p1,127.0.0.1:p2,... naming every
  // node.
  std::string seed_url() const;
  std::vector<int> ports() const;

  // Roles and slots per CLUSTER NODES of a running node.
  absl::StatusOr<std::vector<Node>> Nodes() const;
  // The port of the master serving `slot`.
  absl::StatusOr<int> MasterOfSlot(int slot) const;

  // kill -9 the node on `port` and reap it.
  absl::Status Kill(int port);
  // Waits until the slots of the killed master `dead_port` are served by a
  // promoted replica and every running node is ok and agrees on the map.
  absl::Status WaitForFailover(int dead_port, absl::Duration timeout = absl::Seconds(20));
  // Waits until every running node reports cluster_state:ok and all agree.
  absl::Status WaitUntilHealthy(absl::Duration timeout);

  // Moves `slot` to the master on `to_port`: IMPORTING on the target,
  // MIGRATING on the source, MIGRATE of every key, then SETSLOT NODE on
  // every master. Equivalent to BeginSlotMigration + FinishSlotMigration.
  absl::Status MigrateSlot(int slot, int to_port);
  // Leaves `slot` half-migrated (IMPORTING/MIGRATING set, keys where they
  // were): the source answers ASK for keys it no longer has.
  absl::Status BeginSlotMigration(int slot, int to_port);
  // MIGRATEs these keys of a slot being migrated to its target.
  absl::Status MoveKeys(int slot, const std::vector<std::string>& keys);
  // Moves the remaining keys and assigns the slot to its target everywhere.
  absl::Status FinishSlotMigration(int slot);

  // Sends one command to the node on `port`; the reply as redis-cli prints
  // it without a terminal: error text as is, array elements one per line.
  absl::StatusOr<std::string> Run(int port, const std::vector<std::string>& args) const;

 private:
  struct Process {
    int port = 0;
    pid_t pid = -1;
    std::string dir;
  };
  struct Migration {
    int from_port = 0;
    int to_port = 0;
    std::string from_id;
    std::string to_id;
  };

  RedisCluster(Options options, std::string dir) : options_(options), dir_(std::move(dir)) {}
  // Starts `count` nodes, each answering PING, or fails.
  absl::Status SpawnNodes(int count);
  absl::StatusOr<Process> SpawnNode();
  absl::Status Create();
  // A running node's view, agreement aside; "" when it is not ok yet.
  std::string ViewOf(int port) const;

  Options options_;
  std::string dir_;
  std::vector<Process> processes_;
  std::map<int, Migration> migrations_;  // by slot
};

}  // namespace omnigate::testing
