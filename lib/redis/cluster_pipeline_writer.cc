#include "lib/redis/cluster_pipeline_writer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/redis/cluster_redirect.h"
#include "lib/redis/cluster_slot.h"

namespace omnigate::redis {
namespace {

// How often the retry thread re-checks the map while a writer is down, so
// a failed-over master is replaced even when no request is retrying.
constexpr absl::Duration kMaintenanceInterval = absl::Seconds(1);

// A reply the cluster gave instead of running the command.
bool NotRunHere(const RedisReply& reply) {
  if (!reply.is_error()) return false;
  return ParseClusterRedirect(reply.str(), "").has_value() || IsTransientClusterError(reply.str());
}

}  // namespace

struct ClusterPipelineWriter::Call {
  std::string route_key;
  size_t lane = 0;
  std::vector<RedisCommand> commands;
  Done done;
  absl::Time deadline;
  absl::Duration backoff;
  Replies replies;           // one per command, filled as they are answered
  std::vector<size_t> open;  // commands still to be run
};

ClusterPipelineWriter::ClusterPipelineWriter(ClusterPipelineWriterOptions options,
                                             ClusterClient* cluster, PipelineObserver* observer)
    : options_(std::move(options)), cluster_(cluster), observer_(observer) {}

ClusterPipelineWriter::~ClusterPipelineWriter() { Shutdown(); }

void ClusterPipelineWriter::Start(const std::vector<std::string>& route_keys) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (retry_thread_.joinable() || stopping_) return;
    route_keys_.insert(route_keys.begin(), route_keys.end());
  }
  absl::Status loaded = cluster_->RefreshTopology();
  if (!loaded.ok())
    OG_LOG(WARNING) << "redis cluster slot map not loaded yet: " << loaded.message();
  UpdateOwners();
  retry_thread_ = std::thread([this] { RetryLoop(); });
}

void ClusterPipelineWriter::Shutdown() {
  std::multimap<absl::Time, std::shared_ptr<Call>> queued;
  std::map<std::string, std::shared_ptr<RedisPipelineWriter>> writers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    queued.swap(retries_);
  }
  retry_cv_.notify_all();
  if (retry_thread_.joinable()) retry_thread_.join();
  for (auto& [when, call] : queued) Finish(call, absl::UnavailableError("redis writer stopped"));
  {
    std::lock_guard<std::mutex> lock(mu_);
    writers.swap(writers_);
    owners_.clear();
  }
  // Outside the lock: their last callbacks come back through OnReplies.
  for (auto& [name, writer] : writers) writer->Shutdown();
}

int ClusterPipelineWriter::lanes() const { return std::max(1, options_.node.lanes); }

bool ClusterPipelineWriter::healthy() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || owners_.size() < route_keys_.size()) return false;
  for (const auto& [key, writer] : owners_) {
    if (!writer->healthy()) return false;
  }
  return true;
}

void ClusterPipelineWriter::Submit(absl::string_view route_key, size_t lane,
                                   std::vector<RedisCommand> commands, Done done) {
  if (commands.empty()) {
    done(Replies{});
    return;
  }
  auto call = std::make_shared<Call>();
  call->route_key = std::string(route_key);
  call->lane = lane;
  call->done = std::move(done);
  call->deadline = absl::Now() + options_.retry_budget;
  call->backoff = options_.first_backoff;
  call->replies.resize(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) call->open.push_back(i);
  call->commands = std::move(commands);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      call->done(absl::UnavailableError("redis writer is shutting down"));
      return;
    }
    route_keys_.insert(call->route_key);
  }
  Attempt(std::move(call));
}

void ClusterPipelineWriter::Attempt(std::shared_ptr<Call> call) {
  auto node = cluster_->NodeForKey(call->route_key);
  if (!node.ok()) {
    RetryLater(std::move(call), node.status());
    return;
  }
  std::shared_ptr<RedisPipelineWriter> writer = WriterFor(*node, call->route_key);
  {
    std::lock_guard<std::mutex> lock(mu_);
    owners_[call->route_key] = writer;
  }
  if (!writer->healthy()) {
    // Nothing sent: safe to try again once connected, or at the new master.
    RetryLater(std::move(call),
               absl::UnavailableError(absl::StrCat("redis unavailable: ", node->ToString())));
    return;
  }
  std::vector<RedisCommand> send;
  send.reserve(call->open.size());
  for (size_t i : call->open) send.push_back(call->commands[i]);
  writer->Submit(call->lane, std::move(send), [this, call](absl::StatusOr<Replies> replies) {
    OnReplies(call, std::move(replies));
  });
}

