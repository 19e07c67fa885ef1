#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "absl/time/time.h"

namespace omnigate::runtime {

// Polls `ready` every `period` on its own thread and calls `on_change` with
// the first value and each change (to flip gRPC health and the ready gauge,
// and to log); `on_tick`, when set, runs every period too (gauges sampled at
// the same pace). Stops, and joins, on Stop() or destruction.
class ReadinessWatcher {
 public:
  ReadinessWatcher(std::function<bool()> ready, std::function<void(bool)> on_change,
                   absl::Duration period = absl::Milliseconds(100),
                   std::function<void()> on_tick = nullptr);
  ~ReadinessWatcher() { Stop(); }
  ReadinessWatcher(const ReadinessWatcher&) = delete;
  ReadinessWatcher& operator=(const ReadinessWatcher&) = delete;

  void Stop();

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace omnigate::runtime
