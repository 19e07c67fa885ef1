#include "lib/runtime/readiness_watcher.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/wait.h"

namespace omnigate::runtime {
namespace {

using omnigate::testing::WaitFor;

TEST(ReadinessWatcherTest, ReportsTheFirstValueAndEachChange) {
  std::atomic<bool> ready{true};
  std::mutex mu;
  std::vector<bool> seen;
  ReadinessWatcher watcher([&] { return ready.load(); },
                           [&](bool now) {
                             std::lock_guard<std::mutex> lock(mu);
                             seen.push_back(now);
                           },
                           absl::Milliseconds(1));
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size();
  };
  ASSERT_TRUE(WaitFor([&] { return count() == 1; }, absl::Seconds(5), absl::Milliseconds(1)));
  absl::SleepFor(absl::Milliseconds(20));  // unchanged: no more calls
  EXPECT_EQ(count(), 1u);
  ready.store(false);
  ASSERT_TRUE(WaitFor([&] { return count() == 2; }, absl::Seconds(5), absl::Milliseconds(1)));
  ready.store(true);
  ASSERT_TRUE(WaitFor([&] { return count() == 3; }, absl::Seconds(5), absl::Milliseconds(1)));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen, (std::vector<bool>{true, false, true}));
}

// A draining service calls Stop() and then reports not-serving; a probe that
// was blocked (a hung Redis) must neither delay Stop() nor overrule it.
TEST(ReadinessWatcherTest, StopReturnsWhileTheProbeBlocksAndNothingIsReportedAfter) {
  std::atomic<int> probes{0};
  std::atomic<int> changes_after_stop{0};
  std::atomic<bool> stopped{false};
  absl::Notification release;
  ReadinessWatcher watcher(
      [&] {
        if (probes.fetch_add(1) == 0) return false;  // first value: not ready
        release.WaitForNotification();               // then blocks, and comes back ready
        return true;
      },
      [&](bool) {
        if (stopped.load()) changes_after_stop.fetch_add(1);
      },
      absl::Milliseconds(1));
  ASSERT_TRUE(WaitFor([&] { return probes.load() == 2; }, absl::Seconds(5),
                      absl::Milliseconds(1)));  // the second probe is blocked
  const absl::Time start = absl::Now();
  watcher.Stop();
  stopped.store(true);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500)) << "Stop must not wait for the probe";
  release.Notify();  // the probe returns "ready": a change, but after Stop()
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(changes_after_stop.load(), 0);
}

}  // namespace
}  // namespace omnigate::runtime
