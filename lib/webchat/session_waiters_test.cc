#include "lib/webchat/session_waiters.h"

#include <atomic>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace omnigate::webchat {
namespace {

TEST(SessionWaitersTest, NotifyWakesOnlyThatSessionOnce) {
  SessionWaiters waiters;
  std::atomic<int> a{0}, b{0};
  waiters.Add("c:a", absl::InfiniteFuture(), [&](bool notified) { a += notified ? 1 : 100; });
  waiters.Add("c:b", absl::InfiniteFuture(), [&](bool notified) { b += notified ? 1 : 100; });
  waiters.Notify("c:a");
  waiters.Notify("c:a");
  EXPECT_EQ(a.load(), 1);
  EXPECT_EQ(b.load(), 0);
  EXPECT_EQ(waiters.size(), 1u);
}

TEST(SessionWaitersTest, DeadlineFiresNotNotified) {
  SessionWaiters waiters;
  std::atomic<int> fired{-1};
  waiters.Add("c:a", absl::Now() + absl::Milliseconds(50),
              [&](bool notified) { fired = notified ? 1 : 0; });
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (fired.load() < 0 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(fired.load(), 0);
}

TEST(SessionWaitersTest, RemovedWaitersNeverFire) {
  SessionWaiters waiters;
  bool fired = false;
  const uint64_t id = waiters.Add("c:a", absl::InfiniteFuture(), [&](bool) { fired = true; });
  EXPECT_TRUE(waiters.Remove(id));
  EXPECT_FALSE(waiters.Remove(id));
  waiters.NotifyAll();
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace omnigate::webchat
