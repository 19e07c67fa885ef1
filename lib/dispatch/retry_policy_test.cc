#include "lib/dispatch/retry_policy.h"

#include "gtest/gtest.h"

namespace omnigate::dispatch {
namespace {

TEST(RetryPolicyTest, TransientCodesRetryAndRefusalsDeadLetter) {
  for (auto code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
                    grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::ABORTED}) {
    EXPECT_EQ(ActionFor(code), FailureAction::kRetry) << CodeName(code);
  }
  for (auto code : {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::FAILED_PRECONDITION,
                    grpc::StatusCode::NOT_FOUND, grpc::StatusCode::PERMISSION_DENIED,
                    grpc::StatusCode::UNIMPLEMENTED}) {
    EXPECT_EQ(ActionFor(code), FailureAction::kDeadLetter) << CodeName(code);
  }
}

TEST(RetryPolicyTest, BackoffDoublesUpToTheCapWithJitterInTheUpperHalf) {
  BackoffPolicy policy(absl::Milliseconds(100), absl::Seconds(1));
  EXPECT_EQ(policy.Ceiling(1), absl::Milliseconds(100));
  EXPECT_EQ(policy.Ceiling(2), absl::Milliseconds(200));
  EXPECT_EQ(policy.Ceiling(4), absl::Milliseconds(800));
  EXPECT_EQ(policy.Ceiling(5), absl::Seconds(1));
  EXPECT_EQ(policy.Ceiling(60), absl::Seconds(1));  // no overflow on long outages
  absl::BitGen rng;
  absl::Duration lowest = absl::InfiniteDuration(), highest = absl::ZeroDuration();
  for (int i = 0; i < 2000; ++i) {
    const absl::Duration d = policy.Delay(3, rng);
    ASSERT_GE(d, absl::Milliseconds(200));
    ASSERT_LE(d, absl::Milliseconds(400));
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  // Jitter actually spreads the delays.
  EXPECT_LT(lowest, absl::Milliseconds(220));
  EXPECT_GT(highest, absl::Milliseconds(380));
}

TEST(RetryPolicyTest, CodeNamesAreStableLabels) {
  EXPECT_STREQ(CodeName(grpc::StatusCode::OK), "ok");
  EXPECT_STREQ(CodeName(grpc::StatusCode::UNAVAILABLE), "unavailable");
  EXPECT_STREQ(CodeName(static_cast<grpc::StatusCode>(99)), "other");
}

}  // namespace
}  // namespace omnigate::dispatch
