// RateLimiter against a real redis-server: two sender replicas on their own
// connections book slots concurrently and together keep the connector's
// rate; pauses and key expiry work with real PEXPIRE.

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/outbound/rate_limiter.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/redis_url.h"
#include "tests/support/redis_test.h"

namespace omnigate::outbound {
namespace {

class RateLimiterRedisTest : public testing::RedisTest {
 protected:
  std::unique_ptr<redis::ConnectionPool> Pool() {
    auto endpoint = redis::ParseRedisUrl(redis_->url());
    EXPECT_TRUE(endpoint.ok()) << endpoint.status();
    return std::make_unique<redis::ConnectionPool>(*endpoint, absl::Seconds(1), absl::Seconds(5));
  }

  int64_t Pttl(const std::string& key) {
    auto out = redis_->Cli({"PTTL", key});
    int64_t ttl = -3;
    if (out.ok() && absl::SimpleAtoi(*out, &ttl)) return ttl;
    ADD_FAILURE() << "PTTL " << key;
    return -3;
  }
};

TEST_F(RateLimiterRedisTest, TwoReplicasBookOneHundredSlotsAtTenPerSecond) {
  // Slots are computed from the returned waits at one instant, so the
  // reservation horizon must hold them all: 100 at 10/s is 9.9 s.
  RateLimiterOptions options;
  options.max_reserve = absl::Seconds(15);
  auto pool_a = Pool();
  auto pool_b = Pool();
  RateLimiter a(pool_a.get(), SystemClock::Get(), options);
  RateLimiter b(pool_b.get(), SystemClock::Get(), options);
  const int64_t now = SystemClock::Get().NowMs();

  std::vector<int64_t> slots_a;
  std::vector<int64_t> slots_b;
  auto book = [now](RateLimiter* limiter, std::vector<int64_t>* slots) {
    for (int i = 0; i < 50; ++i) {
      auto d = limiter->Reserve("wa-main", "", 10, 1, 0, 1, now);
      ASSERT_TRUE(d.ok()) << d.status();
      ASSERT_EQ(d->kind, RateDecision::kGo);
      slots->push_back(absl::ToInt64Microseconds(d->wait));
    }
  };
  std::thread ta(book, &a, &slots_a);
  std::thread tb(book, &b, &slots_b);
  ta.join();
  tb.join();
  ASSERT_EQ(slots_a.size(), 50u);
  ASSERT_EQ(slots_b.size(), 50u);

  std::vector<int64_t> slots = slots_a;
  slots.insert(slots.end(), slots_b.begin(), slots_b.end());
  std::sort(slots.begin(), slots.end());
  // Every slot once, 100 ms apart: the replicas share one schedule.
  for (size_t i = 0; i < slots.size(); ++i) {
    EXPECT_EQ(slots[i], static_cast<int64_t>(i) * 100000) << i;
  }
  // The horizon is full: the next one is 10 s out.
  auto next = a.Reserve("wa-main", "", 10, 1, 0, 1, now);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->wait, absl::Seconds(10));
  // The bucket lives a little beyond its TAT (10 s + 1 s margin).
  const int64_t ttl = Pttl(ConnectorBucketKey("wa-main"));
  EXPECT_GT(ttl, 9000);
  EXPECT_LE(ttl, 11100);
}

TEST_F(RateLimiterRedisTest, PausesAreSharedAndKeysExpire) {
  auto pool_a = Pool();
  auto pool_b = Pool();
  RateLimiterOptions options;
  options.expiry_margin = absl::Milliseconds(200);
  RateLimiter a(pool_a.get(), SystemClock::Get(), options);
  RateLimiter b(pool_b.get(), SystemClock::Get(), options);

  const int64_t now = SystemClock::Get().NowMs();
  ASSERT_TRUE(a.Pause("tg", "chat-1", now + 300, "retry_after").ok());
  ASSERT_TRUE(a.PauseConnector("tg-other", absl::Milliseconds(300), "401").ok());
  auto d = b.Reserve("tg", "chat-1", 30, 3, 1, 3, SystemClock::Get().NowMs());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->kind, RateDecision::kPaused);
  EXPECT_GT(d->wait, absl::ZeroDuration());
  EXPECT_LE(d->wait, absl::Milliseconds(300));
  d = b.Reserve("tg", "chat-2", 30, 3, 1, 3, SystemClock::Get().NowMs());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, RateDecision::kGo);
  d = b.Reserve("tg-other", "chat-2", 30, 3, 1, 3, SystemClock::Get().NowMs());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, RateDecision::kPaused);
  auto paused = b.PausedConnectors();
  ASSERT_TRUE(paused.ok()) << paused.status();
  ASSERT_EQ(paused->size(), 1u);
  EXPECT_EQ((*paused)[0].connector, "tg-other");
  EXPECT_EQ((*paused)[0].reason, "401");

  // Past the pauses and the margin, the buckets are gone.
  absl::SleepFor(absl::Milliseconds(1500));
  d = b.Reserve("tg-other", "chat-2", 30, 3, 1, 3, SystemClock::Get().NowMs());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, RateDecision::kGo);
  paused = b.PausedConnectors();
  ASSERT_TRUE(paused.ok());
  EXPECT_TRUE(paused->empty());
  EXPECT_EQ(Pttl(RecipientBucketKey("tg", "chat-1")), -2);
  EXPECT_EQ(Pttl(RecipientBucketKey("tg", "chat-2")), -2);
  EXPECT_EQ(Pttl(ConnectorBucketKey("tg")), -2);
  EXPECT_GT(Pttl(ConnectorBucketKey("tg-other")), 0);  // just booked
}

}  // namespace
}  // namespace omnigate::outbound
