#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace omnigate::redis {

// One cluster node as clients reach it.
struct ClusterNodeAddress {
  std::string host;
  int port = 0;

  // "host:port" ("[::1]:7000" for IPv6): a map key, and safe to log.
  std::string ToString() const;
  bool operator==(const ClusterNodeAddress& other) const {
    return port == other.port && host == other.host;
  }
  bool operator!=(const ClusterNodeAddress& other) const { return !(*this == other); }
};

// Which node serves each hash slot: the map a cluster client routes by.
// A value; not thread-safe (ClusterClient guards its copy).
class ClusterTopology {
 public:
  // A master and its replicas, serving some slots.
  struct Shard {
    ClusterNodeAddress master;
    std::vector<ClusterNodeAddress> replicas;
  };

  // No slot served by anyone.
  ClusterTopology();

  // Parses a CLUSTER SLOTS reply: [[start, end, [host, port, id, ...],
  // replica...], ...]. `asked_host` is the host of the node that replied; a
  // node whose host is empty, nil or "?" (unknown endpoint) is on that host.
  // INVALID_ARGUMENT when the reply does not have that shape.
  static absl::StatusOr<ClusterTopology> FromClusterSlots(const redisReply* reply,
                                                          absl::string_view asked_host);

  // The master serving `slot`; nullptr while nobody does.
  const ClusterNodeAddress* MasterOf(int slot) const;
  const Shard* ShardOf(int slot) const;

  // Records that `slot` moved to `master` (a MOVED redirection), before the
  // next full refresh confirms it.
  void AssignSlot(int slot, const ClusterNodeAddress& master);

  // The masters that serve at least one slot, and every node named.
  std::vector<ClusterNodeAddress> Masters() const;
  std::vector<ClusterNodeAddress> Nodes() const;

  // How many of the 16384 slots have a master.
  int covered_slots() const;

 private:
  int ShardIndexOf(const ClusterNodeAddress& master);

  std::vector<Shard> shards_;
  std::vector<int16_t> slot_shard_;  // index into shards_ per slot; -1: nobody
};

}  // namespace omnigate::redis
