#include "lib/crypto/hmac.h"

#include "gtest/gtest.h"
#include "lib/common/encoding.h"

namespace omnigate::crypto {
namespace {

// RFC 4231 test case 2 and RFC 2202 test case 2.
TEST(HmacTest, MatchesPublishedVectors) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HmacTest, SignsAFixtureBodyLikeMeta) {
  // whatsapp__text_basic.json as signed by the fixture README's app secret.
  const std::string body =
      R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"12025550100","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Dana Whitfield"},"wa_id":"12025550143"}],"messages":[{"from":"12025550143","id":"wamid.FQIAEhgUN0I4NTc0QzY1OUQxREM3RDRENTMA","timestamp":"1770091506","type":"text","text":{"body":"Hi, is my order INV-2026-0042 shipped yet?"}}]},"field":"messages"}]}]})";
  EXPECT_EQ(HexEncode(HmacSha256("test-meta-app-secret-0001", body)),
            "a423320babfa18eaa57e5e46c9db698e36504d860f66e6000ef9b4b035b845ac");
}

TEST(ConstantTimeEqualsTest, ComparesWholeValues) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", ""));  // an empty signature never matches
}

}  // namespace
}  // namespace omnigate::crypto
