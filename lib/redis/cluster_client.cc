#include "lib/redis/cluster_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/redis/cluster_command_key.h"
#include "lib/redis/cluster_redirect.h"
#include "lib/redis/cluster_slot.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/replica_wait.h"

namespace omnigate::redis {
namespace {

constexpr int kAnySlot = -1;

// The slot each command's key hashes to; kAnySlot for keyless commands.
std::vector<int> SlotsOf(const std::vector<RedisCommand>& commands) {
  std::vector<int> slots;
  slots.reserve(commands.size());
  for (const RedisCommand& command : commands) {
    const std::optional<absl::string_view> key = CommandKey(command);
    slots.push_back(key.has_value() ? KeySlot(*key) : kAnySlot);
  }
  return slots;
}

ClusterNodeAddress AddressOf(const RedisEndpoint& endpoint) {
  return ClusterNodeAddress{endpoint.host, endpoint.port};
}

}  // namespace

ClusterClient::ClusterClient(std::vector<RedisEndpoint> seeds, ClusterClientOptions options)
    : credentials_(seeds.empty() ? RedisEndpoint{} : seeds.front()), options_(options) {
  for (const RedisEndpoint& seed : seeds) known_.push_back(AddressOf(seed));
}

absl::StatusOr<RedisReply> ClusterClient::Run(const RedisCommand& command) {
  auto replies = RunPipeline({command});
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

absl::StatusOr<std::vector<RedisReply>> ClusterClient::RunPipeline(
    const std::vector<RedisCommand>& commands) {
  std::vector<RedisReply> replies(commands.size());
  if (commands.empty()) return replies;
  const std::vector<int> slots = SlotsOf(commands);
  std::vector<Pending> pending;
  pending.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) pending.push_back(Pending{i, std::nullopt});

  const absl::Time deadline = absl::Now() + options_.retry_budget;
  absl::Duration backoff = options_.first_backoff;
  int redirections = 0;
  std::string last_problem;
  RefreshIfStale();
  while (true) {
    std::vector<Pending> again;
    bool redirected = false;
    bool transient = false;
    auto batches = Route(pending, slots);
    if (!batches.ok()) {
      if (absl::Status denied = RefreshDenied(); !denied.ok()) return denied;
      transient = true;
      last_problem = std::string(batches.status().message());
      again = pending;
      batches = std::vector<Batch>();
    }
    auto results = SendBatches(*batches, commands);
    for (size_t b = 0; b < batches->size(); ++b) {
      const Batch& batch = (*batches)[b];
      auto& batch_replies = results[b];
      if (!batch_replies.ok()) {
        // Written but not confirmed by enough replicas: like a single
        // Redis, the caller hears UNAVAILABLE and retries; not sent again
        // here (the writes did run).
        if (absl::IsAborted(batch_replies.status())) {
          return absl::UnavailableError(batch_replies.status().message());
        }
        // PERMISSION_DENIED, RESOURCE_EXHAUSTED: retrying would not help.
        if (!absl::IsUnavailable(batch_replies.status())) return batch_replies.status();
        transient = true;
        last_problem = std::string(batch_replies.status().message());
        NoteUnreachable(batch.node);
        // Routed afresh: a source still migrating will send ASK again.
        for (const Pending& p : batch.pending) again.push_back(Pending{p.index, std::nullopt});
        continue;
      }
      for (size_t i = 0; i < batch.pending.size(); ++i) {
        RedisReply& reply = (*batch_replies)[i];
        const size_t index = batch.pending[i].index;
        if (reply.is_error()) {
          if (auto redirect = ParseClusterRedirect(reply.str(), batch.node.host)) {
            redirected = true;
            if (redirect->kind == ClusterRedirect::Kind::kMoved) {
              std::lock_guard<std::mutex> lock(mu_);
              topology_.AssignSlot(redirect->slot, redirect->target);
              stale_ = true;
              again.push_back(Pending{index, std::nullopt});
            } else {
              again.push_back(Pending{index, redirect->target});
            }
            continue;
          }
          if (IsTransientClusterError(reply.str())) {
            transient = true;
            last_problem = std::string(reply.str());
            again.push_back(Pending{index, std::nullopt});
            continue;
          }
        }
        replies[index] = std::move(reply);
      }
    }
    if (again.empty()) return replies;
    // Each node's commands go out in the caller's order on the next round.
    std::sort(again.begin(), again.end(),
              [](const Pending& a, const Pending& b) { return a.index < b.index; });
    pending = std::move(again);
    if (redirected && ++redirections > options_.max_redirections) {
      return absl::UnavailableError(absl::StrCat("redis cluster: more than ",
                                                 options_.max_redirections,
                                                 " MOVED/ASK redirections for one call"));
    }
    if (transient) {
      if (absl::Now() + backoff > deadline) {
        return absl::UnavailableError(absl::StrCat("redis cluster: still failing after ",
                                                   absl::FormatDuration(options_.retry_budget),
                                                   ": ", last_problem));
      }
      MarkStale();
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      RefreshIfStale();
    }
  }
}

absl::StatusOr<std::vector<ClusterClient::Batch>> ClusterClient::Route(
    const std::vector<Pending>& pending, const std::vector<int>& slots) {
  std::vector<Batch> batches;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Pending& p : pending) {
    const ClusterNodeAddress* node = nullptr;
    if (p.ask.has_value()) {
      node = &*p.ask;
    } else if (slots[p.index] != kAnySlot) {
      node = topology_.MasterOf(slots[p.index]);
      if (node == nullptr) {
        return absl::UnavailableError(
            absl::StrCat("redis cluster: no master serves slot ", slots[p.index]));
      }
    } else {
      for (int slot = 0; slot < kClusterSlots && node == nullptr; ++slot) {
        node = topology_.MasterOf(slot);
      }
      if (node == nullptr) return absl::UnavailableError("redis cluster: no slot map yet");
    }
    auto batch = std::find_if(batches.begin(), batches.end(),
                              [node](const Batch& b) { return b.node == *node; });
    if (batch == batches.end()) {
      batches.push_back(Batch{*node, {}});
      batch = batches.end() - 1;
    }
    batch->pending.push_back(p);
  }
  return batches;
}

