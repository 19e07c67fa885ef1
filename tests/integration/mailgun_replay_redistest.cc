// Mailgun token replay against a real redis-server: the claim is one
// SET NX EX, shared by every ingest replica, and expires with the window.

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/channels/email_adapter.h"
#include "lib/channels/redis_adapter_services.h"
#include "lib/channels/redis_replay_guard.h"
#include "lib/common/clock.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"
#include "lib/redis/connection_pool.h"
#include "tests/support/redis_test.h"

namespace omnigate::channels {
namespace {

constexpr char kKey[] = "key-test-mailgun-signing-0000000001";

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "email-mailgun";
  settings.channel = omnigate::v1::CHANNEL_EMAIL;
  settings.provider = "mailgun";
  settings.secret = kKey;
  return settings;
}

class MailgunReplayRedisTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_unique<redis::ConnectionPool>(*redis::ParseRedisUrl(redis_->url()),
                                                    absl::Seconds(1), absl::Seconds(2));
    guard_ = std::make_unique<RedisReplayGuard>(pool_.get());
  }

  absl::Status Post(const EmailAdapter& adapter, const std::string& token) {
    const std::string t = absl::StrCat(clock_.NowMs() / 1000);
    const std::string body = absl::StrCat(
        "sender=a%40example.com&recipient=b%40example.com&body-plain=x&timestamp=", t,
        "&token=", token, "&signature=", HexEncode(crypto::HmacSha256(kKey, t + token)));
    InboundRequest request;
    request.body = body;
    return adapter.Authenticate(request);
  }

  const Clock& clock_ = SystemClock::Get();
  std::unique_ptr<redis::ConnectionPool> pool_;
  std::unique_ptr<RedisReplayGuard> guard_;
};

TEST_F(MailgunReplayRedisTest, TwoReplicasShareTheTokens) {
  EmailAdapter first(Settings(), clock_, {guard_.get()});
  EmailAdapter second(Settings(), clock_, {guard_.get()});
  const std::string token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123";
  EXPECT_TRUE(Post(first, token).ok());
  EXPECT_EQ(RejectReason(Post(second, token)), "signature_replayed");
  EXPECT_TRUE(Post(second, "another-token-0000000000000000000000000000000000000").ok());
  const std::string ttl = *redis_->Cli({"TTL", "omnigate:mgtoken:" + token});
  int64_t seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ttl, &seconds)) << ttl;
  EXPECT_GT(seconds, 295);
  EXPECT_LE(seconds, 301);
}

TEST_F(MailgunReplayRedisTest, ExpiredClaimsAreForgotten) {
  ASSERT_TRUE(guard_->Claim("omnigate:mgtoken:short", absl::Seconds(1)).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(guard_->Claim("omnigate:mgtoken:short", absl::Seconds(1))));
  absl::SleepFor(absl::Milliseconds(2100));
  EXPECT_TRUE(guard_->Claim("omnigate:mgtoken:short", absl::Seconds(1)).ok());
}

TEST_F(MailgunReplayRedisTest, RedisGoneFailsClosed) {
  EmailAdapter adapter(Settings(), clock_, {guard_.get()});
  redis_.reset();  // stops the server
  EXPECT_EQ(RejectReason(Post(adapter, "zzzz")), "replay_check_unavailable");
}

// What omnigate-ingest wires in (services/ingest/main.cc): both services over
// one pool, reaching the same Redis.
TEST_F(MailgunReplayRedisTest, AdapterServicesForIngestReachRedis) {
  redis::ConnectionPool pool(*redis::ParseRedisUrl(redis_->url()), absl::Seconds(2),
                             absl::Seconds(2));
  RedisAdapterServices wired(&pool);
  AdapterServices services = wired.services();
  ASSERT_NE(services.replay_guard, nullptr);
  ASSERT_NE(services.attachment_store, nullptr);
  EXPECT_TRUE(services.replay_guard->Claim("omnigate:mgtoken:wired", absl::Seconds(5)).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(
      services.replay_guard->Claim("omnigate:mgtoken:wired", absl::Seconds(5))));
  auto ref = services.attachment_store->Put("file bytes", absl::Seconds(30));
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(*redis_->Cli({"GET", "omnigate:attachment:" + *ref}), "file bytes");
}

}  // namespace
}  // namespace omnigate::channels
