#include "lib/channels/meta_common.h"

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"

namespace omnigate::channels {
namespace {

constexpr char kSecret[] = "test-meta-app-secret-0001";
constexpr char kBody[] = R"({"object":"whatsapp_business_account","entry":[]})";

std::string Sign(absl::string_view body) {
  return "sha256=" + HexEncode(crypto::HmacSha256(kSecret, body));
}

absl::Status Verify(absl::string_view body, const char* signature) {
  Headers headers;
  if (signature != nullptr) headers.Add("X-Hub-Signature-256", signature);
  InboundRequest request;
  request.headers = &headers;
  request.body = body;
  return VerifyMetaSignature(request, kSecret);
}

TEST(MetaSignatureTest, AcceptsTheRightSignatureInEitherHexCase) {
  const std::string signature = Sign(kBody);
  EXPECT_TRUE(Verify(kBody, signature.c_str()).ok());
  std::string upper = signature;
  for (size_t i = 7; i < upper.size(); ++i) upper[i] = absl::ascii_toupper(upper[i]);
  EXPECT_TRUE(Verify(kBody, upper.c_str()).ok());
}

TEST(MetaSignatureTest, RejectsMissingMalformedAndMismatchedSignatures) {
  const std::string good = Sign(kBody);
  struct Case {
    const char* signature;
    const char* reason;
  } cases[] = {
      {nullptr, "signature_missing"},
      {"", "signature_missing"},
      {"sha1=abcdef", "signature_malformed"},
      {"abc", "signature_malformed"},
  };
  for (const auto& c : cases) {
    absl::Status status = Verify(kBody, c.signature);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(RejectReason(status), c.reason) << (c.signature ? c.signature : "(none)");
  }
  const std::string truncated = good.substr(0, good.size() - 2);
  EXPECT_EQ(RejectReason(Verify(kBody, truncated.c_str())), "signature_malformed");
  std::string not_hex = good;
  not_hex.back() = 'g';
  EXPECT_EQ(RejectReason(Verify(kBody, not_hex.c_str())), "signature_malformed");
  std::string flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_EQ(RejectReason(Verify(kBody, flipped.c_str())), "signature_mismatch");
  // One byte of the body changed.
  std::string body = kBody;
  body[2] = 'O';
  EXPECT_EQ(RejectReason(Verify(body, good.c_str())), "signature_mismatch");
  // Signed with another secret.
  const std::string other = "sha256=" + HexEncode(crypto::HmacSha256("other", kBody));
  EXPECT_EQ(RejectReason(Verify(kBody, other.c_str())), "signature_mismatch");
}

absl::StatusOr<HandshakeReply> Handshake(absl::string_view query, absl::string_view token) {
  InboundRequest request;
  request.method = "GET";
  request.query = query;
  return MetaHandshake(request, token);
}

TEST(MetaHandshakeTest, EchoesTheChallengeForTheRightToken) {
  auto reply =
      Handshake("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=s3cr%20t", "s3cr t");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->http_status, 200);
  EXPECT_EQ(reply->body, "1158201444");
}

TEST(MetaHandshakeTest, RefusesWrongTokenMissingParamsAndUnconfiguredToken) {
  EXPECT_EQ(Handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope", "right")
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token=", "").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Handshake("hub.mode=subscribe&hub.verify_token=right", "right").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Handshake("hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=right", "right")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Handshake("hub.mode=subscribe&hub.challenge=%zz&hub.verify_token=right", "right")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace omnigate::channels
