#include "lib/redis/cluster_topology.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/redis/cluster_slot.h"
#include "lib/redis/redis_reply.h"

namespace omnigate::redis {
namespace {

absl::Status ShapeError(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("CLUSTER SLOTS reply: ", why));
}

// [host, port, id, ...] of one node; an unknown host is `asked_host`.
absl::StatusOr<ClusterNodeAddress> ParseNode(const redisReply* node, absl::string_view asked_host) {
  if (node == nullptr || node->type != REDIS_REPLY_ARRAY || node->elements < 2) {
    return ShapeError("a node is not [host, port, ...]");
  }
  const redisReply* host = node->element[0];
  const redisReply* port = node->element[1];
  if (port == nullptr || port->type != REDIS_REPLY_INTEGER || port->integer <= 0 ||
      port->integer > 65535) {
    return ShapeError("a node has no valid port");
  }
  ClusterNodeAddress address;
  address.host = std::string(ElementStr(host));
  if (address.host.empty() || address.host == "?") address.host = std::string(asked_host);
  address.port = static_cast<int>(port->integer);
  return address;
}

}  // namespace

std::string ClusterNodeAddress::ToString() const {
  const bool v6 = absl::StrContains(host, ':');
  return absl::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", port);
}

ClusterTopology::ClusterTopology() : slot_shard_(kClusterSlots, -1) {}

absl::StatusOr<ClusterTopology> ClusterTopology::FromClusterSlots(const redisReply* reply,
                                                                  absl::string_view asked_host) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) return ShapeError("not an array");
  ClusterTopology topology;
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* range = reply->element[i];
    if (range == nullptr || range->type != REDIS_REPLY_ARRAY || range->elements < 3) {
      return ShapeError("a range is not [start, end, master, ...]");
    }
    const redisReply* start = range->element[0];
    const redisReply* end = range->element[1];
    if (start == nullptr || end == nullptr || start->type != REDIS_REPLY_INTEGER ||
        end->type != REDIS_REPLY_INTEGER || start->integer < 0 || start->integer > end->integer ||
        end->integer >= kClusterSlots) {
      return ShapeError("a range has bad slot numbers");
    }
    auto master = ParseNode(range->element[2], asked_host);
    if (!master.ok()) return master.status();
    const int shard = topology.ShardIndexOf(*master);
    for (size_t r = 3; r < range->elements; ++r) {
      auto replica = ParseNode(range->element[r], asked_host);
      if (!replica.ok()) return replica.status();
      auto& replicas = topology.shards_[shard].replicas;
      if (std::find(replicas.begin(), replicas.end(), *replica) == replicas.end()) {
        replicas.push_back(*std::move(replica));
      }
    }
    for (int64_t slot = start->integer; slot <= end->integer; ++slot) {
      topology.slot_shard_[slot] = static_cast<int16_t>(shard);
    }
  }
  return topology;
}

int ClusterTopology::ShardIndexOf(const ClusterNodeAddress& master) {
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (shards_[i].master == master) return static_cast<int>(i);
  }
  shards_.push_back(Shard{master, {}});
  return static_cast<int>(shards_.size() - 1);
}

const ClusterTopology::Shard* ClusterTopology::ShardOf(int slot) const {
  if (slot < 0 || slot >= kClusterSlots || slot_shard_[slot] < 0) return nullptr;
  return &shards_[slot_shard_[slot]];
}

const ClusterNodeAddress* ClusterTopology::MasterOf(int slot) const {
  const Shard* shard = ShardOf(slot);
  return shard == nullptr ? nullptr : &shard->master;
}

void ClusterTopology::AssignSlot(int slot, const ClusterNodeAddress& master) {
  if (slot < 0 || slot >= kClusterSlots) return;
  slot_shard_[slot] = static_cast<int16_t>(ShardIndexOf(master));
}

std::vector<ClusterNodeAddress> ClusterTopology::Masters() const {
  std::vector<bool> serving(shards_.size(), false);
  for (const int16_t shard : slot_shard_) {
    if (shard >= 0) serving[shard] = true;
  }
  std::vector<ClusterNodeAddress> masters;
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (serving[i]) masters.push_back(shards_[i].master);
  }
  return masters;
}

std::vector<ClusterNodeAddress> ClusterTopology::Nodes() const {
  std::vector<ClusterNodeAddress> nodes;
  for (const Shard& shard : shards_) {
    nodes.push_back(shard.master);
    nodes.insert(nodes.end(), shard.replicas.begin(), shard.replicas.end());
  }
  return nodes;
}

int ClusterTopology::covered_slots() const {
  return static_cast<int>(
      std::count_if(slot_shard_.begin(), slot_shard_.end(), [](int16_t s) { return s >= 0; }));
}

}  // namespace omnigate::redis
