// Every generated webhook must pass the real adapter's signature check and
// normalize to exactly one event with a unique id: otherwise the load test
// would measure 401s or dedupe hits instead of the ingest path.

#include "tools/loadgen/payloads.h"

#include <set>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/channels/adapter.h"
#include "lib/common/clock.h"

namespace omnigate::loadgen {
namespace {

using omnigate::v1::Channel;

struct Case {
  Channel channel;
  const char* secret;
  const char* provider = "";  // e-mail only
};

class PayloadSigningTest : public ::testing::TestWithParam<Case> {};

TEST_P(PayloadSigningTest, RealAdapterAcceptsAndNormalizesOneEvent) {
  const Case c = GetParam();
  connectors::ConnectorSettings settings;
  settings.name = "load";
  settings.channel = c.channel;
  settings.secret = c.secret;
  settings.public_url = "https://hooks.example.com/webhooks/load";
  settings.account_id = "acct-load";
  settings.provider = c.provider;
  auto adapter = channels::CreateAdapter(settings, SystemClock::Get());
  ASSERT_TRUE(adapter.ok()) << adapter.status();

  WebhookSpec spec;
  spec.channel = c.channel;
  spec.secret = c.secret;
  spec.public_url = settings.public_url;
  spec.run_id = "t1";
  spec.text_bytes = 100;
  std::set<std::string> keys;
  for (int64_t seq : {0, 1, 999}) {
    auto request = BuildWebhook(spec, seq, absl::ToUnixSeconds(absl::Now()));
    ASSERT_TRUE(request.ok()) << request.status();
    Headers headers;
    headers.Add("Content-Type", request->content_type);
    for (const auto& [name, value] : request->headers) headers.Add(name, value);
    channels::InboundRequest inbound;
    inbound.headers = &headers;
    inbound.body = request->body;
    inbound.query = request->query;
    ASSERT_TRUE((*adapter)->Authenticate(inbound).ok()) << (*adapter)->Authenticate(inbound) << "\n"
                                                        << request->body;
    channels::NormalizeResult result;
    ASSERT_TRUE((*adapter)->Normalize(inbound, &result).ok())
        << (*adapter)->Normalize(inbound, &result) << "\n"
        << request->body;
    ASSERT_EQ(result.events.size(), 1u) << request->body;
    EXPECT_TRUE(result.events[0].has_text()) << result.events[0].DebugString();
    keys.insert(result.events[0].idempotency_key());

    // A wrong secret must be refused: the signature really covers the body.
    WebhookSpec wrong = spec;
    wrong.secret = "not-the-secret";
    auto forged = BuildWebhook(wrong, seq, absl::ToUnixSeconds(absl::Now()));
    ASSERT_TRUE(forged.ok());
    Headers forged_headers;
    for (const auto& [name, value] : forged->headers) forged_headers.Add(name, value);
    inbound.headers = &forged_headers;
    inbound.body = forged->body;
    EXPECT_FALSE((*adapter)->Authenticate(inbound).ok());
  }
  EXPECT_EQ(keys.size(), 3u) << "idempotency keys must differ per sequence number";
}

INSTANTIATE_TEST_SUITE_P(
    Channels, PayloadSigningTest,
    ::testing::Values(
        Case{omnigate::v1::CHANNEL_WHATSAPP, "test-meta-app-secret-0001"},
        Case{omnigate::v1::CHANNEL_MESSENGER, "test-meta-app-secret-0001"},
        Case{omnigate::v1::CHANNEL_INSTAGRAM, "test-meta-app-secret-0001"},
        Case{omnigate::v1::CHANNEL_TELEGRAM, "test_tg_secret_Token-001"},
        Case{omnigate::v1::CHANNEL_LINE, "00112233445566778899aabbccddeeff"},
        Case{omnigate::v1::CHANNEL_TWILIO, "feedfacefeedfacefeedfacefeedface"},
        Case{omnigate::v1::CHANNEL_VIBER, "1a2b3c4d5e6f7a8b-1a2b3c4d5e6f7a8b-testtesttesttest"},
        Case{omnigate::v1::CHANNEL_X, "test_x_consumer_secret_000000000000000000000000001"},
        Case{omnigate::v1::CHANNEL_WEBCHAT, "test-webchat-signing-secret"},
        Case{omnigate::v1::CHANNEL_EMAIL, "key-test-mailgun-signing-0000000001", "mailgun"}));

TEST(BuildEventTest, UniqueIdsAndStableConversations) {
  auto a = BuildEvent("r", 1, 10, 32);
  auto b = BuildEvent("r", 11, 10, 32);
  EXPECT_NE(a.external_id(), b.external_id());
  EXPECT_EQ(a.conversation_key(), b.conversation_key());
  EXPECT_GE(a.text().body().size(), 32u);
}

}  // namespace
}  // namespace omnigate::loadgen
