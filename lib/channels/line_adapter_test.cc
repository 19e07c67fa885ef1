#include "lib/channels/line_adapter.h"

#include <string>

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

constexpr char kSecret[] = "00112233445566778899aabbccddeeff";
constexpr int64_t kReceivedAtMs = 1770120000000;

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "line-main";
  settings.channel = omnigate::v1::CHANNEL_LINE;
  settings.secret = kSecret;
  return settings;
}

bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  if (key == "image_set") {
    EXPECT_EQ(testing::FixtureString(value, "id"), testing::Attribute(got, "image_set_id"));
    EXPECT_EQ(testing::FixtureString(value, "index"), testing::Attribute(got, "image_set_index"));
    EXPECT_EQ(testing::FixtureString(value, "total"), testing::Attribute(got, "image_set_total"));
  } else if (key == "interactive_type") {
    EXPECT_EQ(json::Serialize(value), "\"postback\"");
    EXPECT_TRUE(got.has_postback());
  } else if (key == "payload_id") {
    EXPECT_EQ(value.GetString(), got.postback().payload());
  } else if (key == "params") {
    EXPECT_EQ(static_cast<int>(value.MemberCount()), got.postback().params_size());
    for (const auto& param : value.GetObject()) {
      EXPECT_EQ(param.value.GetString(), got.postback().params().at(param.name.GetString()));
    }
  } else if (key == "sticker_keywords") {
    std::string joined;
    for (const Value& word : value.GetArray()) {
      absl::StrAppend(&joined, joined.empty() ? "" : ",", word.GetString());
    }
    EXPECT_EQ(joined, testing::Attribute(got, "sticker_keywords"));
  } else if (key == "line_emojis") {
    EXPECT_EQ(json::Serialize(value), testing::Attribute(got, "line_emojis"));
  } else if (key == "reply_token_present") {
    EXPECT_EQ(value.IsTrue(), !testing::Attribute(got, "reply_token").empty());
  } else {
    return false;
  }
  return true;
}

class LineFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LineFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  FakeClock clock(kReceivedAtMs);
  LineAdapter adapter(Settings(), clock);
  testing::ExpectFixtureOutcome(adapter, testing::LoadChannelFixture(GetParam()), kReceivedAtMs,
                                CheckExtra);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LineFixtureTest,
                         ::testing::ValuesIn(testing::ListFixtures("line__")),
                         [](const auto& info) { return info.param.substr(6); });

class LineAdapterTest : public ::testing::Test {
 protected:
  absl::StatusOr<NormalizeResult> Normalize(const std::string& events_json) {
    return testing::NormalizeBody(
        adapter_, absl::StrCat(R"({"destination":"Ubot","events":[)", events_json, "]}"),
        kReceivedAtMs);
  }
  FakeClock clock_{kReceivedAtMs};
  LineAdapter adapter_{Settings(), clock_};
};

TEST_F(LineAdapterTest, LifecycleUnsendGroupsAndUnknownTypes) {
  auto result = Normalize(
      R"({"type":"follow","webhookEventId":"E1","timestamp":1770000000000,"source":{"type":"user","userId":"U1"},"replyToken":"r"},)"
      R"({"type":"unfollow","webhookEventId":"E2","timestamp":1770000000001,"source":{"type":"user","userId":"U1"}},)"
      R"({"type":"unsend","webhookEventId":"E3","timestamp":1770000000002,"source":{"type":"group","groupId":"G1","userId":"U1"},"unsend":{"messageId":"325708"}},)"
      R"({"type":"message","webhookEventId":"E4","timestamp":1770000000003,"source":{"type":"room","roomId":"R1","userId":"U2"},"message":{"type":"file","id":"m4","fileName":"a.pdf","fileSize":2048}},)"
      R"({"type":"videoPlayComplete","webhookEventId":"E5","timestamp":1770000000004,"source":{"type":"user","userId":"U1"},"videoPlayComplete":{"trackingId":"t"}})");
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& e = result->events;
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].conversation().kind(), omnigate::v1::ConversationEvent::KIND_FOLLOW);
  EXPECT_EQ(e[1].conversation().kind(), omnigate::v1::ConversationEvent::KIND_UNFOLLOW);
  EXPECT_EQ(e[2].delete_().target_external_id(), "325708");
  EXPECT_EQ(e[2].conversation_key(), "line:Ubot:G1");
  EXPECT_EQ(e[2].sender().id(), "U1");
  EXPECT_EQ(e[3].media().items(0).file_name(), "a.pdf");
  EXPECT_EQ(e[3].media().items(0).size_bytes(), 2048u);
  EXPECT_EQ(e[3].conversation_key(), "line:Ubot:R1");
  EXPECT_EQ(e[4].unsupported().type_name(), "videoPlayComplete");
  for (size_t i = 0; i < e.size(); ++i) {
    EXPECT_EQ(e[i].idempotency_key(), absl::StrCat("line:event:E", i + 1));
  }
}

