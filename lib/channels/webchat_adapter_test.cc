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

// Edits and read receipts of our web chat protocol (docs/channels.md).
class WebchatEditsAndReadsTest : public ::testing::Test {
 protected:
  absl::StatusOr<NormalizeResult> Normalize(const std::string& events) {
    const std::string body = absl::StrCat(
        R"({"schema_version":1,"site_id":"site_demo_01","delivery_id":"d1","events":[)", events,
        "]}");
    InboundRequest request;
    request.body = body;
    NormalizeResult result;
    if (absl::Status s = adapter_.Normalize(request, &result); !s.ok()) return s;
    return result;
  }
  static constexpr char kSession[] =
      R"("occurred_at":"2026-02-03T14:01:00+07:00","session":{"id":"ses_01","visitor_id":"vis_7f3a9c2e"})";
  FakeClock clock_{1770102000000};
  WebchatAdapter adapter_{Settings(), clock_};
};

TEST_F(WebchatEditsAndReadsTest, AnEditBecomesTheCanonicalEdit) {
  auto result = Normalize(absl::StrCat(
      R"({"event_id":"evt_0100","type":"message.edited",)", kSession,
      R"(,"message":{"client_message_id":"cm_0001","text":"Halo, bisa bayar pakai QRIS atau OVO?"}})"));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 1u);
  const Event& e = result->events[0];
  EXPECT_EQ(e.edit().target_external_id(), "cm_0001");
  EXPECT_EQ(e.edit().body(), "Halo, bisa bayar pakai QRIS atau OVO?");
  EXPECT_EQ(e.sender().id(), "vis_7f3a9c2e");
  EXPECT_EQ(e.sender().role(), omnigate::v1::ROLE_CUSTOMER);
  EXPECT_EQ(e.conversation_key(), "webchat:site_demo_01:ses_01");
  EXPECT_EQ(e.idempotency_key(), "webchat:edit:site_demo_01:cm_0001:evt_0100");
  EXPECT_EQ(e.sent_at_ms(), 1770102060000);
}

TEST_F(WebchatEditsAndReadsTest, TwoEditsOfOneMessageAreTwoEvents) {
  auto result =
      Normalize(absl::StrCat(R"({"event_id":"evt_0101","type":"message.edited",)", kSession,
                             R"(,"message":{"client_message_id":"cm_0002","text":"v2"}},)",
                             R"({"event_id":"evt_0102","type":"message.edited",)", kSession,
                             R"(,"message":{"client_message_id":"cm_0002","text":""}})"));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 2u);
  EXPECT_NE(result->events[0].idempotency_key(), result->events[1].idempotency_key());
  EXPECT_EQ(result->events[1].edit().body(), "");  // cleared text is an edit too
}

TEST_F(WebchatEditsAndReadsTest, ReadReceiptsAreReadStatusesOfOurReplies) {
  auto result = Normalize(absl::StrCat(
      R"({"event_id":"evt_0103","type":"message.read",)", kSession,
      R"(,"read":{"server_message_ids":["01a250a3-7774-715d-956e-c128639398b1","01a250a3-7775-7000-8000-000000000002"]}})"));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 2u);
  const Event& e = result->events[0];
  EXPECT_EQ(e.status().state(), omnigate::v1::Status::STATE_READ);
  EXPECT_EQ(e.status().target_external_id(), "01a250a3-7774-715d-956e-c128639398b1");
  EXPECT_EQ(e.status().recipient_id(), "vis_7f3a9c2e");
  EXPECT_EQ(e.sender().role(), omnigate::v1::ROLE_SYSTEM);
  EXPECT_EQ(e.recipient().role(), omnigate::v1::ROLE_CUSTOMER);
  EXPECT_EQ(e.conversation_key(), "webchat:site_demo_01:ses_01");
  EXPECT_EQ(e.idempotency_key(),
            "webchat:status:site_demo_01:01a250a3-7774-715d-956e-c128639398b1:read");
  EXPECT_EQ(result->events[1].status().target_external_id(),
            "01a250a3-7775-7000-8000-000000000002");
}

TEST_F(WebchatEditsAndReadsTest, MalformedEditsAndReadsAreRefused) {
  const std::string head = absl::StrCat(R"({"event_id":"e9","type":")");
  auto reason = [&](const std::string& type, const std::string& rest) {
    return RejectReason(Normalize(absl::StrCat(head, type, "\",", kSession, rest, "}")).status());
  };
  EXPECT_EQ(reason("message.edited", R"(,"message":{"text":"x"})"),
            "missing_required_field:client_message_id");
  EXPECT_EQ(reason("message.edited", R"(,"message":{"client_message_id":"cm"})"),
            "missing_required_field:text");
  EXPECT_EQ(reason("message.edited", ""), "missing_required_field:message");
  EXPECT_EQ(reason("message.read", R"(,"read":{"server_message_ids":[]})"),
            "missing_required_field:server_message_ids");
  EXPECT_EQ(reason("message.read", R"(,"read":{"server_message_ids":[7]})"),
            "schema_type_mismatch:server_message_ids[]");
  EXPECT_EQ(reason("message.read", R"(,"read":{"server_message_ids":"a"})"),
            "schema_type_mismatch:server_message_ids");
  EXPECT_EQ(reason("message.read", ""), "missing_required_field:read");
}

}  // namespace
}  // namespace omnigate::channels
