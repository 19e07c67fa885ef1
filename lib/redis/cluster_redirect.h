#pragma once

#include <optional>

#include "absl/strings/string_view.h"
#include "lib/redis/cluster_topology.h"

namespace omnigate::redis {

// A cluster node telling the client to ask another node.
struct ClusterRedirect {
  enum class Kind {
    kMoved,  // the slot lives there now: update the map
    kAsk,    // this one key is there mid-migration: ASKING, once, no map change
  };
  Kind kind = Kind::kMoved;
  int slot = 0;
  ClusterNodeAddress target;
};

// Parses "MOVED <slot> <host>:<port>" and "ASK <slot> <host>:<port>" error
// replies; nullopt for any other text. An empty host (":7001", unknown
// endpoint) means `replying_host`. IPv6 hosts come unbracketed: the port is
// after the last ':'.
std::optional<ClusterRedirect> ParseClusterRedirect(absl::string_view error,
                                                    absl::string_view replying_host);

// TRYAGAIN (multi-key command mid-migration), CLUSTERDOWN (slots without a
// master during a failover) and the like: the cluster is changing, and the
// same command should succeed after a short wait and a fresh slot map.
bool IsTransientClusterError(absl::string_view error);

}  // namespace omnigate::redis
