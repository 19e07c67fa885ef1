#include "lib/outbound/whatsapp_sender.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/outbound/test_support.h"

namespace omnigate::outbound {
namespace {

using testing::Json;
using testing::Response;
using testing::Str;

OutboundMessage Message() {
  OutboundMessage m;
  m.channel = omnigate::v1::CHANNEL_WHATSAPP;
  m.settings.api_base_url = testing::kApiBase;
  m.settings.token = "wa-token";
  m.settings.account = "100000000000001";
  m.outbound_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  m.recipient = "15550100001";
  m.text = "Your order shipped.";
  return m;
}

TEST(WhatsAppSenderTest, TextRequest) {
  const auto request = WhatsAppSender().Build(Message());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/100000000000001/messages");
  EXPECT_EQ(testing::Header(*request, "Authorization"), "Bearer wa-token");
  EXPECT_EQ(request->content_type, "application/json");
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/messaging_product"), "whatsapp");
  EXPECT_EQ(Str(*doc, "/recipient_type"), "individual");
  EXPECT_EQ(Str(*doc, "/to"), "15550100001");
  EXPECT_EQ(Str(*doc, "/type"), "text");
  EXPECT_EQ(Str(*doc, "/text/body"), "Your order shipped.");
  ASSERT_NE(testing::At(*doc, "/text/preview_url"), nullptr);
  EXPECT_FALSE(testing::Bool(*doc, "/text/preview_url"));
  EXPECT_EQ(Str(*doc, "/biz_opaque_callback_data"), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(testing::At(*doc, "/context"), nullptr);
  EXPECT_EQ(request->ForLog(), "POST http://127.0.0.1:9/api/100000000000001/messages");
}

TEST(WhatsAppSenderTest, ReplyContext) {
  OutboundMessage m = Message();
  m.reply_to_external_id = "wamid.HBgLMTU1NTAxMDAwMDE=";
  const auto doc = Json(WhatsAppSender().Build(m)->body);
  EXPECT_EQ(Str(*doc, "/context/message_id"), "wamid.HBgLMTU1NTAxMDAwMDE=");
}

TEST(WhatsAppSenderTest, ImageWithCaption) {
  OutboundMessage m = Message();
  m.text.clear();
  m.media.push_back(testing::Image("https://cdn.example.com/p/123.jpg", "Receipt"));
  const auto request = WhatsAppSender().Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/type"), "image");
  EXPECT_EQ(Str(*doc, "/image/link"), "https://cdn.example.com/p/123.jpg");
  EXPECT_EQ(Str(*doc, "/image/caption"), "Receipt");
  EXPECT_EQ(testing::At(*doc, "/text"), nullptr);
}

TEST(WhatsAppSenderTest, DocumentTakesTextAsCaptionAndFileName) {
  OutboundMessage m = Message();
  MediaAttachment pdf;
  pdf.kind = omnigate::v1::MediaItem::KIND_DOCUMENT;
  pdf.url = "https://cdn.example.com/invoice.pdf";
  pdf.file_name = "invoice.pdf";
  m.media.push_back(pdf);
  const auto doc = Json(WhatsAppSender().Build(m)->body);
  EXPECT_EQ(Str(*doc, "/type"), "document");
  EXPECT_EQ(Str(*doc, "/document/link"), "https://cdn.example.com/invoice.pdf");
  EXPECT_EQ(Str(*doc, "/document/caption"), "Your order shipped.");
  EXPECT_EQ(Str(*doc, "/document/filename"), "invoice.pdf");
}

TEST(WhatsAppSenderTest, AudioRefusesCaption) {
  OutboundMessage m = Message();
  MediaAttachment audio;
  audio.kind = omnigate::v1::MediaItem::KIND_VOICE;
  audio.url = "https://cdn.example.com/a.ogg";
  m.media.push_back(audio);
  EXPECT_EQ(WhatsAppSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m.text.clear();
  const auto doc = Json(WhatsAppSender().Build(m)->body);
  EXPECT_EQ(Str(*doc, "/type"), "audio");
  EXPECT_EQ(Str(*doc, "/audio/link"), "https://cdn.example.com/a.ogg");
}

TEST(WhatsAppSenderTest, ReplyButtonsUpToThreeWithTruncatedTitles) {
  OutboundMessage m = Message();
  m.text = "Was this helpful?";
  m.options = {{"yes", "Yes"}, {"no", "No, I still need help with this"}};
  const auto doc = Json(WhatsAppSender().Build(m)->body);
  EXPECT_EQ(Str(*doc, "/type"), "interactive");
  EXPECT_EQ(Str(*doc, "/interactive/type"), "button");
  EXPECT_EQ(Str(*doc, "/interactive/body/text"), "Was this helpful?");
  EXPECT_EQ(testing::Size(*doc, "/interactive/action/buttons"), 2u);
  EXPECT_EQ(Str(*doc, "/interactive/action/buttons/0/type"), "reply");
  EXPECT_EQ(Str(*doc, "/interactive/action/buttons/0/reply/id"), "yes");
  EXPECT_EQ(Str(*doc, "/interactive/action/buttons/0/reply/title"), "Yes");
  EXPECT_EQ(Str(*doc, "/interactive/action/buttons/1/reply/id"), "no");
  EXPECT_EQ(Str(*doc, "/interactive/action/buttons/1/reply/title"), "No, I still need hel");
}

TEST(WhatsAppSenderTest, MoreThanThreeOptionsBecomeAList) {
  OutboundMessage m = Message();
  m.text = "How can we help?";
  m.options = {
      {"r1", "Billing"}, {"r2", "Shipping"}, {"r3", "Returns"}, {"r4", "Something else entirely"}};
  const auto doc = Json(WhatsAppSender().Build(m)->body);
  EXPECT_EQ(Str(*doc, "/interactive/type"), "list");
  EXPECT_EQ(Str(*doc, "/interactive/action/button"), "Options");
  EXPECT_EQ(testing::Size(*doc, "/interactive/action/sections/0/rows"), 4u);
  EXPECT_EQ(Str(*doc, "/interactive/action/sections/0/rows/0/id"), "r1");
  EXPECT_EQ(Str(*doc, "/interactive/action/sections/0/rows/3/title"), "Something else entirely");
  m.options.resize(11, {"rx", "More"});
  const auto too_many = WhatsAppSender().Build(m);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_many.status().message().find("10"), std::string::npos);
}

TEST(WhatsAppSenderTest, Template) {
  OutboundMessage m = Message();
  m.text.clear();
  m.whatsapp_template = WhatsAppTemplate{"support_followup", "en_US", {"#4521", "Friday"}};
  const auto request = WhatsAppSender().Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/type"), "template");
  EXPECT_EQ(Str(*doc, "/template/name"), "support_followup");
  EXPECT_EQ(Str(*doc, "/template/language/policy"), "deterministic");
  EXPECT_EQ(Str(*doc, "/template/language/code"), "en_US");
  EXPECT_EQ(Str(*doc, "/template/components/0/type"), "body");
  EXPECT_EQ(Str(*doc, "/template/components/0/parameters/0/type"), "text");
  EXPECT_EQ(Str(*doc, "/template/components/0/parameters/0/text"), "#4521");
  EXPECT_EQ(Str(*doc, "/template/components/0/parameters/1/text"), "Friday");
  m.text = "also free text";
  EXPECT_EQ(WhatsAppSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(WhatsAppSenderTest, RejectsWhatCannotBeSent) {
  OutboundMessage m = Message();
  m.recipient.clear();
  EXPECT_EQ(WhatsAppSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.text = std::string(4097, 'a');
  const auto status = WhatsAppSender().Build(m).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("4096"), std::string::npos) << status;
  m = Message();
  m.text = "\xC3\x28";
  EXPECT_EQ(WhatsAppSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.settings.token.clear();
  EXPECT_EQ(WhatsAppSender().Build(m).status().code(), absl::StatusCode::kFailedPrecondition);
  m = Message();
  m.media = {testing::Image("https://a/1.jpg"), testing::Image("https://a/2.jpg")};
  EXPECT_EQ(WhatsAppSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

SendOutcome Classify(int status, const std::string& body, HeaderList headers = {}) {
  return WhatsAppSender().Classify(Message(), Response(status, body, std::move(headers)));
}

std::string Error(int code, const char* message = "err") {
  return std::string(R"({"error":{"message":")") + message +
         R"(","type":"OAuthException","code":)" + std::to_string(code) +
         R"(,"error_data":{"messaging_product":"whatsapp","details":"more"},"fbtrace_id":"AbC"}})";
}

TEST(WhatsAppSenderTest, ClassifySuccess) {
  const SendOutcome outcome = Classify(
      200,
      R"({"messaging_product":"whatsapp","contacts":[{"input":"15550100001","wa_id":"15550100001"}],
               "messages":[{"id":"wamid.HBgLMTU1NTAxMDAwMDEVAgARGBI5QUJDREVGAA=="}]})");
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id, "wamid.HBgLMTU1NTAxMDAwMDEVAgARGBI5QUJDREVGAA==");
}

TEST(WhatsAppSenderTest, ClassifyThrottles) {
  SendOutcome outcome = Classify(400, Error(130429, "(#130429) Rate limit hit"));
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.throttle_scope, SendOutcome::Scope::kConnector);
  EXPECT_EQ(outcome.error_code, "130429");
  EXPECT_EQ(outcome.error_message, "(#130429) Rate limit hit: more");
  outcome = Classify(400, Error(131056));
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.throttle_scope, SendOutcome::Scope::kRecipient);
  EXPECT_GE(outcome.retry_after, absl::Seconds(6));
  for (int code : {4, 80007, 131048}) {
    EXPECT_EQ(Classify(400, Error(code)).kind, SendOutcome::kThrottled) << code;
  }
  outcome = Classify(503, Error(131057));
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(60));
  // A bare 429 without a known code still throttles.
  outcome = Classify(429, "", {{"Retry-After", "30"}});
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(30));
  // Business use case usage: minutes to regain access.
  outcome = Classify(
      400, Error(80007),
      {{"X-Business-Use-Case-Usage",
        R"({"1234":[{"type":"whatsapp","call_count":100,"estimated_time_to_regain_access":5}]})"}});
  EXPECT_EQ(outcome.retry_after, absl::Minutes(5));
}

TEST(WhatsAppSenderTest, ClassifyErrors) {
  EXPECT_EQ(Classify(400, Error(131047)).kind, SendOutcome::kPolicy);
  for (int code : {131026, 131050, 131051, 132000, 132012, 100, 130472}) {
    EXPECT_EQ(Classify(400, Error(code)).kind, SendOutcome::kPermanent) << code;
  }
  for (int code : {0, 190, 10, 200, 299, 368, 131031, 131042, 133010}) {
    EXPECT_EQ(Classify(401, Error(code)).kind, SendOutcome::kConnector) << code;
  }
  for (int code : {1, 2, 131000, 131016, 131053}) {
    EXPECT_EQ(Classify(500, Error(code)).kind, SendOutcome::kTransient) << code;
  }
  // Codes decide, not the HTTP status.
  EXPECT_EQ(Classify(200, Error(131026)).kind, SendOutcome::kPermanent);
}

TEST(WhatsAppSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(502, "<html>Bad Gateway</html>").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(400, "<html>Bad Request</html>").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(200, "{\"messages\":").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(200, "{}").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(0, "").kind, SendOutcome::kTransient);
  const SendOutcome unknown = Classify(400, Error(999999, "new"));
  EXPECT_EQ(unknown.kind, SendOutcome::kPermanent);
  EXPECT_EQ(unknown.error_code, "999999");
}

}  // namespace
}  // namespace omnigate::outbound
