#include "lib/channels/whatsapp_adapter.h"

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"
#include "tests/support/fixture_expectations.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;
using omnigate::v1::MediaItem;

constexpr char kSecret[] = "test-meta-app-secret-0001";
constexpr int64_t kReceivedAtMs = 1770099999000;

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "wa-main";
  settings.channel = omnigate::v1::CHANNEL_WHATSAPP;
  settings.secret = kSecret;
  settings.verify_token = "verify-me";
  return settings;
}

class WhatsAppAdapterTest : public ::testing::Test {
 protected:
  absl::Status Normalize(absl::string_view body, NormalizeResult* result) {
    auto normalized = testing::NormalizeBody(adapter_, body, kReceivedAtMs);
    if (normalized.ok()) *result = *std::move(normalized);
    return normalized.status();
  }

  FakeClock clock_{kReceivedAtMs};
  WhatsAppAdapter adapter_{Settings(), clock_};
  Headers headers_;
};

// ---- Fixture comparison ----------------------------------------------------

std::string Str(const Value& object, const char* key) {
  return testing::FixtureString(object, key);
}

// WhatsApp's `extra` fields of the fixtures and where we keep them.
bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  const std::string text = value.IsString() ? value.GetString() : "";
  if (key == "sender_name") {
    EXPECT_EQ(text, got.sender().display_name());
  } else if (key == "waba_id") {
    EXPECT_EQ(text, testing::Attribute(got, "waba_id"));
  } else if (key == "username") {
    EXPECT_EQ(text, testing::Attribute(got, "username"));
    EXPECT_EQ(text, got.sender().username());
  } else if (key == "sender_phone") {
    EXPECT_EQ(text.empty() ? "" : "+" + text, got.sender().phone());
  } else if (key == "emoji") {
    EXPECT_EQ(text, got.reaction().emoji());
  } else if (key == "error_code" || key == "error_title" || key == "error_details") {
    // The errors array stays on its message or status (attributes).
    EXPECT_EQ(text, testing::Attribute(got, key));
  } else if (key == "reaction_action") {
    EXPECT_EQ(text, got.reaction().action() == omnigate::v1::Reaction::ACTION_REACT ? "react"
                                                                                    : "unreact");
  } else {
    return false;
  }
  return true;
}

void ExpectMatches(const Value& want, const Event& got, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(got.connector(), "wa-main");
  testing::ExpectEventMatches(want, got, kReceivedAtMs, CheckExtra);
}

class WhatsAppFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(WhatsAppFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  const testing::ChannelFixture fixture = testing::LoadChannelFixture(GetParam());
  const Value& expected = *fixture.expected;
  FakeClock clock(kReceivedAtMs);
  WhatsAppAdapter adapter(Settings(), clock);
  InboundRequest request;
  request.headers = &fixture.headers;
  request.body = fixture.body;
  request.received_at_ms = kReceivedAtMs;
  ASSERT_TRUE(adapter.Authenticate(request).ok()) << "fixture signature must verify";

  NormalizeResult result;
  const absl::Status status = adapter.Normalize(request, &result);
  const std::string outcome = Str(expected, "outcome");
  if (outcome == "reject") {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(RejectReason(status), Str(expected, "error_reason"));
    EXPECT_EQ(json::Find(expected, "suggested_http_status")->GetInt(), 400);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);  // answered 400
    return;
  }
  ASSERT_EQ(outcome, "accept");
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(result.ignored_reason.empty());

  const Value* events = json::Find(expected, "events");
  if (events != nullptr && events->IsArray()) {
    ASSERT_EQ(result.events.size(), events->Size());
    for (size_t i = 0; i < result.events.size(); ++i) {
      ExpectMatches((*events)[static_cast<rapidjson::SizeType>(i)], result.events[i],
                    absl::StrCat(GetParam(), " event ", i));
    }
    return;
  }
  // Events omitted from the fixture: check its summary and every event's shape.
  const Value* summary = json::Find(expected, "summary");
  ASSERT_NE(summary, nullptr) << "fixture has neither events nor summary";
  ASSERT_EQ(result.events.size(), json::Find(*summary, "event_count")->GetUint64());
  size_t messages = 0, statuses = 0;
  std::set<std::string> keys;
  int64_t first = INT64_MAX, last = 0;
  for (const Event& e : result.events) {
    (e.has_status() ? statuses : messages)++;
    keys.insert(e.idempotency_key());
    first = std::min(first, e.sent_at_ms());
    last = std::max(last, e.sent_at_ms());
    EXPECT_FALSE(e.external_id().empty());
    EXPECT_TRUE(absl::StartsWith(e.conversation_key(), "whatsapp:100000000000001:"));
    EXPECT_EQ(e.account_id(), "100000000000001");
    EXPECT_EQ(e.timestamp_source(), omnigate::v1::TIMESTAMP_SOURCE_PAYLOAD);
    if (e.has_status()) {
      EXPECT_NE(e.status().state(), omnigate::v1::Status::STATE_UNSPECIFIED);
      EXPECT_EQ(e.conversation_key(), "whatsapp:100000000000001:" + e.status().recipient_id());
    } else {
      EXPECT_TRUE(e.has_text());
      EXPECT_FALSE(e.text().body().empty());
    }
  }
  EXPECT_EQ(messages, json::Find(*summary, "message_events")->GetUint64());
  EXPECT_EQ(statuses, json::Find(*summary, "status_events")->GetUint64());
  EXPECT_EQ(keys.size(), json::Find(*summary, "unique_dedup_keys")->GetUint64());
  EXPECT_EQ(first, json::Find(*summary, "first_event_timestamp_ms")->GetInt64());
  EXPECT_EQ(last, json::Find(*summary, "last_event_timestamp_ms")->GetInt64());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, WhatsAppFixtureTest,
                         ::testing::ValuesIn(testing::ListFixtures("whatsapp__")),
                         [](const auto& info) { return info.param.substr(10); });