std::vector<absl::StatusOr<std::vector<RedisReply>>> ClusterClient::SendBatches(
    const std::vector<Batch>& batches, const std::vector<RedisCommand>& commands) {
  // Everything written before anything is read: the nodes work at once.
  std::vector<absl::StatusOr<ConnectionPool::Lease>> leases;
  leases.reserve(batches.size());
  for (const Batch& batch : batches) leases.push_back(WriteBatch(batch, commands));
  std::vector<absl::StatusOr<std::vector<RedisReply>>> results;
  results.reserve(batches.size());
  for (size_t b = 0; b < batches.size(); ++b) {
    if (!leases[b].ok()) {
      results.push_back(leases[b].status());
    } else {
      results.push_back(ReadBatch(batches[b], commands, **leases[b]));
    }
  }
  return results;
}

absl::StatusOr<ConnectionPool::Lease> ClusterClient::WriteBatch(
    const Batch& batch, const std::vector<RedisCommand>& commands) {
  auto lease = PoolFor(batch.node)->Acquire();
  if (!lease.ok()) return lease.status();
  RedisConnection& conn = **lease;
  for (const Pending& p : batch.pending) {
    // ASKING lets the importing node serve the next command's key.
    if (p.ask.has_value()) {
      if (auto status = conn.Append({"ASKING"}); !status.ok()) return status;
    }
    if (auto status = conn.Append(commands[p.index]); !status.ok()) return status;
  }
  if (WaitsForReplicas(batch, commands)) {
    // The mark goes to the slot of the batch's first command: a key this
    // node serves (or a MOVED reply, ignored: then WAIT covers the
    // connection's own writes only).
    ReplicaWait wait = options_.replica_wait;
    const std::optional<absl::string_view> key = CommandKey(commands[batch.pending.front().index]);
    if (key.has_value()) wait.mark_key = ReplicaMarkKey(*key);
    if (auto status = AppendWait(conn, wait); !status.ok()) return status;
  }
  if (auto status = conn.Flush(); !status.ok()) return status;
  return lease;
}

bool ClusterClient::WaitsForReplicas(const Batch& batch,
                                     const std::vector<RedisCommand>& commands) const {
  if (!options_.replica_wait.enabled()) return false;
  return std::any_of(batch.pending.begin(), batch.pending.end(),
                     [&](const Pending& p) { return !IsReadOnlyCommand(commands[p.index]); });
}

