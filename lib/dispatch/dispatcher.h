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

// omnigate-dispatcher's engine: owns partitions by lease and runs one
// PartitionWorker per owned partition and sink. Thread-safe.
class Dispatcher final : public LeaseListener {
 public:
  Dispatcher(DispatcherOptions options, redis::RedisEndpoint endpoint,
             std::vector<SinkHandle> sinks, const routing::Router* router, DispatchMetrics* metrics,
             const Clock& clock);
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

 private:
  void SampleStats();

  const DispatcherOptions options_;
  const redis::RedisEndpoint endpoint_;
  const std::vector<SinkHandle> sinks_;
  const routing::Router* const router_;
  DispatchMetrics* const metrics_;
  const Clock& clock_;
  std::map<std::string, std::unique_ptr<InFlightLimiter>> limiters_;
  LeaseManager leases_;

  std::mutex mu_;
  std::map<uint32_t, std::vector<std::unique_ptr<PartitionWorker>>> workers_;
  bool stopping_ = false;
  std::thread stats_thread_;
  std::unique_ptr<redis::RedisConnection> stats_conn_;  // stats thread only
  std::condition_variable stats_cv_;
};

}  // namespace omnigate::dispatch
