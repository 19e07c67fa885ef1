#include "lib/dispatch/dispatcher.h"

#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/queue/keys.h"

namespace omnigate::dispatch {
namespace {

LeaseOptions WithKeys(LeaseOptions lease, const queue::ConsumerKeys* keys) {
  lease.keys = keys;
  return lease;
}

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options, DispatcherRedis redis,
                       std::vector<SinkHandle> sinks, const routing::Router* router,
                       DispatchMetrics* metrics, const Clock& clock)
    : options_(std::move(options)),
      redis_(redis.client),
      connect_(std::move(redis.connect)),
      sinks_(std::move(sinks)),
      router_(router),
      metrics_(metrics),
      clock_(clock),
      leases_(WithKeys(options_.lease, options_.keys), redis_, this, metrics) {
  for (const auto& sink : sinks_) {
    limiters_[sink.name] = std::make_unique<InFlightLimiter>(options_.max_in_flight_per_sink);
  }
}

Dispatcher::~Dispatcher() { Stop(absl::ZeroDuration()); }

void Dispatcher::Start() {
  leases_.Start();
  stats_thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      stats_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.stats_interval));
      if (stopping_) break;
      lock.unlock();
      SampleStats();
      lock.lock();
    }
  });
}

void Dispatcher::Stop(absl::Duration drain) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    stats_cv_.notify_all();
  }
  if (stats_thread_.joinable()) stats_thread_.join();
  leases_.Stop(drain);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [p, workers] : workers_) {
    for (auto& w : workers) w->RequestStop();
  }
  workers_.clear();  // joins
}

std::unique_ptr<PartitionWorker> Dispatcher::StartWorker(uint32_t partition,
                                                         const SinkHandle& sink) {
  WorkerOptions wo = options_.worker;
  wo.partition = partition;
  wo.sink = sink.name;
  wo.consumer = options_.instance_id;
  wo.keys = options_.keys;
  WorkerDeps deps;
  const std::string stream = options_.keys->stream(partition);
  deps.connect = connect_(stream, absl::Seconds(5));
  // A read blocks up to idle_block before Redis answers.
  deps.reader_connect = connect_(stream, wo.idle_block + absl::Seconds(5));
  deps.router = router_;
  deps.sink = sink.client;
  deps.limiter = limiters_[sink.name].get();
  deps.metrics = metrics_;
  deps.clock = &clock_;
  deps.lease_remaining = [this, partition] { return leases_.Remaining(partition); };
  auto worker = std::make_unique<PartitionWorker>(std::move(wo), std::move(deps));
  worker->Start();
  return worker;
}

void Dispatcher::OnAcquired(uint32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  auto& workers = workers_[partition];
  workers.clear();
  for (const auto& sink : sinks_) workers.push_back(StartWorker(partition, sink));
}

void Dispatcher::OnLost(uint32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(partition);
  if (it == workers_.end()) return;
  for (auto& w : it->second) w->RequestStop();
  metrics_->ClearPartition(partition);
}

void Dispatcher::EnsureWorking(uint32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  auto& workers = workers_[partition];
  // A worker stops by itself when the lease's local validity runs out. A
  // renewal answered late (across a failover) can still keep the lease; then
  // whichever of the partition's workers saw it lapse, one sink's or all,
  // must start again or its sink would never read the partition.
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (i < workers.size() && !workers[i]->finished()) continue;
    OG_LOG(WARNING) << "partition " << partition << ", sink " << sinks_[i].name
                    << ": worker ended while the lease is held; starting it again";
    metrics_->LeaseChange("resumed");
    auto worker = StartWorker(partition, sinks_[i]);
    if (i < workers.size()) {
      workers[i] = std::move(worker);  // joins the finished one
    } else {
      workers.push_back(std::move(worker));
    }
  }
}

bool Dispatcher::Busy(uint32_t partition) {
  std::vector<std::unique_ptr<PartitionWorker>> finished;
  bool busy = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = workers_.find(partition);
    if (it == workers_.end()) return false;
    for (auto& w : it->second) busy = busy || !w->finished();
    if (!busy) {
      finished = std::move(it->second);
      workers_.erase(it);
    }
  }
  finished.clear();  // joins threads that already ended, outside the lock
  return busy;
}

void Dispatcher::SampleStats() {
  std::vector<uint32_t> owned;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [p, workers] : workers_) owned.push_back(p);
  }
  if (owned.empty()) return;
  // One round trip for every owned partition (split by node on a cluster);
  // read-only, so it never waits for replicas.
  std::vector<uint32_t> sampled;
  std::vector<redis::RedisCommand> commands;
  for (uint32_t p : owned) {
    if (!leases_.Valid(p)) continue;
    sampled.push_back(p);
    commands.push_back({"XLEN", options_.keys->stream(p)});
    commands.push_back({"XLEN", options_.keys->dead_letter(p)});
    commands.push_back({"XINFO", "GROUPS", options_.keys->stream(p)});
  }
  if (commands.empty()) return;
  auto replies = redis_->RunPipeline(commands);
  if (!replies.ok()) return;
  for (size_t k = 0; k < sampled.size(); ++k) {
    const uint32_t p = sampled[k];
    const redis::RedisReply& len = (*replies)[3 * k];
    const redis::RedisReply& dlq = (*replies)[3 * k + 1];
    const redis::RedisReply& groups = (*replies)[3 * k + 2];
    if (!len.is_error() && !dlq.is_error()) metrics_->SetDepth(p, len.integer(), dlq.integer());
    if (!groups.is_array()) continue;
    for (size_t g = 0; g < groups.size(); ++g) {
      const redisReply* info = groups.element(g);
      if (info == nullptr || info->type != REDIS_REPLY_ARRAY) continue;
      std::string name;
      int64_t pending = 0, lag = 0;
      for (size_t i = 0; i + 1 < info->elements; i += 2) {
        const absl::string_view field = redis::ElementStr(info->element[i]);
        const redisReply* value = info->element[i + 1];
        if (field == "name") name = std::string(redis::ElementStr(value));
        if (field == "pending" && value->type == REDIS_REPLY_INTEGER) pending = value->integer;
        if (field == "lag" && value->type == REDIS_REPLY_INTEGER) lag = value->integer;
      }
      bool known = false;
      for (const auto& s : sinks_) known = known || s.name == name;
      if (known) metrics_->SetPartition(p, name, lag, pending);
    }
  }
}

}  // namespace omnigate::dispatch
