// RateLimiter (shared GCRA send limits and pauses) against FakeRedis, which
// runs the real Lua scripts, on a fake clock.
#include "lib/outbound/rate_limiter.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/redis/fake_redis.h"

namespace omnigate::outbound {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr int64_t kStart = 1700000000000;

class RateLimiterTest : public ::testing::Test {
 protected:
  RateDecision Reserve(RateLimiter& limiter, const std::string& connector,
                       const std::string& recipient, double rate, int burst,
                       double recipient_rate = 0, int recipient_burst = 1) {
    auto d = limiter.Reserve(connector, recipient, rate, burst, recipient_rate, recipient_burst,
                             clock_.NowMs());
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : RateDecision{RateDecision::kPaused, absl::InfiniteDuration()};
  }

  // A sender's loop: on kWait it comes back after the wait (the clock
  // moves); returns the send time of the slot it got, in ms.
  int64_t NextSlot(RateLimiter& limiter, const std::string& recipient, double rate, int burst,
                   double recipient_rate = 0, int recipient_burst = 1) {
    for (int i = 0; i < 1000; ++i) {
      const RateDecision d =
          Reserve(limiter, "wa-main", recipient, rate, burst, recipient_rate, recipient_burst);
      if (d.kind == RateDecision::kGo) {
        return clock_.NowMs() + absl::ToInt64Milliseconds(d.wait);
      }
      EXPECT_EQ(d.kind, RateDecision::kWait);
      EXPECT_GT(d.wait, absl::ZeroDuration());
      clock_.AdvanceMs(std::max<int64_t>(1, absl::ToInt64Milliseconds(d.wait)));
    }
    ADD_FAILURE() << "no slot";
    return 0;
  }

