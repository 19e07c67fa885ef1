#include "lib/runtime/readiness_watcher.h"

#include "absl/time/clock.h"
#include "lib/common/log.h"

namespace omnigate::runtime {

ReadinessWatcher::ReadinessWatcher(std::function<bool()> ready, std::function<void(bool)> on_change,
                                   absl::Duration period) {
  thread_ = std::thread([this, ready = std::move(ready), on_change = std::move(on_change), period] {
    bool last = false;
    bool first = true;
    while (!stop_.load()) {
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
