#pragma once

#include "absl/time/time.h"
#include "lib/redis/pipeline_writer.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace omnigate {

// The group-commit writer's observer in omnigate-ingest: forwards everything
// to `next` (IngestMetrics) and adds the replicated-acknowledgement families
// (redis_wait_replicas > 0). Built once at start-up; thread-safe.
class ReplicaWaitMetrics final : public redis::PipelineObserver {
 public:
  ReplicaWaitMetrics(prometheus::Registry& registry, redis::PipelineObserver* next)
      : next_(next),
        wait_(prometheus::BuildHistogram()
                  .Name("omnigate_redis_wait_seconds")
                  .Help("Time a flushed pipeline waited for replicas (Redis WAIT) after its "
                        "commands answered.")
                  .Register(registry)
                  .Add({{"service", "ingest"}},
                       prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001,
                                                               0.0025, 0.005, 0.01, 0.025, 0.05,
                                                               0.1, 0.25, 0.5, 1, 2.5, 5})),
        unconfirmed_(prometheus::BuildCounter()
                         .Name("omnigate_redis_wait_unconfirmed_total")
                         .Help("Flushed pipelines whose WAIT counted fewer replicas than "
                               "redis_wait_replicas: every event in them was answered 503 / "
                               "UNAVAILABLE.")
                         .Register(registry)
                         .Add({{"service", "ingest"}})) {}

  void OnRoundTrip(absl::Duration elapsed, size_t commands) override {
    next_->OnRoundTrip(elapsed, commands);
  }
  void OnLanesConnected(int connected_lanes, int lanes) override {
    next_->OnLanesConnected(connected_lanes, lanes);
  }
  void OnReconnectFailed() override { next_->OnReconnectFailed(); }
  void OnReplicaWait(absl::Duration waited, bool confirmed) override {
    wait_.Observe(absl::ToDoubleSeconds(waited));
    if (!confirmed) unconfirmed_.Increment();
  }

 private:
  redis::PipelineObserver* const next_;
  prometheus::Histogram& wait_;
  prometheus::Counter& unconfirmed_;
};

}  // namespace omnigate