absl::StatusOr<std::vector<RedisReply>> ClusterClient::ReadBatch(
    const Batch& batch, const std::vector<RedisCommand>& commands, RedisConnection& conn) {
  std::vector<RedisReply> replies;
  replies.reserve(batch.pending.size());
  for (const Pending& p : batch.pending) {
    if (p.ask.has_value()) {
      auto asking = conn.ReadReply();
      if (!asking.ok()) return asking.status();
    }
    auto reply = conn.ReadReply();
    if (!reply.ok()) return reply.status();
    replies.push_back(*std::move(reply));
  }
  if (WaitsForReplicas(batch, commands)) {
    auto waited = ReadWaitReply(conn);
    if (!waited.ok()) return waited.status();
    // ABORTED marks "ran, not confirmed" for RunPipeline, which answers
    // UNAVAILABLE without sending the commands again.
    if (absl::Status confirmed = CheckWaitReply(*waited, options_.replica_wait); !confirmed.ok()) {
      return absl::AbortedError(confirmed.message());
    }
  }
  return replies;
}

bool ClusterClient::Ping() {
  RefreshIfStale();
  std::vector<ClusterNodeAddress> masters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    masters = topology_.Masters();
  }
  if (masters.empty()) return false;
  for (const ClusterNodeAddress& master : masters) {
    auto pong = PoolFor(master)->Run({"PING"});
    if (!pong.ok() || pong->is_error()) return false;
  }
  return true;
}

ConnectionFactory ClusterClient::FactoryForKey(std::string key,
                                               std::optional<absl::Duration> io_timeout) {
  const absl::Duration timeout = io_timeout.value_or(options_.pool.io_timeout);
  return [this, key = std::move(key), timeout]() -> absl::StatusOr<std::unique_ptr<Connection>> {
    RefreshIfStale();
    for (int attempt = 0; attempt <= options_.max_redirections; ++attempt) {
      auto node = NodeForKey(key);
      if (!node.ok()) return node.status();
      auto conn =
          RedisConnection::Connect(EndpointFor(*node), options_.pool.connect_timeout, timeout);
      if (!conn.ok()) {
        NoteUnreachable(*node);
        // Perhaps failed over already: one fresh look at the map.
        if (attempt == 0 && absl::IsUnavailable(conn.status()) && RefreshTopology().ok()) continue;
        return conn.status();
      }
      // The map may lag a migration: the node itself says whether it owns
      // the key, so the caller's blocking command is not answered MOVED.
      auto probe = (*conn)->Run({"EXISTS", key});
      if (!probe.ok()) return probe.status();
      if (probe->is_error()) {
        auto redirect = ParseClusterRedirect(probe->str(), node->host);
        if (redirect.has_value() && redirect->kind == ClusterRedirect::Kind::kMoved) {
          std::lock_guard<std::mutex> lock(mu_);
          topology_.AssignSlot(redirect->slot, redirect->target);
          stale_ = true;
          continue;
        }
      }
      return std::unique_ptr<Connection>(*std::move(conn));
    }
    return absl::UnavailableError(absl::StrCat("redis cluster: more than ",
                                               options_.max_redirections,
                                               " MOVED redirections connecting for a key"));
  };
}

absl::StatusOr<ClusterNodeAddress> ClusterClient::NodeForKey(absl::string_view key) {
  RefreshIfStale();
  const int slot = KeySlot(key);
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) {
    return refresh_error_.ok()
               ? absl::UnavailableError("redis cluster: no node answered CLUSTER SLOTS")
               : refresh_error_;
  }
  const ClusterNodeAddress* node = topology_.MasterOf(slot);
  if (node == nullptr) {
    return absl::UnavailableError(absl::StrCat("redis cluster: no master serves slot ", slot));
  }
  return *node;
}

absl::Status ClusterClient::RefreshTopology() {
  std::lock_guard<std::mutex> refreshing(refresh_mu_);
  return RefreshLocked();
}

void ClusterClient::RefreshIfStale() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (loaded_ && (!stale_ || absl::Now() - last_refresh_ < options_.min_refresh_interval)) {
      return;
    }
  }
  std::unique_lock<std::mutex> refreshing(refresh_mu_, std::try_to_lock);
  if (!refreshing.owns_lock()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (loaded_) return;  // keep routing by the map we have
    }
    refreshing.lock();  // without any map there is nothing to route by: wait
  }
  {
    // Another thread may have refreshed while this one waited.
    std::lock_guard<std::mutex> lock(mu_);
    if (loaded_ && (!stale_ || absl::Now() - last_refresh_ < options_.min_refresh_interval)) {
      return;
    }
  }
  // A failure shows up to the caller as a routing failure, retried in time.
  RefreshLocked().IgnoreError();
}

