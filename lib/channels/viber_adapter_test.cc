#include "lib/channels/viber_adapter.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"
#include "tests/support/fixture_expectations.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;

constexpr char kToken[] = "1a2b3c4d5e6f7a8b-1a2b3c4d5e6f7a8b-testtesttesttest";
constexpr int64_t kReceivedAtMs = 1770120000000;

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "viber-main";
  settings.channel = omnigate::v1::CHANNEL_VIBER;
  settings.secret = kToken;
  settings.account_id = "contohshop";  // the bot URI: callbacks do not name the bot
  return settings;
}

bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  if (key == "tracking_data") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, "tracking_data"));
  } else if (key == "sender_name") {
    EXPECT_EQ(value.GetString(), got.sender().display_name());
  } else if (key == "latitude") {
    EXPECT_DOUBLE_EQ(value.GetDouble(), got.location().latitude());
  } else if (key == "longitude") {
    EXPECT_DOUBLE_EQ(value.GetDouble(), got.location().longitude());
  } else if (key == "error_desc") {
    EXPECT_EQ(value.GetString(), got.status().error_message());
  } else if (key == "lifecycle") {
    EXPECT_EQ(value.GetString(), got.conversation().reason());
  } else {
    return false;
  }
  return true;
}

class ViberFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ViberFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  FakeClock clock(kReceivedAtMs);
  ViberAdapter adapter(Settings(), clock);
  testing::ExpectFixtureOutcome(adapter, testing::LoadChannelFixture(GetParam()), kReceivedAtMs,
                                CheckExtra);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ViberFixtureTest,
                         ::testing::ValuesIn(testing::ListFixtures("viber__")),
                         [](const auto& info) { return info.param.substr(7); });

absl::StatusOr<NormalizeResult> Normalize(const std::string& body) {
  static FakeClock clock(kReceivedAtMs);
  static ViberAdapter adapter(Settings(), clock);
  return testing::NormalizeBody(adapter, body, kReceivedAtMs);
}

TEST(ViberAdapterTest, MediaContactStickerAndConversationStarted) {
  const std::string sender = R"("sender":{"id":"U1","name":"Ana"})";
  auto picture = Normalize(
      R"({"event":"message","timestamp":1770000000000,"message_token":9007199254740993,)" + sender +
      R"(,"message":{"type":"picture","media":"https://v/p.jpg","text":"rusak","size":100}})");
  ASSERT_TRUE(picture.ok()) << picture.status();
  EXPECT_EQ(picture->events[0].external_id(), "9007199254740993");  // above 2^53, exact
  EXPECT_EQ(picture->events[0].media().caption(), "rusak");
  EXPECT_EQ(picture->events[0].media().items(0).url(), "https://v/p.jpg");
  auto contact = Normalize(
      R"({"event":"message","timestamp":1,"message_token":2,)" + sender +
      R"(,"message":{"type":"contact","contact":{"name":"Budi","phone_number":"+62811"}}})");
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->events[0].contacts().contacts(0).phones(0).number(), "+62811");
  auto sticker = Normalize(R"({"event":"message","timestamp":1,"message_token":3,)" + sender +
                           R"(,"message":{"type":"sticker","sticker_id":46105}})");
  ASSERT_TRUE(sticker.ok());
  EXPECT_EQ(sticker->events[0].media().items(0).media_id(), "46105");
  auto started = Normalize(
      R"({"event":"conversation_started","timestamp":1,"message_token":4,"type":"open","context":"ad-7","user":{"id":"U2","name":"Bo"},"subscribed":false})");
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->events[0].conversation().kind(),
            omnigate::v1::ConversationEvent::KIND_CONVERSATION_STARTED);
  EXPECT_EQ(started->events[0].attributes().at("context"), "ad-7");
  EXPECT_EQ(started->events[0].idempotency_key(), "viber:event:conversation_started:4");
  auto webhook = Normalize(R"({"event":"webhook","timestamp":1,"message_token":5})");
  ASSERT_TRUE(webhook.ok());
  EXPECT_TRUE(webhook->events.empty());
}

