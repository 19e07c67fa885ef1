#include "lib/outbound/messenger_sender.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/outbound/test_support.h"

namespace omnigate::outbound {
namespace {

using testing::Json;
using testing::Response;
using testing::Str;

OutboundMessage Message(omnigate::v1::Channel channel = omnigate::v1::CHANNEL_MESSENGER) {
  OutboundMessage m;
  m.channel = channel;
  m.settings.api_base_url = "http://127.0.0.1:9/api/";
  m.settings.token = "page token/+";
  m.settings.account = "200000000000002";
  m.outbound_id = "out-1";
  m.recipient = "7000000000000001";
  m.text = "hello, world";
  return m;
}

TEST(MessengerSenderTest, TextRequest) {
  const auto request = MessengerSender(omnigate::v1::CHANNEL_MESSENGER).Build(Message());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url,
            "http://127.0.0.1:9/api/200000000000002/messages?access_token=page%20token%2F%2B");
  EXPECT_EQ(request->content_type, "application/json");
  EXPECT_EQ(testing::Header(*request, "Authorization"), "<absent>");
  EXPECT_EQ(request->ForLog(),
            "POST http://127.0.0.1:9/api/200000000000002/messages?access_token=REDACTED");
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/recipient/id"), "7000000000000001");
  EXPECT_EQ(Str(*doc, "/messaging_type"), "RESPONSE");
  EXPECT_EQ(testing::At(*doc, "/tag"), nullptr);
  EXPECT_EQ(Str(*doc, "/message/text"), "hello, world");
}

TEST(MessengerSenderTest, MeWithoutAccountAndHumanAgentTag) {
  OutboundMessage m = Message();
  m.settings.account.clear();
  m.human_agent = true;
  const auto request = MessengerSender(omnigate::v1::CHANNEL_MESSENGER).Build(m);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url.substr(0, request->url.find('?')), "http://127.0.0.1:9/api/me/messages");
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/messaging_type"), "MESSAGE_TAG");
  EXPECT_EQ(Str(*doc, "/tag"), "HUMAN_AGENT");
}

TEST(MessengerSenderTest, ImageAttachmentWithoutCaption) {
  OutboundMessage m = Message();
  m.text.clear();
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg"));
  const auto doc = Json(MessengerSender(omnigate::v1::CHANNEL_MESSENGER).Build(m)->body);
  EXPECT_EQ(Str(*doc, "/message/attachment/type"), "image");
  EXPECT_EQ(Str(*doc, "/message/attachment/payload/url"), "https://cdn.example.com/a.jpg");
  EXPECT_TRUE(testing::Bool(*doc, "/message/attachment/payload/is_reusable"));
  EXPECT_EQ(testing::At(*doc, "/message/text"), nullptr);
  // Attachments cannot carry the caption: refused rather than silently dropped.
  m.media[0].caption = "Receipt";
  const auto captioned = MessengerSender(omnigate::v1::CHANNEL_MESSENGER).Build(m);
  EXPECT_EQ(captioned.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MessengerSenderTest, QuickReplies) {
  OutboundMessage m = Message();
  m.text = "Pick one";
  m.options = {{"YES", "Yes"}, {"NO", "No, and here is a very long title"}};
  const auto doc = Json(MessengerSender(omnigate::v1::CHANNEL_MESSENGER).Build(m)->body);
  EXPECT_EQ(Str(*doc, "/message/text"), "Pick one");
  EXPECT_EQ(testing::Size(*doc, "/message/quick_replies"), 2u);
  EXPECT_EQ(Str(*doc, "/message/quick_replies/0/content_type"), "text");
  EXPECT_EQ(Str(*doc, "/message/quick_replies/0/title"), "Yes");
  EXPECT_EQ(Str(*doc, "/message/quick_replies/0/payload"), "YES");
  EXPECT_EQ(Str(*doc, "/message/quick_replies/1/title"), "No, and here is a ve");
  m.options.resize(14, {"X", "x"});
  EXPECT_EQ(MessengerSender(omnigate::v1::CHANNEL_MESSENGER).Build(m).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MessengerSenderTest, InstagramLimitsAndLoginBearer) {
  OutboundMessage m = Message(omnigate::v1::CHANNEL_INSTAGRAM);
  m.text = std::string(1001, 'x');
  const auto status = MessengerSender(omnigate::v1::CHANNEL_INSTAGRAM).Build(m).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("1000"), std::string::npos);
  m.text = "Thanks, checking now.";
  m.settings.api_base_url = "https://graph.instagram.com/v21.0";
  m.settings.account = "17841400000000001";
  const auto request = MessengerSender(omnigate::v1::CHANNEL_INSTAGRAM).Build(m);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url, "https://graph.instagram.com/v21.0/17841400000000001/messages");
  EXPECT_EQ(testing::Header(*request, "Authorization"), "Bearer page token/+");
  MediaAttachment doc_item;
  doc_item.kind = omnigate::v1::MediaItem::KIND_DOCUMENT;
  doc_item.url = "https://cdn.example.com/a.pdf";
  m.text.clear();
  m.media.push_back(doc_item);
  EXPECT_EQ(MessengerSender(omnigate::v1::CHANNEL_INSTAGRAM).Build(m).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MessengerSender(omnigate::v1::CHANNEL_INSTAGRAM).Build(Message()).ok(), true);
}

SendOutcome Classify(int status, const std::string& body) {
  return MessengerSender(omnigate::v1::CHANNEL_MESSENGER)
      .Classify(Message(), Response(status, body));
}

std::string Error(int code, int subcode = 0) {
  std::string out =
      R"({"error":{"message":"msg","type":"OAuthException","code":)" + std::to_string(code);
  if (subcode != 0) out += R"(,"error_subcode":)" + std::to_string(subcode);
  return out + R"(,"fbtrace_id":"AbC"}})";
}

TEST(MessengerSenderTest, ClassifySuccess) {
  const SendOutcome outcome = Classify(
      200,
      R"({"recipient_id":"7000000000000001","message_id":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"})");
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id.substr(0, 9), "m_AG5Hz2U");
}

TEST(MessengerSenderTest, ClassifyErrors) {
  EXPECT_EQ(Classify(400, Error(10, 2018278)).kind, SendOutcome::kPolicy);
  EXPECT_EQ(Classify(400, Error(10, 2018278)).error_code, "10/2018278");
  EXPECT_EQ(Classify(403, Error(10)).kind, SendOutcome::kConnector);
  EXPECT_EQ(Classify(400, Error(551)).kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(400, Error(100, 2018001)).kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(400, Error(200, 1545041)).kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(401, Error(190)).kind, SendOutcome::kConnector);
  EXPECT_EQ(Classify(500, Error(1200)).kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(500, Error(2)).kind, SendOutcome::kTransient);
  for (int code : {4, 613, 32, 80006}) {
    const SendOutcome outcome = Classify(400, Error(code));
    EXPECT_EQ(outcome.kind, SendOutcome::kThrottled) << code;
    EXPECT_EQ(outcome.throttle_scope, SendOutcome::Scope::kConnector);
  }
  EXPECT_EQ(Classify(400, Error(4, 2018354)).kind, SendOutcome::kPolicy);
}

TEST(MessengerSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(500, "Internal Server Error").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(404, "<html/>").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(200, "not json").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(400, R"({"error":"just a string"})").kind, SendOutcome::kPermanent);
}

}  // namespace
}  // namespace omnigate::outbound
