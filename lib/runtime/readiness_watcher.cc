#include "lib/runtime/readiness_watcher.h"

#include "absl/time/clock.h"
#include "lib/common/log.h"

namespace omnigate::runtime {

ReadinessWatcher::ReadinessWatcher(std::function<bool()> ready, std::function<void(bool)> on_change,
                                   absl::Duration period, std::function<void()> on_tick) {
  thread_ = std::thread([this, ready = std::move(ready), on_change = std::move(on_change), period,
                         on_tick = std::move(on_tick)] {
    bool last = false;
    bool first = true;
    while (!stop_.load()) {
      if (on_tick) on_tick();
      const bool now = ready();
      if (first || now != last) {
        on_change(now);
        if (!first) OG_LOG(INFO) << (now ? "ready" : "not ready");
        last = now;
        first = false;
      }
      absl::SleepFor(period);
    }
  });
}

void ReadinessWatcher::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace omnigate::runtime