TEST_F(LineAdapterTest, RedeliveryKeepsTheSameKeyAndIsMarked) {
  const std::string event =
      R"({"type":"message","webhookEventId":"E9","deliveryContext":{"isRedelivery":true},"timestamp":1770000000000,"source":{"type":"user","userId":"U1"},"message":{"type":"text","id":"m9","text":"hi"}})";
  auto result = Normalize(event);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->events[0].idempotency_key(), "line:event:E9");
  EXPECT_EQ(result->events[0].attributes().at("redelivery"), "true");
}

TEST_F(LineAdapterTest, RejectsMissingSourceAndBadTypes) {
  EXPECT_EQ(RejectReason(Normalize(R"({"type":"follow","timestamp":1})").status()),
            "missing_required_field:source");
  EXPECT_EQ(
      RejectReason(
          Normalize(
              R"({"type":"message","timestamp":1,"source":{"type":"user","userId":"U"},"message":{"type":"text","id":1.5}})")
              .status()),
      "id_precision_loss:id");
  EXPECT_EQ(RejectReason(Normalize(R"(7)").status()), "schema_type_mismatch:events[]");
}

TEST_F(LineAdapterTest, SignatureIsBase64HmacOfTheBody) {
  const std::string body = R"({"destination":"Ubot","events":[]})";
  Headers headers;
  InboundRequest request;
  request.headers = &headers;
  request.body = body;
  EXPECT_EQ(RejectReason(adapter_.Authenticate(request)), "signature_missing");
  headers.Add("X-Line-Signature", "not base64!");
  EXPECT_EQ(RejectReason(adapter_.Authenticate(request)), "signature_malformed");
  Headers good;
  good.Add("X-Line-Signature", Base64Encode(crypto::HmacSha256(kSecret, body)));
  request.headers = &good;
  EXPECT_TRUE(adapter_.Authenticate(request).ok());
  Headers other;
  other.Add("X-Line-Signature", Base64Encode(crypto::HmacSha256("other-secret", body)));
  request.headers = &other;
  EXPECT_EQ(RejectReason(adapter_.Authenticate(request)), "signature_mismatch");
  // The same MAC with the unused low bits of its last character set decodes
  // to the same bytes in a lenient decoder; only the canonical spelling counts.
  std::string spelled = Base64Encode(crypto::HmacSha256(kSecret, body));
  ASSERT_EQ(spelled.size(), 44u);  // 32 bytes: 43 characters and one '='
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  spelled[42] = alphabet[alphabet.find(spelled[42]) | 1];
  ASSERT_NE(spelled, Base64Encode(crypto::HmacSha256(kSecret, body)));
  Headers malleated;
  malleated.Add("X-Line-Signature", spelled);
  request.headers = &malleated;
  EXPECT_EQ(RejectReason(adapter_.Authenticate(request)), "signature_malformed");
}

}  // namespace
}  // namespace omnigate::channels
