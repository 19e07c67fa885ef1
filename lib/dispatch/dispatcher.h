#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/common/clock.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/dispatch/lease_manager.h"
#include "lib/dispatch/partition_worker.h"
#include "lib/dispatch/sink_client.h"
#include "lib/dispatch/stream_connector.h"
#include "lib/redis/redis_client.h"
#include "lib/routing/router.h"

namespace omnigate::dispatch {

// One downstream sink as the dispatcher uses it.
struct SinkHandle {
  std::string name;
  SinkClient* client = nullptr;
};

struct DispatcherOptions {
  uint32_t partitions = 16;
  std::string instance_id;
  LeaseOptions lease;
  // Per-worker settings; partition, sink and consumer are filled in.
  WorkerOptions worker;
  int max_in_flight_per_sink = 32;
  // The streams and leases worked on (the dispatcher's or the sender's).
  const queue::ConsumerKeys* keys = &queue::kDispatcherKeys;
  // How often owned partitions' depth and lag are sampled for metrics.
  absl::Duration stats_interval = absl::Seconds(5);
};

// Where a dispatcher's Redis traffic goes: one Redis or a Redis Cluster.
struct DispatcherRedis {
  // Leases, heartbeats and stats; outlives the dispatcher. Its writes must
  // not wait for replicas (ReplicaWait): a renewal stalled by a slow replica
  // would cost the lease.
  redis::RedisClient* client = nullptr;
  // The partition workers' and readers' own connections, per stream key.
  StreamConnector connect;
};

// omnigate-dispatcher's engine: owns partitions by lease and runs one
// PartitionWorker per owned partition and sink. Thread-safe.
class Dispatcher final : public LeaseListener {
 public:
  Dispatcher(DispatcherOptions options, DispatcherRedis redis, std::vector<SinkHandle> sinks,
             const routing::Router* router, DispatchMetrics* metrics, const Clock& clock);
  ~Dispatcher() override;

  void Start();
  // Drains: workers finish calls in flight, leases are released.
  void Stop(absl::Duration drain);
  bool healthy() const { return leases_.healthy(); }
  int owned() const { return leases_.owned(); }

  // LeaseListener
  void OnAcquired(uint32_t partition) override;
  void OnLost(uint32_t partition) override;
  bool Busy(uint32_t partition) override;
  void EnsureWorking(uint32_t partition) override;

 private:
  void SampleStats();
  // A started worker of `sink` on `partition`; mu_ held.
  std::unique_ptr<PartitionWorker> StartWorker(uint32_t partition, const SinkHandle& sink);

  const DispatcherOptions options_;
  redis::RedisClient* const redis_;
  const StreamConnector connect_;
  const std::vector<SinkHandle> sinks_;
  const routing::Router* const router_;
  DispatchMetrics* const metrics_;
  const Clock& clock_;
  std::map<std::string, std::unique_ptr<InFlightLimiter>> limiters_;
  LeaseManager leases_;

  std::mutex mu_;
  // The partition's workers, one per sink in the order of sinks_.
  std::map<uint32_t, std::vector<std::unique_ptr<PartitionWorker>>> workers_;
  bool stopping_ = false;
  std::thread stats_thread_;
  std::condition_variable stats_cv_;
};

}  // namespace omnigate::dispatch
