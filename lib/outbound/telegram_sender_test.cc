#include "lib/outbound/telegram_sender.h"

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
  m.channel = omnigate::v1::CHANNEL_TELEGRAM;
  m.settings.api_base_url = testing::kApiBase;
  m.settings.token = "123456:ABC-DEF";
  m.outbound_id = "out-1";
  m.recipient = "123456789";
  m.text = "Was this helpful?";
  return m;
}

TEST(TelegramSenderTest, TextRequestWithReplyAndInlineKeyboard) {
  OutboundMessage m = Message();
  m.reply_to_external_id = "123456789:42";
  m.options = {{"fb:yes", "Yes"}, {"fb:no", "No"}};
  const auto request = TelegramSender().Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/bot123456:ABC-DEF/sendMessage");
  EXPECT_EQ(request->content_type, "application/json");
  EXPECT_EQ(request->ForLog(), "POST http://127.0.0.1:9/api/botREDACTED/sendMessage");
  const auto doc = Json(request->body);
  EXPECT_EQ(testing::Int(*doc, "/chat_id"), 123456789);
  EXPECT_EQ(Str(*doc, "/text"), "Was this helpful?");
  EXPECT_EQ(testing::Int(*doc, "/reply_parameters/message_id"), 42);
  EXPECT_EQ(testing::Size(*doc, "/reply_markup/inline_keyboard"), 1u);
  EXPECT_EQ(Str(*doc, "/reply_markup/inline_keyboard/0/0/text"), "Yes");
  EXPECT_EQ(Str(*doc, "/reply_markup/inline_keyboard/0/0/callback_data"), "fb:yes");
  EXPECT_EQ(Str(*doc, "/reply_markup/inline_keyboard/0/1/callback_data"), "fb:no");
  m.reply_to_external_id = "987:42";  // another chat's message cannot be quoted here
  EXPECT_EQ(testing::At(*Json(TelegramSender().Build(m)->body), "/reply_parameters"), nullptr);
}

TEST(TelegramSenderTest, ManyButtonsOnePerRowAndCallbackDataLimit) {
  OutboundMessage m = Message();
  m.options = {{"a", "A"}, {"b", "B"}, {"c", "C"}, {"d", "D"}};
  const auto doc = Json(TelegramSender().Build(m)->body);
  EXPECT_EQ(testing::Size(*doc, "/reply_markup/inline_keyboard"), 4u);
  EXPECT_EQ(Str(*doc, "/reply_markup/inline_keyboard/3/0/callback_data"), "d");
  m.options = {{std::string(65, 'x'), "Too long"}};
  const auto status = TelegramSender().Build(m).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("64 bytes"), std::string::npos);
}

TEST(TelegramSenderTest, PhotoWithCaptionAndChannelUsername) {
  OutboundMessage m = Message();
  m.recipient = "@acme_news";
  m.text.clear();
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg", "Receipt"));
  const auto request = TelegramSender().Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/bot123456:ABC-DEF/sendPhoto");
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/chat_id"), "@acme_news");
  EXPECT_EQ(Str(*doc, "/photo"), "https://cdn.example.com/a.jpg");
  EXPECT_EQ(Str(*doc, "/caption"), "Receipt");
  EXPECT_EQ(testing::At(*doc, "/text"), nullptr);
}

TEST(TelegramSenderTest, DocumentMethodAndLimits) {
  OutboundMessage m = Message();
  MediaAttachment pdf;
  pdf.kind = omnigate::v1::MediaItem::KIND_DOCUMENT;
  pdf.url = "https://cdn.example.com/a.pdf";
  m.media.push_back(pdf);
  const auto request = TelegramSender().Build(m);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/bot123456:ABC-DEF/sendDocument");
  EXPECT_EQ(Str(*Json(request->body), "/caption"), "Was this helpful?");
  m.text = std::string(1025, 'c');
  EXPECT_EQ(TelegramSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.text = std::string(4097, 't');
  EXPECT_NE(TelegramSender().Build(m).status().message().find("4096"), std::string::npos);
  m = Message();
  m.whatsapp_template = WhatsAppTemplate{"t", "en", {}};
  EXPECT_EQ(TelegramSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

SendOutcome Classify(int status, const std::string& body, HeaderList headers = {}) {
  return TelegramSender().Classify(Message(), Response(status, body, std::move(headers)));
}

TEST(TelegramSenderTest, ClassifySuccessKeepsChatScopedId) {
  const SendOutcome outcome =
      Classify(200, R"({"ok":true,"result":{"message_id":43,"date":1760000000,
               "chat":{"id":123456789,"type":"private"},"text":"Was this helpful?"}})");
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id, "123456789:43");
}

TEST(TelegramSenderTest, ClassifyThrottle) {
  SendOutcome outcome = Classify(
      429,
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}})");
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(35));
  EXPECT_EQ(outcome.error_code, "429");
  outcome = Classify(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests"})",
                     {{"Retry-After", "7"}});
  EXPECT_EQ(outcome.retry_after, absl::Seconds(7));
}

TEST(TelegramSenderTest, ClassifyErrors) {
  SendOutcome outcome = Classify(
      403,
      R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
  EXPECT_EQ(outcome.kind, SendOutcome::kPermanent);
  EXPECT_EQ(outcome.error_message, "Forbidden: bot was blocked by the user");
  EXPECT_EQ(
      Classify(403,
               R"({"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"})")
          .kind,
      SendOutcome::kPermanent);
  EXPECT_EQ(
      Classify(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})")
          .kind,
      SendOutcome::kPermanent);
  outcome = Classify(
      400,
      R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}})");
  EXPECT_EQ(outcome.kind, SendOutcome::kPolicy);
  EXPECT_NE(outcome.error_message.find("-1001234567890"), std::string::npos);
  EXPECT_EQ(Classify(401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})").kind,
            SendOutcome::kConnector);
  EXPECT_EQ(Classify(502, R"({"ok":false,"error_code":502,"description":"Bad Gateway"})").kind,
            SendOutcome::kTransient);
}

TEST(TelegramSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(502, "<html>502 Bad Gateway</html>").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(400, "oops").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(200, R"({"ok":true,"result":{}})").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(200, "").kind, SendOutcome::kTransient);
}

}  // namespace
}  // namespace omnigate::outbound
