#include "lib/outbound/mailgun_sender.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/outbound/test_support.h"

namespace omnigate::outbound {
namespace {

using testing::Field;
using testing::Form;
using testing::Response;

OutboundMessage Message() {
  OutboundMessage m;
  m.channel = omnigate::v1::CHANNEL_EMAIL;
  m.settings.api_base_url = testing::kApiBase;
  m.settings.token = "key-EXAMPLE";
  m.settings.account = "mg.example.com";
  m.settings.from = "Acme Support <support@mg.example.com>";
  m.outbound_id = "out_01JEXAMPLE";
  m.recipient = "customer@example.org";
  m.text = "Hi, it shipped today.";
  m.subject = "Where is my order?";
  m.in_reply_to = "<CAF1x2y3@mail.gmail.com>";
  m.references = {"a1@example.org", "CAF1x2y3@mail.gmail.com"};
  m.conversation_key = "email:support@mg.example.com:a1@example.org";
  return m;
}

TEST(MailgunSenderTest, ThreadedReplyRequest) {
  const auto request = MailgunSender().Build(Message());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/v3/mg.example.com/messages");
  EXPECT_EQ(testing::Header(*request, "Authorization"), "Basic " + Base64Encode("api:key-EXAMPLE"));
  EXPECT_EQ(request->content_type, "application/x-www-form-urlencoded");
  const auto form = Form(request->body);
  EXPECT_EQ(Field(form, "from"), "Acme Support <support@mg.example.com>");
  EXPECT_EQ(Field(form, "to"), "customer@example.org");
  EXPECT_EQ(Field(form, "subject"), "Re: Where is my order?");
  EXPECT_EQ(Field(form, "text"), "Hi, it shipped today.");
  EXPECT_EQ(Field(form, "h:In-Reply-To"), "<CAF1x2y3@mail.gmail.com>");
  // The parent is already last in References: not repeated.
  EXPECT_EQ(Field(form, "h:References"), "<a1@example.org> <CAF1x2y3@mail.gmail.com>");
  EXPECT_EQ(Field(form, "h:Message-Id"), "<out_01JEXAMPLE@mg.example.com>");
  EXPECT_EQ(Field(form, "v:outbound_id"), "out_01JEXAMPLE");
  // Webhooks echo user variables: the receipt finds the reply's conversation.
  EXPECT_EQ(Field(form, "v:conversation_key"), "email:support@mg.example.com:a1@example.org");
}

TEST(MailgunSenderTest, NewMessageWithMediaLinksAndButtons) {
  OutboundMessage m = Message();
  m.in_reply_to.clear();
  m.references.clear();
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg"));
  m.options = {{"yes", "Yes"}};
  const auto form = Form(MailgunSender().Build(m)->body);
  EXPECT_EQ(Field(form, "subject"), "Where is my order?");
  EXPECT_EQ(Field(form, "h:In-Reply-To"), "<absent>");
  EXPECT_EQ(Field(form, "text"),
            "Hi, it shipped today.\n\nhttps://cdn.example.com/a.jpg\n\n1. Yes");
}

TEST(MailgunSenderTest, RejectsOversizedOptionsAndBadIds) {
  OutboundMessage m = Message();
  m.references.assign(600, "<0123456789012345678901234567890@example.org>");
  const auto status = MailgunSender().Build(m).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("16384"), std::string::npos);
  m = Message();
  m.outbound_id = "a@b";
  EXPECT_EQ(MailgunSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.settings.account.clear();
  EXPECT_EQ(MailgunSender().Build(m).status().code(), absl::StatusCode::kFailedPrecondition);
}

SendOutcome Classify(int status, const std::string& body) {
  return MailgunSender().Classify(Message(), Response(status, body));
}

TEST(MailgunSenderTest, ClassifySuccessStripsAngles) {
  const SendOutcome outcome = Classify(
      200,
      R"({"id":"<20261001100000.abcdef0123456789@mg.example.com>","message":"Queued. Thank you."})");
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id, "20261001100000.abcdef0123456789@mg.example.com");
}

TEST(MailgunSenderTest, ClassifyErrors) {
  const SendOutcome bad = Classify(
      400, R"({"message":"'to' parameter is not a valid address. please check documentation"})");
  EXPECT_EQ(bad.kind, SendOutcome::kPermanent);
  EXPECT_EQ(bad.error_code, "400");
  EXPECT_EQ(bad.error_message, "'to' parameter is not a valid address. please check documentation");
  EXPECT_EQ(Classify(401, "Forbidden").kind, SendOutcome::kConnector);
  EXPECT_EQ(Classify(402, R"({"message":"Payment required"})").kind, SendOutcome::kConnector);
  EXPECT_EQ(Classify(429, R"({"message":"Too many requests"})").kind, SendOutcome::kThrottled);
}

TEST(MailgunSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(500, "<html/>").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(404, "<html/>").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(200, "Queued").kind, SendOutcome::kTransient);
}

}  // namespace
}  // namespace omnigate::outbound
