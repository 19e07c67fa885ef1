#pragma once

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace omnigate::metrics {

// Process CPU, memory, threads and file descriptors read from /proc/self on
// every scrape: omnigate_process_cpu_seconds_total,
// omnigate_process_resident_memory_bytes, omnigate_process_virtual_memory_bytes,
// omnigate_process_threads, omnigate_process_open_fds,
// omnigate_process_start_time_seconds.
class ProcessCollector final : public prometheus::Collectable {
 public:
  ProcessCollector();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  double start_time_seconds_;
};

}  // namespace omnigate::metrics
