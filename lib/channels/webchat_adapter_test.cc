#include "lib/channels/webchat_adapter.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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

constexpr char kSecret[] = "test-webchat-signing-secret";

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "webchat-main";
  settings.channel = omnigate::v1::CHANNEL_WEBCHAT;
  settings.secret = kSecret;
  return settings;
}

bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  if (key == "lifecycle") {
    EXPECT_EQ(value.GetString(), got.conversation().reason());
  } else if (key == "locale") {
    EXPECT_EQ(value.GetString(), got.locale());
  } else if (key == "interactive_type") {
    EXPECT_EQ(std::string(value.GetString()), "quick_reply");
    EXPECT_EQ(got.interactive().type(), omnigate::v1::InteractiveReply::TYPE_QUICK_REPLY);
  } else if (key == "payload_id") {
    EXPECT_EQ(value.GetString(), got.interactive().id());
  } else {
    return false;
  }
  return true;
}

// The signing time of a fixture, so "now" can be set beside it.
int64_t SignedAtMs(const testing::ChannelFixture& fixture) {
  const std::string header(*fixture.headers.Get("x-webchat-signature"));
  int64_t seconds = 0;
  EXPECT_TRUE(absl::SimpleAtoi(header.substr(2, header.find(',') - 2), &seconds)) << header;
  return seconds * 1000;
}

class WebchatFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(WebchatFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  const testing::ChannelFixture fixture = testing::LoadChannelFixture(GetParam());
  const int64_t now_ms = SignedAtMs(fixture) + 1500;
  FakeClock clock(now_ms);
  WebchatAdapter adapter(Settings(), clock);
  testing::ExpectFixtureOutcome(adapter, fixture, now_ms, CheckExtra);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, WebchatFixtureTest,
                         ::testing::ValuesIn(testing::ListFixtures("webchat__")),
                         [](const auto& info) { return info.param.substr(9); });

TEST(WebchatAdapterTest, SignatureWindowIsExactlyThreeHundredSeconds) {
  const std::string body = R"({"site_id":"s","events":[]})";
  const int64_t t = 1770000000;
  Headers headers;
  headers.Add("X-Webchat-Signature",
              absl::StrCat("t=", t, ",v1=",
                           HexEncode(crypto::HmacSha256(kSecret, absl::StrCat(t, ".", body)))));
  InboundRequest request;
  request.headers = &headers;
  request.body = body;
  for (const auto& [offset_s, ok] : {std::pair<int64_t, bool>{0, true},
                                     {300, true},
                                     {-300, true},
                                     {301, false},
                                     {-301, false}}) {
    FakeClock clock((t + offset_s) * 1000);
    WebchatAdapter adapter(Settings(), clock);
    const absl::Status status = adapter.Authenticate(request);
    EXPECT_EQ(status.ok(), ok) << offset_s;
    if (!ok) {
      EXPECT_EQ(RejectReason(status), "signature_stale_timestamp");
    }
  }
  FakeClock clock(t * 1000);
  WebchatAdapter adapter(Settings(), clock);
  Headers other;
  // The same MAC under another time is a forgery.
  other.Add("X-Webchat-Signature",
            absl::StrCat("t=", t + 1, ",v1=",
                         HexEncode(crypto::HmacSha256(kSecret, absl::StrCat(t, ".", body)))));
  request.headers = &other;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_mismatch");
  Headers malformed;
  malformed.Add("X-Webchat-Signature", "v1=abc");
  request.headers = &malformed;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_malformed");
}

TEST(WebchatAdapterTest, RatingsSessionEndAndUnknownTypes) {
  FakeClock clock(1770000000000);
  WebchatAdapter adapter(Settings(), clock);
  const std::string session = R"("session":{"id":"S1","visitor_id":"V1"})";
  const std::string body = absl::StrCat(
      R"({"schema_version":1,"site_id":"site","events":[)",
      R"({"event_id":"e1","type":"rating.submitted","occurred_at":"2026-02-03T14:00:00Z",)",
      session, R"(,"rating":{"score":4,"scale":5,"comment":"cepat"}},)",
      R"({"event_id":"e2","type":"session.ended","occurred_at":"2026-02-03T14:00:01.250+07:00",)",
      session, "},", R"({"event_id":"e3","type":"visitor.typing",)", session, "}]}");
  InboundRequest request;
  request.body = body;
  NormalizeResult result;
  ASSERT_TRUE(adapter.Normalize(request, &result).ok());
  ASSERT_EQ(result.events.size(), 3u);
  EXPECT_EQ(result.events[0].rating().score(), 4);
  EXPECT_EQ(result.events[0].rating().comment(), "cepat");
  EXPECT_EQ(result.events[1].conversation().kind(),
            omnigate::v1::ConversationEvent::KIND_SESSION_ENDED);
  // 14:00:01.250 at +07:00 is 07:00:01.250 UTC.
  EXPECT_EQ(result.events[1].sent_at_ms(), 1770102001250);
  EXPECT_EQ(result.events[2].unsupported().type_name(), "visitor.typing");
  EXPECT_EQ(result.events[2].idempotency_key(), "webchat:event:site:e3");
  request.body =
      R"({"schema_version":1,"site_id":"s","events":[{"event_id":"e","type":"x","occurred_at":"yesterday","session":{"id":"S"}}]})";
  NormalizeResult bad;
  EXPECT_EQ(RejectReason(adapter.Normalize(request, &bad)), "bad_timestamp:occurred_at");
}

}  // namespace
}  // namespace omnigate::channels