TEST(ViberAdapterTest, SignatureIsHexHmacOfTheBody) {
  FakeClock clock(kReceivedAtMs);
  ViberAdapter adapter(Settings(), clock);
  const std::string body = R"({"event":"webhook"})";
  Headers headers;
  InboundRequest request;
  request.headers = &headers;
  request.body = body;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_missing");
  Headers good;
  good.Add("X-Viber-Content-Signature", HexEncode(crypto::HmacSha256(kToken, body)));
  request.headers = &good;
  EXPECT_TRUE(adapter.Authenticate(request).ok());
  Headers truncated;
  truncated.Add("X-Viber-Content-Signature", HexEncode(crypto::HmacSha256(kToken, body)).substr(2));
  request.headers = &truncated;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_malformed");
  const std::string changed = body + " ";
  request.headers = &good;
  request.body = changed;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_mismatch");
}

// Viber's SDK also accepts the MAC as ?sig=<hex>; bodies from the Viber REST
// bot API callbacks documentation.
class ViberSigQueryTest : public ::testing::Test {
 protected:
  absl::Status Check(absl::string_view query, absl::string_view body,
                     const Headers& headers = Headers()) {
    headers_ = headers;
    InboundRequest request;
    request.headers = &headers_;
    request.query = query;
    request.body = body;
    return adapter_.Authenticate(request);
  }
  static std::string Mac(absl::string_view body) {
    return HexEncode(crypto::HmacSha256(kToken, std::string(body)));
  }

  FakeClock clock_{kReceivedAtMs};
  ViberAdapter adapter_{Settings(), clock_};
  Headers headers_;
};

TEST_F(ViberSigQueryTest, ConversationStartedSignedInTheQuery) {
  const std::string body =
      R"({"event":"conversation_started","timestamp":1457764197627,"message_token":4912661846655238145,"type":"open","context":"ctx","user":{"id":"01234567890A=","name":"John McClane","language":"en","country":"UK","api_version":1},"subscribed":false})";
  EXPECT_TRUE(Check("sig=" + Mac(body), body).ok());
}

TEST_F(ViberSigQueryTest, SigAmongOtherParametersOfTheWebhookUrl) {
  const std::string body =
      R"({"event":"delivered","timestamp":1457764197627,"message_token":4912661846655238145,"user_id":"01234567890A="})";
  EXPECT_TRUE(Check("tenant=demo&sig=" + Mac(body) + "&x=1", body).ok());
  // Percent-encoded hex is the same MAC.
  EXPECT_TRUE(Check("sig=" + Mac(body) + "%20", body).ok());
}

TEST_F(ViberSigQueryTest, MalformedOrWrongQuerySignaturesAreRefused) {
  const std::string body = R"({"event":"seen","timestamp":1,"message_token":1,"user_id":"U"})";
  EXPECT_EQ(RejectReason(Check("sig=not-hex", body)), "signature_malformed");
  EXPECT_EQ(RejectReason(Check("sig=" + Mac(body + " "), body)), "signature_mismatch");
  EXPECT_EQ(RejectReason(Check("sig=%ZZ", body)), "signature_missing");
  EXPECT_EQ(RejectReason(Check("tenant=demo", body)), "signature_missing");
  EXPECT_EQ(RejectReason(Check("sig=", body)), "signature_missing");
}

TEST_F(ViberSigQueryTest, TheHeaderWinsOverTheQuery) {
  const std::string body = R"({"event":"seen","timestamp":1,"message_token":1,"user_id":"U"})";
  Headers wrong;
  wrong.Add("X-Viber-Content-Signature", Mac("other"));
  EXPECT_EQ(RejectReason(Check("sig=" + Mac(body), body, wrong)), "signature_mismatch");
}

}  // namespace
}  // namespace omnigate::channels
