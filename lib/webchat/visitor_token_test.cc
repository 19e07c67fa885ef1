#include "lib/webchat/visitor_token.h"

#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"
#include "lib/webchat/base64url.h"

namespace omnigate::webchat {
namespace {

constexpr char kSecret[] = "site-secret";
constexpr int64_t kNow = 1765000000;
constexpr int64_t kDay = 24 * 3600;

VisitorClaims Dewi() {
  VisitorClaims c;
  c.site = "shop";
  c.visitor_id = "cust-42";
  c.name = "Dewi";
  c.email = "dewi@example.com";
  c.expires_at_s = kNow + 3600;
  return c;
}

std::string Reason(const absl::StatusOr<VisitorClaims>& r) { return RejectReason(r.status()); }

TEST(VisitorTokenTest, RoundTripsTheClaims) {
  auto claims = VerifyVisitorToken(SignVisitorToken(Dewi(), kSecret), kSecret, "shop", kNow, kDay);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->visitor_id, "cust-42");
  EXPECT_EQ(claims->name, "Dewi");
  EXPECT_EQ(claims->email, "dewi@example.com");
  EXPECT_FALSE(claims->anonymous);
}

// What the README tells a site's backend to do, step by step.
TEST(VisitorTokenTest, AcceptsATokenBuiltByTheReadmeRecipe) {
  const std::string payload =
      Base64UrlEncode(R"({"site":"shop","sub":"cust-7","name":"Budi","exp":1765003600})");
  const std::string token = payload + "." + HexEncode(crypto::HmacSha256(kSecret, payload));
  auto claims = VerifyVisitorToken(token, kSecret, "shop", kNow, kDay);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->visitor_id, "cust-7");
}

TEST(VisitorTokenTest, RefusesWithAReasonEach) {
  const std::string good = SignVisitorToken(Dewi(), kSecret);
  EXPECT_EQ(Reason(VerifyVisitorToken(good, "other-secret", "shop", kNow, kDay)),
            "token_signature_mismatch");
  EXPECT_EQ(Reason(VerifyVisitorToken(good, kSecret, "other-site", kNow, kDay)),
            "token_wrong_site");
  EXPECT_EQ(Reason(VerifyVisitorToken(good, kSecret, "shop", kNow + 3600, kDay)), "token_expired");
  EXPECT_EQ(Reason(VerifyVisitorToken(good, kSecret, "shop", kNow, 60)), "token_lifetime_too_long");
  EXPECT_EQ(Reason(VerifyVisitorToken("", kSecret, "shop", kNow, kDay)), "token_malformed");
  EXPECT_EQ(Reason(VerifyVisitorToken("abc", kSecret, "shop", kNow, kDay)), "token_malformed");
  // A changed payload with the old MAC.
  std::string tampered = good;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Reason(VerifyVisitorToken(tampered, kSecret, "shop", kNow, kDay)),
            "token_signature_mismatch");
  // Signed, but the visitor id could break keys.
  VisitorClaims bad = Dewi();
  bad.visitor_id = "a:b";
  EXPECT_EQ(Reason(VerifyVisitorToken(SignVisitorToken(bad, kSecret), kSecret, "shop", kNow, kDay)),
            "token_malformed");
}

TEST(VisitorTokenTest, SafeIds) {
  EXPECT_TRUE(IsSafeId("anon-0190a1b2-c3d4"));
  EXPECT_TRUE(IsSafeId("dewi@example.com"));
  EXPECT_FALSE(IsSafeId(""));
  EXPECT_FALSE(IsSafeId("a b"));
  EXPECT_FALSE(IsSafeId("x{y}"));
  EXPECT_FALSE(IsSafeId(std::string(129, 'a')));
}

TEST(Base64UrlTest, RoundTripsWithoutPadding) {
  for (const std::string s : {"", "f", "fo", "foo", "\xff\xfe\xfd?>"}) {
    const std::string encoded = Base64UrlEncode(s);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(Base64UrlDecode(encoded).value_or("<bad>"), s);
  }
  EXPECT_FALSE(Base64UrlDecode("a+b/").has_value());
}

}  // namespace
}  // namespace omnigate::webchat
