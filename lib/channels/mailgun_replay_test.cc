// Mailgun signing-token replay: each token is accepted once within the
// timestamp window (Mailgun's "Securing Webhooks": cache the token).

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/channels/email_adapter.h"
#include "lib/channels/redis_replay_guard.h"
#include "lib/common/clock.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"
#include "lib/redis/fake_redis.h"

namespace omnigate::channels {
namespace {

constexpr char kKey[] = "key-test-mailgun-signing-0000000001";
constexpr int64_t kNowSeconds = 1770920772;

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "email-mailgun";
  settings.channel = omnigate::v1::CHANNEL_EMAIL;
  settings.provider = "mailgun";
  settings.secret = kKey;
  return settings;
}

// A routes forward() post signed as Mailgun signs it.
std::string SignedForm(const std::string& token, int64_t timestamp, const std::string& key = kKey) {
  const std::string t = absl::StrCat(timestamp);
  return absl::StrCat("sender=rina%40example.com&recipient=support%40shop.example.com",
                      "&subject=Order&body-plain=Hi&timestamp=", t, "&token=", token,
                      "&signature=", HexEncode(crypto::HmacSha256(key, t + token)));
}

class MailgunReplayTest : public ::testing::Test {
 protected:
  absl::Status Authenticate(const std::string& body) {
    InboundRequest request;
    request.headers = &headers_;
    request.body = body;
    return adapter_.Authenticate(request);
  }

  FakeClock clock_{kNowSeconds * 1000};
  redis::FakeRedis redis_{clock_};
  RedisReplayGuard guard_{&redis_};
  EmailAdapter adapter_{Settings(), clock_, {&guard_}};
  Headers headers_;
};

TEST_F(MailgunReplayTest, ATokenIsAcceptedOnceWithinTheWindow) {
  const std::string token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123";
  const std::string body = SignedForm(token, kNowSeconds);
  EXPECT_TRUE(Authenticate(body).ok());
  const absl::Status again = Authenticate(body);
  EXPECT_EQ(again.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(RejectReason(again), "signature_replayed");
  // Kept for the rest of the window: 300 s after the timestamp (+1).
  auto ttl = redis_.Run({"TTL", "omnigate:mgtoken:" + token});
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->integer(), 301);
}

// The pipeline could not store the request and answered 503: Mailgun's
// retry carries the same token and must be let in.
TEST_F(MailgunReplayTest, ATokenForgottenAfterAFailedStoreIsAcceptedAgain) {
  const std::string token = "f1b5477167110d68991efc6b9f89f0a11066af27834600e456";
  const std::string body = SignedForm(token, kNowSeconds);
  ASSERT_TRUE(Authenticate(body).ok());
  InboundRequest request;
  request.headers = &headers_;
  request.body = body;
  adapter_.ForgetAuthentication(request);
  EXPECT_TRUE(Authenticate(body).ok());
  EXPECT_EQ(RejectReason(Authenticate(body)), "signature_replayed");
}

TEST_F(MailgunReplayTest, OtherTokensAndOlderTimestampsAreIndependent) {
  EXPECT_TRUE(
      Authenticate(SignedForm("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829", kNowSeconds))
          .ok());
  EXPECT_TRUE(
      Authenticate(SignedForm("f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778", kNowSeconds))
          .ok());
  // A timestamp 200 s old leaves 101 s of window to remember the token for.
  const std::string token = "0123456789abcdef0123456789abcdef0123456789abcdef01";
  EXPECT_TRUE(Authenticate(SignedForm(token, kNowSeconds - 200)).ok());
  EXPECT_EQ(redis_.Run({"TTL", "omnigate:mgtoken:" + token})->integer(), 101);
  // Once the window is over the timestamp is stale anyway.
  clock_.AdvanceMs(102 * 1000);
  EXPECT_EQ(RejectReason(Authenticate(SignedForm(token, kNowSeconds - 200))),
            "signature_stale_timestamp");
}

TEST_F(MailgunReplayTest, ForgedOrMalformedRequestsDoNotBurnTokens) {
  const std::string token = "99999999999999999999999999999999999999999999999999";
  EXPECT_EQ(RejectReason(Authenticate(SignedForm(token, kNowSeconds, "wrong-key"))),
            "signature_mismatch");
  EXPECT_EQ(redis_.Run({"EXISTS", "omnigate:mgtoken:" + token})->integer(), 0);
  EXPECT_EQ(RejectReason(Authenticate(SignedForm(std::string(300, 'a'), kNowSeconds))),
            "signature_malformed");
  EXPECT_EQ(RejectReason(Authenticate("timestamp=1&token=x")), "signature_missing");
  // The genuine request still goes through once.
  EXPECT_TRUE(Authenticate(SignedForm(token, kNowSeconds)).ok());
}

// Redis cannot answer: refused (Mailgun retries), never let through.
class DownRedis final : public redis::RedisClient {
 public:
  absl::StatusOr<redis::RedisReply> Run(const redis::RedisCommand&) override {
    return absl::UnavailableError("connection refused");
  }
  absl::StatusOr<std::vector<redis::RedisReply>> RunPipeline(
      const std::vector<redis::RedisCommand>&) override {
    return absl::UnavailableError("connection refused");
  }
};

TEST(MailgunReplayDownTest, AnUnavailableStoreFailsClosed) {
  FakeClock clock(kNowSeconds * 1000);
  DownRedis redis;
  RedisReplayGuard guard(&redis);
  EmailAdapter adapter(Settings(), clock, {&guard});
  const std::string body =
      SignedForm("e0b5477167110d68991efc6b9f89f0a11066af27834600e123", kNowSeconds);
  InboundRequest request;
  request.body = body;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "replay_check_unavailable");
}

TEST(MailgunReplayDownTest, WithoutAGuardOnlyTheWindowApplies) {
  FakeClock clock(kNowSeconds * 1000);
  EmailAdapter adapter(Settings(), clock);
  const std::string body =
      SignedForm("e0b5477167110d68991efc6b9f89f0a11066af27834600e123", kNowSeconds);
  InboundRequest request;
  request.body = body;
  EXPECT_TRUE(adapter.Authenticate(request).ok());
  EXPECT_TRUE(adapter.Authenticate(request).ok());
}

}  // namespace
}  // namespace omnigate::channels
