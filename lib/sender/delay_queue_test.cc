#include "lib/sender/delay_queue.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace omnigate::sender {
namespace {

TEST(DelayQueueTest, RunsTasksInDueOrderNotBefore) {
  DelayQueue q;
  std::mutex mu;
  std::vector<int> order;
  std::vector<absl::Duration> late;
  absl::Notification done;
  const absl::Time start = absl::Now();
  for (int i : {3, 1, 2}) {
    const absl::Time due = start + absl::Milliseconds(20 * i);
    q.RunAt(due, [&, i, due] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      late.push_back(absl::Now() - due);
      if (order.size() == 3) done.Notify();
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  for (absl::Duration d : late) EXPECT_GE(d, absl::ZeroDuration());
}

TEST(DelayQueueTest, StopRunsWhatIsLeftAtOnce) {
  std::atomic<int> ran{0};
  DelayQueue q;
  q.RunAt(absl::Now() + absl::Hours(1), [&] { ran.fetch_add(1); });
  const absl::Time start = absl::Now();
  q.Stop();
  EXPECT_EQ(ran.load(), 1) << "handed over means run, never dropped";
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  q.RunAt(absl::Now() + absl::Hours(1), [&] { ran.fetch_add(1); });  // after Stop: inline
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace omnigate::sender
