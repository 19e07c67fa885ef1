#include "lib/outbound/outbound_message.h"

#include "gtest/gtest.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/sender_factory.h"

namespace omnigate::outbound {
namespace {

using omnigate::v1::Event;

Event Reply() {
  Event event;
  event.set_id("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  event.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
  event.set_conversation_key("whatsapp:100000000000001:15550100001");
  event.mutable_recipient()->set_id("15550100001");
  event.set_reply_to_external_id("wamid.IN");
  event.set_locale("id");
  event.mutable_text()->set_body("Halo!");
  return event;
}

TEST(FromEventTest, Text) {
  SenderSettings settings;
  settings.token = "t";
  const auto message = FromEvent(Reply(), settings);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->channel, omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(message->outbound_id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(message->conversation_key, "whatsapp:100000000000001:15550100001");
  EXPECT_EQ(message->recipient, "15550100001");
  EXPECT_EQ(message->text, "Halo!");
  EXPECT_EQ(message->reply_to_external_id, "wamid.IN");
  EXPECT_EQ(message->locale, "id");
  EXPECT_EQ(message->settings.token, "t");
  EXPECT_FALSE(message->human_agent);
  EXPECT_TRUE(message->in_reply_to.empty());
}

TEST(FromEventTest, TextOptionsBecomeButtons) {
  Event event = Reply();
  auto* yes = event.mutable_text()->add_options();
  yes->set_id("yes");
  yes->set_title("Ya");
  auto* no = event.mutable_text()->add_options();
  no->set_id("no");
  no->set_title("Tidak");
  const auto message = FromEvent(event, SenderSettings());
  ASSERT_TRUE(message.ok()) << message.status();
  ASSERT_EQ(message->options.size(), 2u);
  EXPECT_EQ(message->options[0].id, "yes");
  EXPECT_EQ(message->options[0].title, "Ya");
  EXPECT_EQ(message->options[1].id, "no");
  EXPECT_EQ(message->options[1].title, "Tidak");
  // WhatsApp sends them as native reply buttons.
  auto sender = SenderFor(omnigate::v1::CHANNEL_WHATSAPP, "");
  ASSERT_NE(sender, nullptr);
  SenderSettings settings;
  settings.api_base_url = "http://127.0.0.1:1";
  settings.token = "t";
  settings.account = "100000000000001";
  OutboundMessage m = *message;
  m.settings = settings;
  const auto request = sender->Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_NE(request->body.find("\"type\":\"button\""), std::string::npos) << request->body;
  EXPECT_NE(request->body.find("\"Tidak\""), std::string::npos) << request->body;
}

TEST(FromEventTest, TemplatePayload) {
  Event event = Reply();
  auto* t = event.mutable_template_();
  t->set_name("order_update");
  t->set_language("id");
  t->add_parameters("#4521");
  t->add_parameters("Senin");
  const auto message = FromEvent(event, SenderSettings());
  ASSERT_TRUE(message.ok()) << message.status();
  ASSERT_TRUE(message->whatsapp_template.has_value());
  EXPECT_EQ(message->whatsapp_template->name, "order_update");
  EXPECT_EQ(message->whatsapp_template->language, "id");
  EXPECT_EQ(message->whatsapp_template->body_parameters,
            (std::vector<std::string>{"#4521", "Senin"}));
  EXPECT_TRUE(message->text.empty());
}

TEST(FromEventTest, MediaItemsAndCaption) {
  Event event = Reply();
  auto* media = event.mutable_media();
  media->set_caption("Receipt");
  auto* item = media->add_items();
  item->set_kind(omnigate::v1::MediaItem::KIND_DOCUMENT);
  item->set_url("https://cdn.example.com/a.pdf");
  item->set_file_name("a.pdf");
  item->set_mime_type("application/pdf");
  item->set_size_bytes(2048);
  const auto message = FromEvent(event, {});
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->text, "Receipt");
  ASSERT_EQ(message->media.size(), 1u);
  EXPECT_EQ(message->media[0].kind, omnigate::v1::MediaItem::KIND_DOCUMENT);
  EXPECT_EQ(message->media[0].url, "https://cdn.example.com/a.pdf");
  EXPECT_EQ(message->media[0].file_name, "a.pdf");
  EXPECT_EQ(message->media[0].mime_type, "application/pdf");
  EXPECT_EQ(message->media[0].size_bytes, 2048u);
}

TEST(FromEventTest, InteractiveBecomesOneOption) {
  Event event = Reply();
  event.mutable_interactive()->set_id("handoff");
  event.mutable_interactive()->set_title("Talk to a human");
  event.mutable_interactive()->set_description("Need more help?");
  const auto message = FromEvent(event, {});
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->text, "Need more help?");
  ASSERT_EQ(message->options.size(), 1u);
  EXPECT_EQ(message->options[0].id, "handoff");
  EXPECT_EQ(message->options[0].title, "Talk to a human");
}

TEST(FromEventTest, EmailThreadingAndLineReplyToken) {
  Event event = Reply();
  event.set_channel(omnigate::v1::CHANNEL_EMAIL);
  event.mutable_recipient()->set_id("Customer");
  event.mutable_recipient()->set_email("customer@example.org");
  event.set_reply_to_external_id("CAF1x2y3@mail.gmail.com");
  (*event.mutable_attributes())["subject"] = "Where is my order?";
  (*event.mutable_attributes())["references"] = "<a1@example.org>  <CAF1x2y3@mail.gmail.com>";
  (*event.mutable_attributes())["reply_token"] = "tok";
  const auto message = FromEvent(event, {});
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->recipient, "customer@example.org");
  EXPECT_EQ(message->in_reply_to, "CAF1x2y3@mail.gmail.com");
  EXPECT_EQ(message->subject, "Where is my order?");
  ASSERT_EQ(message->references.size(), 2u);
  EXPECT_EQ(message->references[1], "<CAF1x2y3@mail.gmail.com>");
  EXPECT_EQ(message->line_reply_token, "tok");
  EXPECT_FALSE(message->line_reply_token_usable);  // freshness is the sender's call
}

TEST(FromEventTest, RejectsNonMessagePayloads) {
  Event event = Reply();
  event.mutable_status()->set_target_external_id("wamid.X");
  EXPECT_EQ(FromEvent(event, {}).status().code(), absl::StatusCode::kInvalidArgument);
  event.mutable_reaction()->set_emoji("+1");
  EXPECT_EQ(FromEvent(event, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MessageChecksTest, CountsAndTruncatesCodePoints) {
  EXPECT_EQ(CodePoints("héllo"), 5u);
  EXPECT_EQ(TruncateCodePoints("héllo wörld", 7), "héllo w");
  EXPECT_EQ(TruncateCodePoints("日本語テキスト", 3), "日本語");
  EXPECT_EQ(TruncateCodePoints("ab", 5), "ab");
  EXPECT_TRUE(CheckLength("X", "text", std::string(3, 'a') + "é", 4).ok());
  EXPECT_FALSE(CheckLength("X", "text", "abcde", 4).ok());
  EXPECT_EQ(WithNumberedOptions("", {{"a", "A"}, {"b", "B"}}), "1. A\n2. B");
}

TEST(MessageChecksTest, RejectsInvalidUtf8Anywhere) {
  OutboundMessage m;
  m.recipient = "u";
  m.text = "ok";
  EXPECT_TRUE(CheckBasics(m, "X").ok());
  m.options = {{"\xC3", "\xA9"}};  // halves of one character must not pass together
  EXPECT_EQ(CheckBasics(m, "X").code(), absl::StatusCode::kInvalidArgument);
  m.options.clear();
  m.reply_to_external_id = "\xFF";
  EXPECT_EQ(CheckBasics(m, "X").code(), absl::StatusCode::kInvalidArgument);
  m.reply_to_external_id.clear();
  m.whatsapp_template = WhatsAppTemplate{"t", "en", {"\xFE"}};
  EXPECT_EQ(CheckBasics(m, "X", /*templates_allowed=*/true).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SenderForTest, EveryChannelHasASender) {
  for (auto channel :
       {omnigate::v1::CHANNEL_WHATSAPP, omnigate::v1::CHANNEL_MESSENGER,
        omnigate::v1::CHANNEL_INSTAGRAM, omnigate::v1::CHANNEL_TELEGRAM, omnigate::v1::CHANNEL_LINE,
        omnigate::v1::CHANNEL_TWILIO, omnigate::v1::CHANNEL_VIBER, omnigate::v1::CHANNEL_X,
        omnigate::v1::CHANNEL_WEBCHAT}) {
    EXPECT_NE(SenderFor(channel), nullptr) << channel;
  }
  EXPECT_NE(SenderFor(omnigate::v1::CHANNEL_EMAIL, "sendgrid"), nullptr);
  EXPECT_NE(SenderFor(omnigate::v1::CHANNEL_EMAIL, "mailgun"), nullptr);
  EXPECT_EQ(SenderFor(omnigate::v1::CHANNEL_EMAIL, "smtp"), nullptr);
  EXPECT_EQ(SenderFor(omnigate::v1::CHANNEL_INTERNAL), nullptr);
}

TEST(SenderForTest, DefaultApiBaseUrls) {
  EXPECT_EQ(DefaultApiBaseUrl(omnigate::v1::CHANNEL_WHATSAPP), "https://graph.facebook.com/v21.0");
  EXPECT_EQ(DefaultApiBaseUrl(omnigate::v1::CHANNEL_TELEGRAM), "https://api.telegram.org");
  EXPECT_EQ(DefaultApiBaseUrl(omnigate::v1::CHANNEL_EMAIL, "mailgun"), "https://api.mailgun.net");
  EXPECT_EQ(DefaultApiBaseUrl(omnigate::v1::CHANNEL_WEBCHAT), "");
}

TEST(SenderForTest, EndToEndFromEvent) {
  SenderSettings settings;
  settings.api_base_url = "http://127.0.0.1:9/api";
  settings.token = "wa-token";
  settings.account = "100000000000001";
  const auto message = FromEvent(Reply(), settings);
  ASSERT_TRUE(message.ok());
  const auto sender = SenderFor(message->channel);
  const auto request = sender->Build(*message);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/100000000000001/messages");
}

}  // namespace
}  // namespace omnigate::outbound