// ---- Cases the fixtures do not show ---------------------------------------

std::string Wrap(const std::string& value_json, const std::string& field = "messages") {
  return absl::StrCat(
      R"({"object":"whatsapp_business_account","entry":[{"id":"200","changes":[{"field":")", field,
      R"(","value":)", value_json, "}]}]}");
}

std::string OneMessage(const std::string& message_json) {
  return Wrap(
      absl::StrCat(R"({"messaging_product":"whatsapp","metadata":{"phone_number_id":"100"},)",
                   R"("contacts":[{"profile":{"name":"Ana"},"wa_id":"628123"}],"messages":[)",
                   message_json, "]}"));
}

TEST_F(WhatsAppAdapterTest, MediaTypesInteractiveRepliesAndLocation) {
  const std::string messages = absl::StrJoin(
      std::vector<std::string>{
          R"({"from":"628123","id":"m1","timestamp":1770000000,"type":"audio","audio":{"id":"a1","mime_type":"audio/ogg","voice":true}})",
          R"({"from":"628123","id":"m2","timestamp":"1770000001","type":"document","document":{"id":"d1","filename":"inv.pdf","mime_type":"application/pdf","caption":"invoice"}})",
          R"({"from":"628123","id":"m3","timestamp":"1770000002","type":"sticker","sticker":{"id":"s1","animated":true,"mime_type":"image/webp"}})",
          R"({"from":"628123","id":"m4","timestamp":"1770000003","type":"location","location":{"latitude":-6.2,"longitude":106.8,"name":"Kantor","address":"Jl. Sudirman"}})",
          R"({"from":"628123","id":"m5","timestamp":"1770000004","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"yes","title":"Yes"}},"context":{"from":"100","id":"wamid.prev"}})",
          R"({"from":"628123","id":"m6","timestamp":"1770000005","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r2","title":"Refund","description":"Ask for a refund"}}})",
          R"({"from":"628123","id":"m7","timestamp":"1770000006","type":"button","button":{"payload":"STOP_PROMO","text":"Stop promotions"}})",
          R"({"from":"628123","id":"m8","timestamp":"1770000007","type":"contacts","contacts":[{"name":{"formatted_name":"Budi S","first_name":"Budi"},"phones":[{"phone":"+62 811","type":"CELL","wa_id":"62811"}],"emails":[{"email":"b@example.com"}],"org":{"company":"ACME"}}]})",
          R"({"from":"628123","id":"m9","timestamp":"1770000008","type":"video","video":{"id":"v1","mime_type":"video/mp4"}})"},
      ",");
  NormalizeResult result;
  ASSERT_TRUE(Normalize(OneMessage(messages), &result).ok());
  ASSERT_EQ(result.events.size(), 9u);
  const auto& e = result.events;
  EXPECT_EQ(e[0].media().items(0).kind(), MediaItem::KIND_VOICE);
  EXPECT_EQ(e[0].sent_at_ms(), 1770000000000);
  EXPECT_EQ(e[1].media().items(0).file_name(), "inv.pdf");
  EXPECT_EQ(e[1].media().caption(), "invoice");
  EXPECT_TRUE(e[2].media().items(0).animated());
  EXPECT_DOUBLE_EQ(e[3].location().latitude(), -6.2);
  EXPECT_EQ(e[3].location().address(), "Jl. Sudirman");
  EXPECT_EQ(e[4].interactive().type(), omnigate::v1::InteractiveReply::TYPE_BUTTON);
  EXPECT_EQ(e[4].interactive().id(), "yes");
  EXPECT_EQ(e[4].reply_to_external_id(), "wamid.prev");
  EXPECT_EQ(e[5].interactive().type(), omnigate::v1::InteractiveReply::TYPE_LIST);
  EXPECT_EQ(e[5].interactive().description(), "Ask for a refund");
  EXPECT_EQ(e[6].interactive().type(), omnigate::v1::InteractiveReply::TYPE_TEMPLATE_BUTTON);
  EXPECT_EQ(e[6].interactive().id(), "STOP_PROMO");
  ASSERT_EQ(e[7].contacts().contacts_size(), 1);
  EXPECT_EQ(e[7].contacts().contacts(0).phones(0).channel_user_id(), "62811");
  EXPECT_EQ(e[7].contacts().contacts(0).emails(0), "b@example.com");
  EXPECT_EQ(e[7].contacts().contacts(0).organization(), "ACME");
  EXPECT_EQ(e[8].media().items(0).kind(), MediaItem::KIND_VIDEO);
  for (const Event& event : e) {
    EXPECT_EQ(event.sender().display_name(), "Ana");
    EXPECT_EQ(event.sender().phone(), "+628123");
    EXPECT_EQ(event.conversation_key(), "whatsapp:100:628123");
    EXPECT_EQ(event.attributes().at("waba_id"), "200");
  }
}

