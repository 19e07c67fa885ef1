#include "lib/runtime/readiness_watcher.h"

#include "lib/common/log.h"

namespace omnigate::runtime {

ReadinessWatcher::ReadinessWatcher(std::function<bool()> ready, std::function<void(bool)> on_change,
                                   absl::Duration period, std::function<void()> on_tick) {
  thread_ = std::thread([this, ready = std::move(ready), on_change = std::move(on_change), period,
                         on_tick = std::move(on_tick)] {
    bool last = false;
    bool first = true;
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      if (on_tick) on_tick();
      const bool now = ready();  // may block: not under the lock
      lock.lock();
      if (stop_) break;
      if (first || now != last) {
        on_change(now);
        if (!first) OG_LOG(INFO) << (now ? "ready" : "not ready");
        last = now;
        first = false;
      }
      cv_.wait_for(lock, absl::ToChronoNanoseconds(period), [this] { return stop_; });
    }
  });
}

ReadinessWatcher::~ReadinessWatcher() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void ReadinessWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

}  // namespace omnigate::runtime
