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

Dispatcher::Dispatcher(DispatcherOptions options, redis::RedisEndpoint endpoint,
                       std::vector<SinkHandle> sinks, const routing::Router* router,
                       DispatchMetrics* metrics, const Clock& clock)
    : options_(std::move(options)),
      endpoint_(endpoint),
      sinks_(std::move(sinks)),
      router_(router),
      metrics_(metrics),
      clock_(clock),
      leases_(WithKeys(options_.lease, options_.keys), endpoint, this, metrics) {
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

void Dispatcher::OnAcquired(uint32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  auto& workers = workers_[partition];
  workers.clear();
  for (const auto& sink : sinks_) {
    WorkerOptions wo = options_.worker;
    wo.partition = partition;
    wo.sink = sink.name;
    wo.consumer = options_.instance_id;
    wo.keys = options_.keys;
    WorkerDeps deps;
    deps.connect = redis::EndpointConnectionFactory(endpoint_, absl::Seconds(1), absl::Seconds(5));
    deps.reader_connect = PartitionReader::ConnectionFor(endpoint_, wo.idle_block);
    deps.router = router_;
    deps.sink = sink.client;
    deps.limiter = limiters_[sink.name].get();
    deps.metrics = metrics_;
    deps.clock = &clock_;
    deps.lease_remaining = [this, partition] { return leases_.Remaining(partition); };
    auto worker = std::make_unique<PartitionWorker>(std::move(wo), std::move(deps));
    worker->Start();
    workers.push_back(std::move(worker));
  }
}

void Dispatcher::OnLost(uint32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(partition);
  if (it == workers_.end()) return;
  for (auto& w : it->second) w->RequestStop();
  metrics_->ClearPartition(partition);
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
  if (stats_conn_ == nullptr || stats_conn_->broken()) {
    auto conn = redis::RedisConnection::Connect(endpoint_, absl::Seconds(1), absl::Seconds(2));
    if (!conn.ok()) return;
    stats_conn_ = *std::move(conn);
  }
  redis::RedisConnection* conn = stats_conn_.get();
  for (uint32_t p : owned) {
    if (!leases_.Valid(p)) continue;
    auto len = conn->Run({"XLEN", options_.keys->stream(p)});
    auto dlq = conn->Run({"XLEN", options_.keys->dead_letter(p)});
    if (len.ok() && dlq.ok()) metrics_->SetDepth(p, len->integer(), dlq->integer());
    auto groups = conn->Run({"XINFO", "GROUPS", options_.keys->stream(p)});
    if (!groups.ok() || !groups->is_array()) continue;
    for (size_t g = 0; g < groups->size(); ++g) {
      const redisReply* info = groups->element(g);
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
