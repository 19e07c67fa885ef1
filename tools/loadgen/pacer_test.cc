#include "tools/loadgen/pacer.h"

#include "gtest/gtest.h"

namespace omnigate::loadgen {
namespace {

using std::chrono::milliseconds;

TEST(PacerTest, DueTimesAreEvenlySpacedFromStart) {
  const Pacer::Clock::time_point start{};
  Pacer p(1000, start);  // one per ms
  EXPECT_EQ(p.DueTime(0), start);
  EXPECT_EQ(p.DueTime(1), start + milliseconds(1));
  EXPECT_EQ(p.DueTime(2500), start + milliseconds(2500));
}

TEST(PacerTest, DueCountDoesNotDependOnHowLateWeLook) {
  const Pacer::Clock::time_point start{};
  Pacer p(200, start);  // one per 5 ms
  EXPECT_EQ(p.DueCount(start - milliseconds(1)), 0);
  EXPECT_EQ(p.DueCount(start), 1);
  EXPECT_EQ(p.DueCount(start + milliseconds(4)), 1);
  EXPECT_EQ(p.DueCount(start + milliseconds(5)), 2);
  // A sender that stalled for a second owes every request of that second.
  EXPECT_EQ(p.DueCount(start + milliseconds(1000)), 201);
}

TEST(PacerTest, DueCountAndDueTimeAgree) {
  const Pacer::Clock::time_point start{};
  Pacer p(7777, start);
  for (int64_t i = 0; i < 20000; i += 37) {
    EXPECT_GE(p.DueCount(p.DueTime(i)), i) << i;
    EXPECT_LE(p.DueCount(p.DueTime(i)), i + 1) << i;
  }
}

}  // namespace
}  // namespace omnigate::loadgen