absl::Status ClusterClient::RefreshLocked() {
  // Masters of the current map first (most likely current), nodes that
  // failed lately last (a dead host may cost a connect timeout each).
  std::vector<ClusterNodeAddress> candidates;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_refresh_ = absl::Now();
    candidates = topology_.Masters();
    for (const ClusterNodeAddress& node : known_) {
      if (std::find(candidates.begin(), candidates.end(), node) == candidates.end()) {
        candidates.push_back(node);
      }
    }
    std::stable_partition(candidates.begin(), candidates.end(), [this](const auto& node) {
      return unreachable_.count(node.ToString()) == 0;
    });
  }
  std::string last_problem = "no node known";
  bool denied = false;  // retrying cannot fix credentials
  for (const ClusterNodeAddress& node : candidates) {
    auto reply = PoolFor(node)->Run({"CLUSTER", "SLOTS"});
    if (!reply.ok()) {
      if (absl::IsPermissionDenied(reply.status())) {
        denied = true;
      } else {
        NoteUnreachable(node);
      }
      last_problem = absl::StrCat(node.ToString(), ": ", reply.status().message());
      continue;
    }
    if (reply->is_error() &&
        (absl::StartsWith(reply->str(), "NOAUTH") || absl::StartsWith(reply->str(), "NOPERM"))) {
      denied = true;
    }
    auto topology = ClusterTopology::FromClusterSlots(reply->get(), node.host);
    if (!topology.ok() || topology->covered_slots() == 0) {
      // Not (yet) part of a cluster, or not a cluster node at all.
      last_problem = absl::StrCat(node.ToString(), ": ",
                                  topology.ok() ? "serves no slots" : topology.status().message(),
                                  reply->is_error() ? absl::StrCat(" (", reply->str(), ")") : "");
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (const ClusterNodeAddress& seen : topology->Nodes()) {
      if (std::find(known_.begin(), known_.end(), seen) == known_.end()) known_.push_back(seen);
    }
    unreachable_.erase(node.ToString());
    refresh_error_ = absl::OkStatus();
    topology_ = *std::move(topology);
    loaded_ = true;
    stale_ = false;
    return absl::OkStatus();
  }
  const std::string message =
      absl::StrCat("redis cluster: no node answered CLUSTER SLOTS; last: ", last_problem);
  absl::Status error =
      denied ? absl::PermissionDeniedError(message) : absl::UnavailableError(message);
  std::lock_guard<std::mutex> lock(mu_);
  refresh_error_ = error;
  return error;
}

absl::Status ClusterClient::RefreshDenied() {
  std::lock_guard<std::mutex> lock(mu_);
  return absl::IsPermissionDenied(refresh_error_) ? refresh_error_ : absl::OkStatus();
}

void ClusterClient::MarkStale() {
  std::lock_guard<std::mutex> lock(mu_);
  stale_ = true;
}

void ClusterClient::NoteUnreachable(const ClusterNodeAddress& node) {
  std::lock_guard<std::mutex> lock(mu_);
  unreachable_.insert(node.ToString());
  stale_ = true;
}

std::shared_ptr<ConnectionPool> ClusterClient::PoolFor(const ClusterNodeAddress& node) {
  const std::string name = node.ToString();
  std::lock_guard<std::mutex> lock(mu_);
  auto& pool = pools_[name];
  if (pool == nullptr) {
    pool = std::make_shared<ConnectionPool>(
        EndpointFor(node), options_.pool.connect_timeout,
        IoTimeoutFor(options_.pool.io_timeout, options_.replica_wait), options_.pool.max_idle,
        options_.pool.max_open, options_.pool.acquire_timeout);
  }
  return pool;
}

RedisEndpoint ClusterClient::EndpointFor(const ClusterNodeAddress& node) const {
  RedisEndpoint endpoint = credentials_;
  endpoint.host = node.host;
  endpoint.port = node.port;
  endpoint.db = 0;
  return endpoint;
}

}  // namespace omnigate::redis
