#include "lib/common/reject.h"

#include "gtest/gtest.h"

namespace omnigate {
namespace {

TEST(RejectTest, CarriesReasonCodeAndDetail) {
  const absl::Status status =
      Malformed("missing_required_field:MessageSid", "form has no MessageSid");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RejectReason(status), "missing_required_field:MessageSid");
  EXPECT_EQ(status.message(), "missing_required_field:MessageSid: form has no MessageSid");
  EXPECT_EQ(ReasonFamily(RejectReason(status)), "missing_required_field");
}

TEST(RejectTest, FallsBackToTheCodeName) {
  EXPECT_EQ(RejectReason(absl::UnavailableError("redis down")), "unavailable");
  EXPECT_EQ(RejectReason(absl::OkStatus()), "");
  EXPECT_EQ(ReasonFamily("json_trailing_data"), "json_trailing_data");
}

}  // namespace
}  // namespace omnigate
