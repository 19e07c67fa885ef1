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
  } else if (key == "raw_text") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, "raw_text"));
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
  ASSERT_EQ(result.events.size(), 3u);
  EXPECT_TRUE(result.events[0].is_echo());
  EXPECT_EQ(result.events[0].conversation_key(), "x_twitter:16:15-16");
  EXPECT_EQ(result.events[1].conversation_key(), "x_twitter:16:15-16");
  EXPECT_EQ(result.events[1].interactive().id(), "confirm_yes");
  EXPECT_EQ(result.events[2].unsupported().type_name(), "follow_events");
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

}  // namespace
}  // namespace omnigate::channels