TEST_F(WhatsAppAdapterTest, UnknownMessageTypesAreKeptAsUnsupportedWithTheirJson) {
  NormalizeResult result;
  const std::string order =
      R"({"from":"628123","id":"m1","timestamp":"1770000000","type":"order","order":{"catalog_id":"c"}})";
  const std::string unsupported =
      R"({"from":"628123","id":"m2","timestamp":"1770000000","type":"unsupported","errors":[{"code":131051}]})";
  ASSERT_TRUE(Normalize(OneMessage(order + "," + unsupported), &result).ok());
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].unsupported().type_name(), "order");
  EXPECT_THAT(result.events[0].unsupported().raw(), ::testing::HasSubstr("catalog_id"));
  EXPECT_EQ(result.events[1].unsupported().type_name(), "unsupported");
  EXPECT_EQ(result.events[1].idempotency_key(), "whatsapp:msg:m2");
}

TEST_F(WhatsAppAdapterTest, FailedStatusCarriesTheErrorAndAStatusKey) {
  NormalizeResult result;
  const std::string value =
      R"({"metadata":{"phone_number_id":"100"},"statuses":[{"id":"wamid.X","status":"failed","timestamp":"1770000000","recipient_id":"628999","errors":[{"code":131026,"title":"Message undeliverable"}]}]})";
  ASSERT_TRUE(Normalize(Wrap(value), &result).ok());
  ASSERT_EQ(result.events.size(), 1u);
  const Event& e = result.events[0];
  EXPECT_EQ(e.status().state(), omnigate::v1::Status::STATE_FAILED);
  EXPECT_EQ(e.status().error_code(), "131026");
  EXPECT_EQ(e.status().error_message(), "Message undeliverable");
  EXPECT_EQ(e.status().target_external_id(), "wamid.X");
  EXPECT_EQ(e.idempotency_key(), "whatsapp:status:wamid.X:failed");
  EXPECT_EQ(e.conversation_key(), "whatsapp:100:628999");
  EXPECT_EQ(e.sender().role(), omnigate::v1::ROLE_SYSTEM);
}

