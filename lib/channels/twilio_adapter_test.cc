#include "lib/channels/twilio_adapter.h"

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

constexpr char kAuthToken[] = "feedfacefeedfacefeedfacefeedface";
constexpr int64_t kReceivedAtMs = 1770120000000;

connectors::ConnectorSettings Settings(const std::string& public_url) {
  connectors::ConnectorSettings settings;
  settings.name = "twilio-main";
  settings.channel = omnigate::v1::CHANNEL_TWILIO;
  settings.secret = kAuthToken;
  settings.public_url = public_url;
  return settings;
}

bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  if (key == "opt_out") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, "opt_out"));
  } else if (key == "from_city") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, "from_city"));
  } else if (key == "raw_dlr_done_date") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, "raw_dlr_done_date"));
  } else {
    return false;
  }
  return true;
}

class TwilioFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TwilioFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  const testing::ChannelFixture fixture = testing::LoadChannelFixture(GetParam());
  // The URL registered with Twilio is what it signs; the query comes with
  // each call.
  std::string url = testing::FixtureString(*json::Find(*fixture.expected, "request"), "url");
  url = url.substr(0, url.find('?'));
  FakeClock clock(kReceivedAtMs);
  TwilioAdapter adapter(Settings(url), clock);
  testing::ExpectFixtureOutcome(adapter, fixture, kReceivedAtMs, CheckExtra);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TwilioFixtureTest,
                         ::testing::ValuesIn(testing::ListFixtures("twilio__")),
                         [](const auto& info) { return info.param.substr(8); });

constexpr char kUrl[] = "https://hooks.example.com/webhooks/twilio-main";

std::string Sign(const std::string& text) {
  return Base64Encode(crypto::HmacSha1(kAuthToken, text));
}

TEST(TwilioAdapterTest, SignatureCoversUrlQueryAndSortedParameters) {
  FakeClock clock(kReceivedAtMs);
  TwilioAdapter adapter(Settings(kUrl), clock);
  const std::string body = "To=%2B1&From=%2B2&Body=hi";
  Headers headers;
  headers.Add("X-Twilio-Signature",
              Sign(std::string(kUrl) + "?t=1" + "Bodyhi" + "From+2" + "To+1"));
  InboundRequest request;
  request.headers = &headers;
  request.body = body;
  request.query = "t=1";
  EXPECT_TRUE(adapter.Authenticate(request).ok());
  request.query = "t=2";
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_mismatch");
  request.query = "t=1";
  const std::string changed = "To=%2B1&From=%2B2&Body=hj";
  request.body = changed;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_mismatch");
  // A body that is not a form must not be accepted under any fixed MAC.
  const std::string not_a_form = "a=%zz";
  request.body = not_a_form;
  Headers zeros;
  zeros.Add("X-Twilio-Signature", Base64Encode(std::string(20, '\0')));
  request.headers = &zeros;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_mismatch");
  Headers bad;
  bad.Add("X-Twilio-Signature", "abc");
  request.headers = &bad;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_malformed");
}

absl::StatusOr<NormalizeResult> Normalize(const std::string& body) {
  static FakeClock clock(kReceivedAtMs);
  static TwilioAdapter adapter(Settings(kUrl), clock);
  return testing::NormalizeBody(adapter, body, kReceivedAtMs);
}

TEST(TwilioAdapterTest, MmsLocationButtonsAndFailedStatus) {
  auto mms = Normalize(
      "MessageSid=MM1&From=%2B2&To=%2B1&Body=two&NumMedia=2&MediaUrl0=https%3A%2F%2Fm%2F0&"
      "MediaContentType0=image%2Fpng&MediaUrl1=https%3A%2F%2Fm%2F1&MediaContentType1=video%2Fmp4");
  ASSERT_TRUE(mms.ok()) << mms.status();
  ASSERT_EQ(mms->events[0].media().items_size(), 2);
  EXPECT_EQ(mms->events[0].media().items(1).kind(), omnigate::v1::MediaItem::KIND_VIDEO);
  EXPECT_EQ(mms->events[0].media().caption(), "two");
  auto location = Normalize(
      "MessageSid=SM2&From=whatsapp%3A%2B2&To=whatsapp%3A%2B1&Latitude=-6.2&Longitude=106.8&Label="
      "Shop");
  ASSERT_TRUE(location.ok());
  EXPECT_DOUBLE_EQ(location->events[0].location().latitude(), -6.2);
  EXPECT_EQ(location->events[0].conversation_key(), "twilio_whatsapp:+1:+2");
  auto button = Normalize(
      "MessageSid=SM3&From=whatsapp%3A%2B2&To=whatsapp%3A%2B1&Body=Yes&ButtonPayload=CONFIRM&"
      "ButtonText=Yes");
  ASSERT_TRUE(button.ok());
  EXPECT_EQ(button->events[0].interactive().id(), "CONFIRM");
  auto failed =
      Normalize("MessageSid=SM4&MessageStatus=undelivered&ErrorCode=30003&From=%2B1&To=%2B2");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->events[0].status().state(), omnigate::v1::Status::STATE_UNDELIVERED);
  EXPECT_EQ(failed->events[0].status().error_code(), "30003");
  EXPECT_EQ(failed->events[0].idempotency_key(), "twilio:status:SM4:undelivered");
}

TEST(TwilioAdapterTest, RejectsBadForms) {
  EXPECT_EQ(RejectReason(Normalize("").status()), "empty_body");
  EXPECT_EQ(RejectReason(Normalize("MessageSid=S&From=%2B1&To=%zz").status()), "form_bad_escape");
  EXPECT_EQ(RejectReason(Normalize("MessageSid=S&From=%2B1").status()),
            "missing_required_field:To");
  EXPECT_EQ(RejectReason(Normalize("MessageSid=S&From=%2B1&To=%2B2&NumMedia=99").status()),
            "integer_out_of_range:NumMedia");
  EXPECT_EQ(RejectReason(Normalize("MessageSid=S&From=%2B1&To=%2B2&Body=%FF").status()),
            "form_invalid_utf8:Body");
}

}  // namespace
}  // namespace omnigate::channels
