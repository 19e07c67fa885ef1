#include "lib/webchat/token_bucket.h"

#include "gtest/gtest.h"

namespace omnigate::webchat {
namespace {

TEST(TokenBucketsTest, AllowsABurstThenRefillsAtTheRate) {
  TokenBuckets buckets(/*per_minute=*/3);
  EXPECT_TRUE(buckets.TryTake("v1", 0));
  EXPECT_TRUE(buckets.TryTake("v1", 0));
  EXPECT_TRUE(buckets.TryTake("v1", 0));
  EXPECT_FALSE(buckets.TryTake("v1", 0));
  EXPECT_EQ(buckets.RetryAfterMs("v1", 0), 20000);
  // Other keys are independent.
  EXPECT_TRUE(buckets.TryTake("v2", 0));
  // One token back every 20 s.
  EXPECT_FALSE(buckets.TryTake("v1", 19999));
  EXPECT_TRUE(buckets.TryTake("v1", 20000));
  EXPECT_FALSE(buckets.TryTake("v1", 20001));
}

TEST(TokenBucketsTest, MemoryStaysBoundedAndActiveKeysKeepTheirLimit) {
  TokenBuckets buckets(/*per_minute=*/1, /*max_keys=*/2);
  EXPECT_TRUE(buckets.TryTake("a", 0));
  EXPECT_TRUE(buckets.TryTake("b", 0));
  // Both buckets are empty (active): a third key is refused, not admitted
  // by forgetting an active one.
  EXPECT_FALSE(buckets.TryTake("c", 0));
  EXPECT_FALSE(buckets.TryTake("a", 0));
  // A minute later both are full again and may be forgotten.
  EXPECT_TRUE(buckets.TryTake("c", 60000));
}

}  // namespace
}  // namespace omnigate::webchat