void ClusterPipelineWriter::OnReplies(std::shared_ptr<Call> call, absl::StatusOr<Replies> replies) {
  if (!replies.ok()) {
    // Shed, or the connection broke with the outcome unknown: the caller
    // decides (ingest answers 503 and the channel retries).
    Finish(call, replies.status());
    return;
  }
  std::vector<size_t> still;
  for (size_t k = 0; k < call->open.size() && k < replies->size(); ++k) {
    const size_t i = call->open[k];
    if (NotRunHere((*replies)[k])) still.push_back(i);
    // Kept even when not run here: it is the answer if the budget runs out.
    call->replies[i] = std::move((*replies)[k]);
  }
  call->open = std::move(still);
  if (call->open.empty()) {
    Finish(call, absl::OkStatus());
    return;
  }
  RetryLater(std::move(call), absl::OkStatus());
}

void ClusterPipelineWriter::RetryLater(std::shared_ptr<Call> call, absl::Status why) {
  const absl::Time now = absl::Now();
  if (now + call->backoff > call->deadline) {
    Finish(call, std::move(why));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      retries_.emplace(now + call->backoff, call);
      call->backoff = std::min(call->backoff * 2, options_.max_backoff);
      call = nullptr;
    }
  }
  if (call != nullptr) {
    Finish(call, absl::UnavailableError("redis writer stopped"));
    return;
  }
  retry_cv_.notify_one();
}

void ClusterPipelineWriter::Finish(const std::shared_ptr<Call>& call, absl::Status status) {
  if (!status.ok()) {
    call->done(std::move(status));
    return;
  }
  call->done(std::move(call->replies));
}

void ClusterPipelineWriter::RetryLoop() {
  absl::Time next_maintenance = absl::Now() + kMaintenanceInterval;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const absl::Time now = absl::Now();
    std::vector<std::shared_ptr<Call>> due;
    while (!retries_.empty() && retries_.begin()->first <= now) {
      due.push_back(std::move(retries_.begin()->second));
      retries_.erase(retries_.begin());
    }
    const bool maintain = now >= next_maintenance;
    if (due.empty() && !maintain) {
      absl::Time wake = next_maintenance;
      if (!retries_.empty()) wake = std::min(wake, retries_.begin()->first);
      retry_cv_.wait_for(lock, absl::ToChronoNanoseconds(wake - now));
      continue;
    }
    bool all_healthy = true;
    for (const auto& [key, writer] : owners_) all_healthy = all_healthy && writer->healthy();
    lock.unlock();
    // The map may be out of date for whatever sent these back: one refresh
    // serves every call due now.
    if (!due.empty() || !all_healthy) {
      absl::Status refreshed = cluster_->RefreshTopology();
      if (!refreshed.ok()) OG_LOG(WARNING) << "redis cluster refresh: " << refreshed.message();
      UpdateOwners();
    }
    for (auto& call : due) Attempt(std::move(call));
    lock.lock();
    if (maintain) next_maintenance = absl::Now() + kMaintenanceInterval;
  }
}

std::shared_ptr<RedisPipelineWriter> ClusterPipelineWriter::WriterFor(
    const ClusterNodeAddress& node, absl::string_view route_key) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string name = node.ToString();
  auto it = writers_.find(name);
  if (it != writers_.end()) return it->second;
  PipelineWriterOptions options = options_.node;
  options.endpoint.host = node.host;
  options.endpoint.port = node.port;
  options.endpoint.db = 0;
  // Cluster mode does not replicate PUBLISH: the replicated-acknowledgement
  // mark is a write in a slot this node serves.
  options.replica_wait.mark_key = ReplicaMarkKey(route_key);
  auto writer = std::make_shared<RedisPipelineWriter>(std::move(options), observer_);
  writer->Start();
  OG_LOG(INFO) << "redis cluster: writing to master " << name;
  writers_.emplace(name, writer);
  return writer;
}

void ClusterPipelineWriter::UpdateOwners() {
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys.assign(route_keys_.begin(), route_keys_.end());
  }
  std::map<std::string, std::shared_ptr<RedisPipelineWriter>> owners;
  for (const std::string& key : keys) {
    auto node = cluster_->NodeForKey(key);
    if (node.ok()) owners[key] = WriterFor(*node, key);
  }
  std::vector<std::shared_ptr<RedisPipelineWriter>> unused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    for (auto& [key, writer] : owners) owners_[key] = writer;
    std::set<RedisPipelineWriter*> in_use;
    for (const auto& [key, writer] : owners_) in_use.insert(writer.get());
    for (auto it = writers_.begin(); it != writers_.end();) {
      if (in_use.count(it->second.get()) == 0) {
        OG_LOG(INFO) << "redis cluster: no longer writing to " << it->first;
        unused.push_back(std::move(it->second));
        it = writers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the lock: their pending jobs complete through OnReplies.
  for (auto& writer : unused) writer->Shutdown();
}

}  // namespace omnigate::redis
