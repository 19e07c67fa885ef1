#include "lib/channels/form_encoding.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/reject.h"

namespace omnigate::channels {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(FormEncodingTest, DecodesEscapesAndPlus) {
  EXPECT_EQ(*PercentDecode("a%20b+c%2Bd", true), "a b c+d");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("%E2%9C%93", true), "\xE2\x9C\x93");
}

TEST(FormEncodingTest, RejectsBadEscapes) {
  for (const char* bad : {"%", "%4", "abc%zz", "%g0"}) {
    auto decoded = PercentDecode(bad, true);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(RejectReason(decoded.status()), "form_bad_escape") << bad;
  }
}

TEST(FormEncodingTest, ParsesPairsInOrderKeepingRepeatsAndEmptyValues) {
  auto params = ParseUrlEncoded("hub.mode=subscribe&x=1&x=2&flag&empty=&&b=%3D%26");
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_THAT(*params, ElementsAre(Pair("hub.mode", "subscribe"), Pair("x", "1"), Pair("x", "2"),
                                   Pair("flag", ""), Pair("empty", ""), Pair("b", "=&")));
  ASSERT_NE(FindParam(*params, "x"), nullptr);
  EXPECT_EQ(*FindParam(*params, "x"), "1");
  EXPECT_EQ(FindParam(*params, "missing"), nullptr);
  EXPECT_TRUE(ParseUrlEncoded("")->empty());
  EXPECT_FALSE(ParseUrlEncoded("a=%2").ok());
}

}  // namespace
}  // namespace omnigate::channels