  FakeClock clock_{kStart};
  redis::FakeRedis redis_{clock_};
  RateLimiter limiter_{&redis_, clock_};
};

TEST_F(RateLimiterTest, TenPerSecondSendsTheBurstThenOneEvery100Ms) {
  std::vector<int64_t> slots;
  for (int i = 0; i < 25; ++i) slots.push_back(NextSlot(limiter_, "", 10, 5) - kStart);
  // The burst of 5 at once, then 100 ms apart.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(slots[i], 0) << i;
  for (int i = 5; i < 25; ++i) EXPECT_EQ(slots[i], (i - 4) * 100) << i;
  // So the first second after the burst admits 10.
  EXPECT_EQ(std::count_if(slots.begin() + 5, slots.end(), [](int64_t s) { return s <= 1000; }), 10);
}

TEST_F(RateLimiterTest, BeyondMaxReserveAnswersWaitAndBooksNothing) {
  for (int i = 0; i < 11; ++i) {
    const RateDecision d = Reserve(limiter_, "wa-main", "", 10, 1);
    ASSERT_EQ(d.kind, RateDecision::kGo) << i;
    EXPECT_EQ(d.wait, absl::Milliseconds(100 * i));
  }
  // The next slot is 1.1 s away: beyond the default 1 s reserve. Come back
  // when it is within reach (0.1 s), not when it is due, or slots go unused.
  for (int i = 0; i < 3; ++i) {
    const RateDecision d = Reserve(limiter_, "wa-main", "", 10, 1);
    EXPECT_EQ(d.kind, RateDecision::kWait);
    EXPECT_EQ(d.wait, absl::Milliseconds(100));
  }
  clock_.AdvanceMs(100);
  const RateDecision d = Reserve(limiter_, "wa-main", "", 10, 1);
  EXPECT_EQ(d.kind, RateDecision::kGo);
  EXPECT_EQ(d.wait, absl::Milliseconds(1000));
}

TEST_F(RateLimiterTest, TwoReplicasTogetherStayWithinTheRate) {
  RateLimiter other(&redis_, clock_);
  std::vector<int64_t> slots;
  for (int i = 0; i < 60; ++i) {
    slots.push_back(NextSlot(i % 2 == 0 ? limiter_ : other, "", 10, 3) - kStart);
  }
  std::sort(slots.begin(), slots.end());
  // Any window of w ms holds at most burst + w / interval sends.
  for (size_t i = 0; i < slots.size(); ++i) {
    for (size_t j = i; j < slots.size(); ++j) {
      const int64_t window = slots[j] - slots[i];
      EXPECT_LE(static_cast<int64_t>(j - i + 1), 3 + window / 100) << i << ".." << j;
    }
  }
  EXPECT_EQ(slots.back(), (60 - 3) * 100);  // and nothing was left unused
}

TEST_F(RateLimiterTest, RecipientLimitHoldsWhileOtherRecipientsFlow) {
  // 100/s connector, 1/s per recipient.
  EXPECT_EQ(Reserve(limiter_, "tg", "alice", 100, 10, 1, 1).kind, RateDecision::kGo);
  const RateDecision again = Reserve(limiter_, "tg", "alice", 100, 10, 1, 1);
  EXPECT_EQ(again.kind, RateDecision::kWait);
  EXPECT_EQ(again.wait, absl::Seconds(1));
  for (const char* other : {"bob", "carol", "dave"}) {
    const RateDecision d = Reserve(limiter_, "tg", other, 100, 10, 1, 1);
    EXPECT_EQ(d.kind, RateDecision::kGo) << other;
    EXPECT_EQ(d.wait, absl::ZeroDuration()) << other;
  }
  clock_.AdvanceMs(999);
  EXPECT_EQ(Reserve(limiter_, "tg", "alice", 100, 10, 1, 1).kind, RateDecision::kWait);
  clock_.AdvanceMs(1);
  EXPECT_EQ(Reserve(limiter_, "tg", "alice", 100, 10, 1, 1).kind, RateDecision::kGo);

  // Spaced 1 s apart over time.
  std::vector<int64_t> slots;
  for (int i = 0; i < 5; ++i) slots.push_back(NextSlot(limiter_, "erin", 100, 10, 1, 1));
  for (int i = 1; i < 5; ++i) EXPECT_EQ(slots[i] - slots[i - 1], 1000);
}

TEST_F(RateLimiterTest, RecipientSlotWithinTheConnectorsBookedTimeIsReserved) {
  // A connector at 2/s with its next slot 250 ms out; the recipient's (4/s)
  // is due now: the connector binds, so both are booked.
  ASSERT_EQ(Reserve(limiter_, "x", "alice", 2, 1, 4, 1).kind, RateDecision::kGo);
  clock_.AdvanceMs(250);
  const RateDecision d = Reserve(limiter_, "x", "alice", 2, 1, 4, 1);
  EXPECT_EQ(d.kind, RateDecision::kGo);
  EXPECT_EQ(d.wait, absl::Milliseconds(250));
}

TEST_F(RateLimiterTest, PauseBlocksOnlyItsScopeAndEndsOnTime) {
  ASSERT_TRUE(limiter_.Pause("wa-main", "alice", kStart + 5000, "131056").ok());
  RateDecision d = Reserve(limiter_, "wa-main", "alice", 80, 8);
  EXPECT_EQ(d.kind, RateDecision::kPaused);
  EXPECT_EQ(d.wait, absl::Seconds(5));
  EXPECT_EQ(Reserve(limiter_, "wa-main", "bob", 80, 8).kind, RateDecision::kGo);
  EXPECT_EQ(Reserve(limiter_, "wa-other", "alice", 80, 8).kind, RateDecision::kGo);
  // A shorter pause does not cut the longer one.
  ASSERT_TRUE(limiter_.Pause("wa-main", "alice", kStart + 1000, "again").ok());
  auto paused = limiter_.PausedConnectors();
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_THAT(*paused, IsEmpty());  // recipient pauses are not connector pauses

  clock_.AdvanceMs(4999);
  EXPECT_EQ(Reserve(limiter_, "wa-main", "alice", 80, 8).wait, absl::Milliseconds(1));
  clock_.AdvanceMs(1);
  EXPECT_EQ(Reserve(limiter_, "wa-main", "alice", 80, 8).kind, RateDecision::kGo);

  // Connector-wide: every recipient, and listed for the gauge.
  ASSERT_TRUE(limiter_.Pause("wa-main", "", clock_.NowMs() + 35000, "retry_after").ok());
  ASSERT_TRUE(limiter_.PauseConnector("wa-other", absl::Minutes(5), "auth 190").ok());
  d = Reserve(limiter_, "wa-main", "bob", 80, 8);
  EXPECT_EQ(d.kind, RateDecision::kPaused);
  EXPECT_EQ(d.wait, absl::Seconds(35));
  EXPECT_EQ(Reserve(limiter_, "wa-main", "", 80, 8).kind, RateDecision::kPaused);
  EXPECT_EQ(Reserve(limiter_, "wa-third", "bob", 80, 8).kind, RateDecision::kGo);
  paused = limiter_.PausedConnectors();
  ASSERT_TRUE(paused.ok()) << paused.status();
  ASSERT_EQ(paused->size(), 2u);
  EXPECT_EQ((*paused)[0].connector, "wa-main");
  EXPECT_EQ((*paused)[0].until_ms, clock_.NowMs() + 35000);
  EXPECT_EQ((*paused)[0].reason, "retry_after");
  EXPECT_EQ((*paused)[1].connector, "wa-other");
  EXPECT_EQ((*paused)[1].reason, "auth 190");

  clock_.AdvanceMs(35000);
  EXPECT_EQ(Reserve(limiter_, "wa-main", "bob", 80, 8).kind, RateDecision::kGo);
  paused = limiter_.PausedConnectors();
  ASSERT_TRUE(paused.ok());
  ASSERT_EQ(paused->size(), 1u);
  EXPECT_EQ((*paused)[0].connector, "wa-other");
  // The ended pause left the index.
  auto fields = redis_.Run({"HGETALL", std::string(kPausedConnectorsKey)});
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->size(), 2u);
}