TEST_F(WhatsAppAdapterTest, ReactionRemovalWithEmptyOrAbsentEmojiIsAnUnreact) {
  NormalizeResult result;
  ASSERT_TRUE(
      Normalize(
          OneMessage(
              R"({"from":"628123","id":"r1","timestamp":"1770000000","type":"reaction","reaction":{"message_id":"wamid.T","emoji":""}},)"
              R"({"from":"628123","id":"r2","timestamp":"1770000001","type":"reaction","reaction":{"message_id":"wamid.T"}},)"
              R"({"from":"628123","id":"r3","timestamp":"1770000002","type":"reaction","reaction":{"message_id":"wamid.T","emoji":"\ud83d\udc4d"}})"),
          &result)
          .ok());
  ASSERT_EQ(result.events.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(result.events[i].reaction().action(), omnigate::v1::Reaction::ACTION_UNREACT) << i;
    EXPECT_EQ(result.events[i].reaction().emoji(), "") << i;
  }
  EXPECT_EQ(result.events[2].reaction().action(), omnigate::v1::Reaction::ACTION_REACT);
  EXPECT_EQ(result.events[2].reaction().emoji(), "\xF0\x9F\x91\x8D");
  for (const Event& e : result.events) {
    EXPECT_EQ(e.reaction().target_external_id(), "wamid.T");
    EXPECT_EQ(e.reply_to_external_id(), "wamid.T");
  }
}

TEST_F(WhatsAppAdapterTest, StatusStatesAndErrorDetails) {
  NormalizeResult result;
  const std::string value =
      R"({"metadata":{"phone_number_id":"100"},"statuses":[)"
      R"({"id":"w1","status":"deleted","timestamp":1770000000,"recipient_id":"628999"},)"
      R"({"id":"w2","status":"warped","timestamp":"1770000001","recipient_id":"628999"},)"
      R"({"id":"w3","status":"failed","timestamp":"1770000002","recipient_id":"628999",)"
      R"("errors":[{"code":131047,"error_data":{"details":"Re-engagement window closed"}}]}]})";
  ASSERT_TRUE(Normalize(Wrap(value), &result).ok());
  ASSERT_EQ(result.events.size(), 3u);
  EXPECT_EQ(result.events[0].status().state(), omnigate::v1::Status::STATE_DELETED);
  EXPECT_EQ(result.events[0].sent_at_ms(), 1770000000000);
  // An unknown state is kept, named in an attribute, never dropped.
  EXPECT_EQ(result.events[1].status().state(), omnigate::v1::Status::STATE_UNSPECIFIED);
  EXPECT_EQ(result.events[1].attributes().at("status_name"), "warped");
  EXPECT_EQ(result.events[1].idempotency_key(), "whatsapp:status:w2:warped");
  EXPECT_EQ(result.events[2].status().error_code(), "131047");
  EXPECT_EQ(result.events[2].status().error_message(), "Re-engagement window closed");
}

TEST_F(WhatsAppAdapterTest, FlowRepliesAndUsersWithoutAPhoneNumber) {
  NormalizeResult result;
  const std::string value =
      R"({"metadata":{"phone_number_id":"100"},)"
      R"("contacts":[{"profile":{"name":"Rina","username":"rina.x"},"user_id":"ID.77"}],)"
      R"("messages":[{"from_user_id":"ID.77","id":"f1","timestamp":"1770000000","type":"interactive",)"
      R"("interactive":{"type":"nfm_reply","nfm_reply":{"name":"booking","response_json":"{\"slot\":\"9\"}"}}}]})";
  ASSERT_TRUE(Normalize(Wrap(value), &result).ok());
  ASSERT_EQ(result.events.size(), 1u);
  const Event& e = result.events[0];
  EXPECT_EQ(e.interactive().type(), omnigate::v1::InteractiveReply::TYPE_FLOW);
  EXPECT_EQ(e.interactive().id(), R"({"slot":"9"})");
  EXPECT_EQ(e.interactive().title(), "booking");
  EXPECT_EQ(e.sender().id(), "ID.77");
  EXPECT_EQ(e.sender().phone(), "") << "a business-scoped id is not a phone number";
  EXPECT_EQ(e.sender().display_name(), "Rina");
  EXPECT_EQ(e.sender().username(), "rina.x");
  EXPECT_EQ(e.conversation_key(), "whatsapp:100:ID.77");
}

