#include "lib/channels/x_adapter.h"

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

constexpr char kSecret[] = "test_x_consumer_secret_000000000000000000000000001";
constexpr int64_t kReceivedAtMs = 1770130000000;

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "x-main";
  settings.channel = omnigate::v1::CHANNEL_X;
  settings.secret = kSecret;
  return settings;
}

bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  if (key == "sender_screen_name") {
    EXPECT_EQ(value.GetString(), got.sender().username());
  } else if (key == "raw_text" || key == "source_app_name") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, key));
  } else {
    return false;
  }
  return true;
}

class XFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(XFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  FakeClock clock(kReceivedAtMs);
  XAdapter adapter(Settings(), clock);
  testing::ExpectFixtureOutcome(adapter, testing::LoadChannelFixture(GetParam()), kReceivedAtMs,
                                CheckExtra);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, XFixtureTest,
                         ::testing::ValuesIn(testing::ListFixtures("twitter__")),
                         [](const auto& info) { return info.param.substr(9); });

TEST(XAdapterTest, CrcChallengeIsAnsweredWithTheResponseToken) {
  FakeClock clock(kReceivedAtMs);
  XAdapter adapter(Settings(), clock);
  InboundRequest request;
  request.method = "GET";
  request.query = "crc_token=abc123";
  auto reply = adapter.Handshake(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->content_type, "application/json");
  EXPECT_EQ(reply->body, "{\"response_token\":\"sha256=" +
                             Base64Encode(crypto::HmacSha256(kSecret, "abc123")) + "\"}");
  request.query = "";
  EXPECT_EQ(adapter.Handshake(request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(XAdapterTest, EchoesQuickRepliesTypingAndOtherActivity) {
  FakeClock clock(kReceivedAtMs);
  XAdapter adapter(Settings(), clock);
  const std::string body =
      R"({"for_user_id":"16","direct_message_events":[)"
      R"({"type":"message_create","id":"1","created_timestamp":"1770000000000","message_create":{"target":{"recipient_id":"15"},"sender_id":"16","message_data":{"text":"Thanks!"}}},)"
      R"({"type":"message_create","id":"2","created_timestamp":"1770000000001","message_create":{"target":{"recipient_id":"16"},"sender_id":"15","message_data":{"text":"Yes","quick_reply_response":{"type":"options","metadata":"confirm_yes"}}}}],)"
      R"("direct_message_indicate_typing_events":[{"created_timestamp":"1","sender_id":"15","target":{"recipient_id":"16"}}],)"
      R"("follow_events":[{"type":"follow","created_timestamp":"1770000000002","source":{"id":"15"},"target":{"id":"16"}}]})";
  InboundRequest request;
  request.body = body;
  NormalizeResult result;
  ASSERT_TRUE(adapter.Normalize(request, &result).ok());
  ASSERT_EQ(result.events.size(), 4u);
  EXPECT_TRUE(result.events[0].is_echo());
  EXPECT_EQ(result.events[0].conversation_key(), "x_twitter:16:15-16");
  EXPECT_EQ(result.events[1].conversation_key(), "x_twitter:16:15-16");
  EXPECT_EQ(result.events[1].interactive().id(), "confirm_yes");
  EXPECT_EQ(result.events[2].conversation().kind(), omnigate::v1::ConversationEvent::KIND_TYPING);
  EXPECT_EQ(result.events[3].unsupported().type_name(), "follow_events");
}

TEST(XAdapterTest, RejectsBadSignaturesAndBodies) {
  FakeClock clock(kReceivedAtMs);
  XAdapter adapter(Settings(), clock);
  const std::string body = R"({"for_user_id":"16"})";
  Headers headers;
  headers.Add("x-twitter-webhooks-signature",
              "sha256=" + Base64Encode(crypto::HmacSha256("wrong", body)));
  InboundRequest request;
  request.headers = &headers;
  request.body = body;
  EXPECT_EQ(RejectReason(adapter.Authenticate(request)), "signature_mismatch");
  NormalizeResult result;
  request.body = R"({"for_user_id":16.0})";
  EXPECT_EQ(RejectReason(adapter.Normalize(request, &result)), "id_precision_loss:for_user_id");
  request.body = R"({"for_user_id":"16","direct_message_events":{}})";
  EXPECT_EQ(RejectReason(adapter.Normalize(request, &result)),
            "schema_type_mismatch:direct_message_events");
}

// Shapes from the X Account Activity API documentation: echoes with the
// `apps` map, user_event revoke, typing and read events.
class XActivityTest : public ::testing::Test {
 protected:
  absl::StatusOr<NormalizeResult> Normalize(const std::string& body) {
    InboundRequest request;
    request.body = body;
    NormalizeResult result;
    if (absl::Status s = adapter_.Normalize(request, &result); !s.ok()) return s;
    return result;
  }
  FakeClock clock_{kReceivedAtMs};
  XAdapter adapter_{Settings(), clock_};
};

TEST_F(XActivityTest, EchoWithTheAppsMapIsStoredAsAnEcho) {
  auto result = Normalize(
      R"({"for_user_id":"4337869213","direct_message_events":[{"type":"message_create","id":"954491830116155396",)"
      R"("created_timestamp":"1516403560557","message_create":{"target":{"recipient_id":"3001969357"},)"
      R"("sender_id":"4337869213","source_app_id":"13090192","message_data":{"text":"Hello World!",)"
      R"("entities":{"hashtags":[],"symbols":[],"user_mentions":[],"urls":[]}}}}],)"
      R"("apps":{"13090192":{"id":"13090192","name":"FuriousCamperTestApp1","url":"https://twitter.com/furiouscamper"}},)"
      R"("users":{"4337869213":{"id":"4337869213","name":"Contoh Shop","screen_name":"contohshop"}}})");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 1u);
  const Event& e = result->events[0];
  EXPECT_TRUE(e.is_echo());
  EXPECT_EQ(e.sender().role(), omnigate::v1::ROLE_BUSINESS);
  EXPECT_EQ(e.text().body(), "Hello World!");
  EXPECT_EQ(e.attributes().at("source_app_id"), "13090192");
  EXPECT_EQ(e.attributes().at("source_app_name"), "FuriousCamperTestApp1");
  EXPECT_EQ(e.conversation_key(), "x_twitter:4337869213:3001969357-4337869213");
}

TEST_F(XActivityTest, RevokeBecomesALifecycleEventOfTheAccount) {
  auto result = Normalize(R"({"user_event":{"revoke":{"date_time":"2018-05-24T09:48:12+00:00",)"
                          R"("target":{"app_id":"13090192"},"source":{"user_id":"63046977"}}}})");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 1u);
  const Event& e = result->events[0];
  EXPECT_EQ(e.conversation().kind(), omnigate::v1::ConversationEvent::KIND_UNSUBSCRIBED);
  EXPECT_EQ(e.conversation().reason(), "revoke");
  EXPECT_EQ(e.conversation_key(), "x_twitter:63046977:_account");
  EXPECT_EQ(e.attributes().at("app_id"), "13090192");
  EXPECT_EQ(e.attributes().at("date_time"), "2018-05-24T09:48:12+00:00");
  EXPECT_EQ(e.sender().role(), omnigate::v1::ROLE_SYSTEM);
  // A redelivery is the same event.
  EXPECT_EQ(Normalize(R"({"user_event":{"revoke":{"date_time":"2018-05-24T09:48:12+00:00",)"
                      R"("target":{"app_id":"13090192"},"source":{"user_id":"63046977"}}}})")
                ->events[0]
                .idempotency_key(),
            e.idempotency_key());
}

TEST_F(XActivityTest, TypingAndReadAreEventsAnAgentCanShow) {
  auto result = Normalize(
      R"({"for_user_id":"3001969357","direct_message_indicate_typing_events":[{"created_timestamp":"1518127183443",)"
      R"("sender_id":"3284025577","target":{"recipient_id":"3001969357"}}],)"
      R"("direct_message_mark_read_events":[{"created_timestamp":"1518452444662","sender_id":"3284025577",)"
      R"("target":{"recipient_id":"3001969357"},"last_read_event_id":"963085315333238788"}],)"
      R"("users":{"3284025577":{"id":"3284025577","name":"Bogus Name","screen_name":"bogus"}}})");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 2u);
  const Event& typing = result->events[0];
  EXPECT_EQ(typing.conversation().kind(), omnigate::v1::ConversationEvent::KIND_TYPING);
  EXPECT_EQ(typing.sender().id(), "3284025577");
  EXPECT_EQ(typing.sender().role(), omnigate::v1::ROLE_CUSTOMER);
  EXPECT_EQ(typing.sender().display_name(), "Bogus Name");
  EXPECT_EQ(typing.sent_at_ms(), 1518127183443);
  EXPECT_EQ(typing.conversation_key(), "x_twitter:3001969357:3001969357-3284025577");
  EXPECT_EQ(typing.idempotency_key(), "x_twitter:typing:3284025577:1518127183443");
  const Event& read = result->events[1];
  EXPECT_EQ(read.status().state(), omnigate::v1::Status::STATE_READ);
  EXPECT_EQ(read.status().target_external_id(), "963085315333238788");
  // The customer's read lands in the conversation the reply was sent in.
  EXPECT_EQ(read.conversation_key(), "x_twitter:3001969357:3001969357-3284025577");
  EXPECT_EQ(read.status().recipient_id(), "3284025577");
}

