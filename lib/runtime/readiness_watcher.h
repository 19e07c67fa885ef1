#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace omnigate::runtime {

// Polls `ready` every `period` on its own thread and calls `on_change` with
// the first value and each change (to flip gRPC health and the ready gauge,
// and to log); `on_tick`, when set, runs every period too (gauges sampled at
// the same pace).
//
// Stop() returns at once, even while `ready` is blocked (a probe of a hung
// Redis), and no `on_change` runs after it returned, so a draining service
// can call Stop() and then report not-serving without being overruled. The
// thread is joined on destruction.
class ReadinessWatcher {
 public:
  ReadinessWatcher(std::function<bool()> ready, std::function<void(bool)> on_change,
                   absl::Duration period = absl::Milliseconds(100),
                   std::function<void()> on_tick = nullptr);
  ~ReadinessWatcher();
  ReadinessWatcher(const ReadinessWatcher&) = delete;
  ReadinessWatcher& operator=(const ReadinessWatcher&) = delete;

  void Stop();

 private:
  std::mutex mu_;  // held while on_change runs, so Stop() waits for it
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace omnigate::runtime