TEST_F(WhatsAppAdapterTest, OtherObjectsAreIgnoredAndOtherFieldsKept) {
  NormalizeResult ignored;
  ASSERT_TRUE(Normalize(R"({"object":"page","entry":[]})", &ignored).ok());
  EXPECT_EQ(ignored.ignored_reason, "unexpected_object_type");
  EXPECT_TRUE(ignored.events.empty());

  NormalizeResult account;
  ASSERT_TRUE(Normalize(Wrap(R"({"event":"APPROVED","message_template_id":1})",
                             "message_template_status_update"),
                        &account)
                  .ok());
  ASSERT_EQ(account.events.size(), 1u);
  EXPECT_EQ(account.events[0].unsupported().type_name(), "field:message_template_status_update");
  EXPECT_EQ(account.events[0].conversation_key(), "whatsapp:200:_account");
  // Redelivery gives the same key.
  NormalizeResult again;
  ASSERT_TRUE(Normalize(Wrap(R"({"event":"APPROVED","message_template_id":1})",
                             "message_template_status_update"),
                        &again)
                  .ok());
  EXPECT_EQ(again.events[0].idempotency_key(), account.events[0].idempotency_key());
}

TEST_F(WhatsAppAdapterTest, MissingTimestampFallsBackToReceiptTime) {
  NormalizeResult result;
  ASSERT_TRUE(
      Normalize(OneMessage(R"({"from":"628123","id":"m1","type":"text","text":{"body":"hi"}})"),
                &result)
          .ok());
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].sent_at_ms(), kReceivedAtMs);
  EXPECT_EQ(result.events[0].timestamp_source(), omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
}

TEST_F(WhatsAppAdapterTest, MalformedBodiesAreRejectedWithPreciseReasons) {
  struct Case {
    std::string body;
    std::string reason;
  } cases[] = {
      {"", "empty_body"},
      {"[]", "schema_type_mismatch:body"},
      {R"({"object":"whatsapp_business_account"})", "missing_required_field:entry"},
      {R"({"object":"whatsapp_business_account","entry":{}})", "schema_type_mismatch:entry"},
      {Wrap(R"({"messages":[]})"), "missing_required_field:metadata"},
      {OneMessage(R"({"from":628123.5,"id":"m","type":"text","text":{"body":"x"}})"),
       "id_precision_loss:from"},
      {OneMessage(R"({"id":"m","type":"text","text":{"body":"x"}})"),
       "missing_required_field:from"},
      {OneMessage(R"({"from":"1","type":"text","text":{"body":"x"}})"),
       "missing_required_field:id"},
      {OneMessage(R"({"from":"1","id":"m","type":"image"})"), "missing_required_field:image"},
      {std::string(100, '[') + std::string(100, ']'), "json_max_depth_exceeded"},
  };
  for (const auto& c : cases) {
    NormalizeResult result;
    const absl::Status status = Normalize(c.body, &result);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(RejectReason(status), c.reason) << c.body;
  }
}

TEST_F(WhatsAppAdapterTest, NeverCrashesOnTruncatedOrGarbageInput) {
  const testing::ChannelFixture fixture =
      testing::LoadChannelFixture("whatsapp__image_with_caption");
  size_t rejected = 0, total = 0;
  for (size_t cut = 0; cut < fixture.body.size(); cut += 7) {
    NormalizeResult result;
    ++total;
    if (!Normalize(fixture.body.substr(0, cut), &result).ok()) ++rejected;
  }
  EXPECT_EQ(rejected, total) << "every strict prefix of a JSON object is invalid";
  for (const std::string& garbage :
       {std::string("null"), std::string("\"x\""), std::string("\xff\xfe"),
        std::string("{\"object\":1}"), std::string(1, '\0')}) {
    NormalizeResult result;
    // None of these is a WhatsApp webhook: refused, never half-accepted.
    EXPECT_EQ(Normalize(garbage, &result).code(), absl::StatusCode::kInvalidArgument) << garbage;
    EXPECT_TRUE(result.events.empty());
  }
}

TEST_F(WhatsAppAdapterTest, HandshakeUsesTheVerifyToken) {
  InboundRequest request;
  request.method = "GET";
  request.query = "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42";
  auto reply = adapter_.Handshake(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->body, "42");
  request.query = "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=42";
  EXPECT_EQ(adapter_.Handshake(request).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(WhatsAppAdapterTest, AuthenticateChecksTheAppSecret) {
  const std::string body = OneMessage(R"({"from":"1","id":"m","type":"text","text":{"body":"x"}})");
  InboundRequest request;
  request.headers = &headers_;
  request.body = body;
  EXPECT_EQ(RejectReason(adapter_.Authenticate(request)), "signature_missing");
  headers_.Add("X-Hub-Signature-256", "sha256=" + HexEncode(crypto::HmacSha256(kSecret, body)));
  EXPECT_TRUE(adapter_.Authenticate(request).ok());
}

}  // namespace
}  // namespace omnigate::channels