// The business reading the customer's DM in X's own app is no receipt of a
// reply, but it belongs to the same conversation, not to one with itself.
TEST_F(XActivityTest, ReadByTheBusinessStaysInTheCustomersConversation) {
  auto result = Normalize(
      R"({"for_user_id":"3001969357","direct_message_mark_read_events":[{"created_timestamp":"1518452444662",)"
      R"("sender_id":"3001969357","target":{"recipient_id":"3284025577"},"last_read_event_id":"963085315333238700"}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 1u);
  const Event& read = result->events[0];
  EXPECT_EQ(read.conversation_key(), "x_twitter:3001969357:3001969357-3284025577");
  EXPECT_EQ(read.attributes().at("read_by"), "business");
  EXPECT_EQ(read.status().recipient_id(), "3284025577");
}

TEST_F(XActivityTest, MalformedActivityIsRefused) {
  EXPECT_EQ(RejectReason(Normalize(R"({"user_event":["revoke"]})").status()),
            "schema_type_mismatch:user_event");
  EXPECT_EQ(
      RejectReason(Normalize(R"({"user_event":{"revoke":{"source":{"user_id":1.5}}}})").status()),
      "id_precision_loss:user_id");
  EXPECT_EQ(RejectReason(Normalize(R"({"user_event":{"revoke":{}}})").status()),
            "missing_required_field:user_id");
  EXPECT_EQ(
      RejectReason(Normalize(R"({"for_user_id":"1","direct_message_indicate_typing_events":[{}]})")
                       .status()),
      "missing_required_field:sender_id");
  EXPECT_EQ(RejectReason(Normalize(R"({"for_user_id":"1","apps":[]})").status()),
            "schema_type_mismatch:apps");
  EXPECT_EQ(RejectReason(Normalize(R"({"direct_message_events":[]})").status()),
            "missing_required_field:for_user_id");
}

TEST_F(XActivityTest, UrlEntitiesAreExpandedAndTheRawTextKept) {
  // "😀 " is one code point (two UTF-16 units) then a space: the link
  // starts at code point 2.
  auto result = Normalize(
      "{\"for_user_id\":\"16\",\"direct_message_events\":[{\"type\":\"message_create\",\"id\":"
      "\"7\","
      "\"created_timestamp\":\"1770000000000\",\"message_create\":{\"target\":{\"recipient_id\":"
      "\"16\"},"
      "\"sender_id\":\"15\",\"message_data\":{\"text\":\"\xF0\x9F\x98\x80 https://t.co/AbC123 ok\","
      "\"entities\":{\"urls\":[{\"url\":\"https://t.co/AbC123\",\"expanded_url\":\"https://"
      "shop.example.com/p/42\","
      "\"display_url\":\"shop.example.com/p/42\",\"indices\":[2,21]}]}}}}]}");
  ASSERT_TRUE(result.ok()) << result.status();
  const Event& e = result->events[0];
  EXPECT_EQ(e.text().body(), "\xF0\x9F\x98\x80 https://shop.example.com/p/42 ok");
  EXPECT_EQ(e.attributes().at("raw_text"), "\xF0\x9F\x98\x80 https://t.co/AbC123 ok");
}

}  // namespace
}  // namespace omnigate::channels