TEST_F(RateLimiterTest, KeysShareTheConnectorsHashTagAndExpireWhenIdle) {
  EXPECT_EQ(ConnectorBucketKey("wa-main"), "omnigate:ratelimit:{wa-main}:conn");
  EXPECT_EQ(RecipientBucketKey("wa-main", "+6281"), "omnigate:ratelimit:{wa-main}:to:+6281");
  for (int i = 0; i < 3; ++i) Reserve(limiter_, "wa-main", "+6281", 10, 1, 1, 1);
  Reserve(limiter_, "wa-main", "+6282", 10, 1, 1, 1);
  EXPECT_THAT(redis_.Keys(), Contains(RecipientBucketKey("wa-main", "+6281")));
  // A little beyond the TAT, by the 1 s margin: +6281's second and third
  // sends waited (recipient-bound), so the connector booked 2 sends (0.2 s)
  // and +6282 one at 0.1 s (TAT 1.1 s).
  auto ttl = redis_.Run({"PTTL", RecipientBucketKey("wa-main", "+6282")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->integer(), 2100);
  ttl = redis_.Run({"PTTL", ConnectorBucketKey("wa-main")});
  EXPECT_EQ(ttl->integer(), 1200);
  // No rate per recipient: nothing stored for it.
  Reserve(limiter_, "wa-main", "+6283", 10, 1);
  EXPECT_THAT(redis_.Keys(), Not(Contains(RecipientBucketKey("wa-main", "+6283"))));

  ASSERT_TRUE(limiter_.Pause("wa-main", "+6281", kStart + 60000, "131056").ok());
  clock_.AdvanceMs(2500);
  EXPECT_THAT(redis_.Keys(), ElementsAre(RecipientBucketKey("wa-main", "+6281")));
  clock_.AdvanceMs(60000);
  EXPECT_THAT(redis_.Keys(), IsEmpty());
}

TEST_F(RateLimiterTest, RejectsBadInput) {
  EXPECT_EQ(limiter_.Reserve("", "a", 1, 1, 0, 1, kStart).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(limiter_.Reserve("c", "a", -1, 1, 0, 1, kStart).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(limiter_.Reserve("c", "a", 1, 1, std::nan(""), 1, kStart).status().code(),
            absl::StatusCode::kInvalidArgument);
  redis_.SetUnavailable(true);
  EXPECT_EQ(limiter_.Reserve("c", "a", 1, 1, 0, 1, kStart).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(DefaultRatesTest, PerChannel) {
  const RateDefaults wa = DefaultRates(omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(wa.connector_rate_per_s, 80);
  EXPECT_EQ(wa.connector_burst, 8);
  EXPECT_DOUBLE_EQ(wa.recipient_rate_per_s, 1.0 / 6);
  EXPECT_EQ(wa.recipient_burst, 10);
  const RateDefaults tg = DefaultRates(omnigate::v1::CHANNEL_TELEGRAM);
  EXPECT_EQ(tg.connector_rate_per_s, 30);
  EXPECT_EQ(tg.connector_burst, 3);
  EXPECT_EQ(tg.recipient_rate_per_s, 1);
  EXPECT_EQ(tg.recipient_burst, 3);
  const RateDefaults fb = DefaultRates(omnigate::v1::CHANNEL_MESSENGER);
  EXPECT_EQ(fb.connector_rate_per_s, 300);
  EXPECT_EQ(fb.recipient_rate_per_s, 0);
  const RateDefaults x = DefaultRates(omnigate::v1::CHANNEL_X);
  EXPECT_EQ(x.connector_burst, 1);
  EXPECT_EQ(DefaultRates(omnigate::v1::CHANNEL_UNSPECIFIED).connector_rate_per_s, 0);
}

}  // namespace
}  // namespace omnigate::outbound
