#include "lib/outbound/twilio_sender.h"

#include <string>
#include <vector>

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
  m.channel = omnigate::v1::CHANNEL_TWILIO;
  m.settings.api_base_url = testing::kApiBase;
  m.settings.token = "auth-token";
  m.settings.account = "AC0123456789abcdef0123456789abcdef";
  m.settings.from = "+15550100000";
  m.outbound_id = "out_01JEXAMPLE";
  m.recipient = "+15550100001";
  m.text = "Your order shipped.";
  return m;
}

TEST(TwilioSenderTest, TextRequest) {
  const auto request = TwilioSender().Build(Message());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url,
            "http://127.0.0.1:9/api/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/"
            "Messages.json");
  EXPECT_EQ(testing::Header(*request, "Authorization"),
            "Basic " + Base64Encode("AC0123456789abcdef0123456789abcdef:auth-token"));
  EXPECT_EQ(request->content_type, "application/x-www-form-urlencoded");
  const auto form = Form(request->body);
  EXPECT_EQ(Field(form, "To"), "+15550100001");
  EXPECT_EQ(Field(form, "From"), "+15550100000");
  EXPECT_EQ(Field(form, "Body"), "Your order shipped.");
  EXPECT_EQ(Field(form, "MediaUrl"), "<absent>");
  EXPECT_EQ(Field(form, "StatusCallback"), "<absent>");
}

TEST(TwilioSenderTest, WhatsAppSenderPrefixAndStatusCallback) {
  OutboundMessage m = Message();
  m.recipient = "whatsapp:+15550100001";
  m.settings.status_callback_url = "https://gw.example.com/webhooks/tw/status";
  const auto form = Form(TwilioSender().Build(m)->body);
  EXPECT_EQ(Field(form, "To"), "whatsapp:+15550100001");
  EXPECT_EQ(Field(form, "From"), "whatsapp:+15550100000");
  EXPECT_EQ(Field(form, "StatusCallback"),
            "https://gw.example.com/webhooks/tw/status?out=out_01JEXAMPLE");
  m.settings.from = "MG0123456789abcdef0123456789abcdef";
  const auto service = Form(TwilioSender().Build(m)->body);
  EXPECT_EQ(Field(service, "MessagingServiceSid"), "MG0123456789abcdef0123456789abcdef");
  EXPECT_EQ(Field(service, "From"), "<absent>");
}

TEST(TwilioSenderTest, MediaUrlsAndCaption) {
  OutboundMessage m = Message();
  m.text.clear();
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg", "Receipt"));
  m.media.push_back(testing::Image("https://cdn.example.com/b.jpg"));
  const auto form = Form(TwilioSender().Build(m)->body);
  EXPECT_EQ(Field(form, "Body"), "Receipt");
  EXPECT_EQ(
      testing::Fields(form, "MediaUrl"),
      (std::vector<std::string>{"https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"}));
  m.media.assign(11, testing::Image("https://cdn.example.com/a.jpg"));
  EXPECT_EQ(TwilioSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TwilioSenderTest, ButtonsAsNumberedTextAndLimits) {
  OutboundMessage m = Message();
  m.text = "Was this helpful?";
  m.options = {{"yes", "Yes"}, {"no", "No"}};
  EXPECT_EQ(Field(Form(TwilioSender().Build(m)->body), "Body"),
            "Was this helpful?\n\n1. Yes\n2. No");
  m.options.clear();
  m.text = std::string(1601, 'x');
  const auto status = TwilioSender().Build(m).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("1600"), std::string::npos);
  m = Message();
  m.whatsapp_template = WhatsAppTemplate{"t", "en", {}};
  EXPECT_EQ(TwilioSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.settings.from.clear();
  EXPECT_EQ(TwilioSender().Build(m).status().code(), absl::StatusCode::kFailedPrecondition);
}

SendOutcome Classify(int status, const std::string& body) {
  return TwilioSender().Classify(Message(), Response(status, body));
}

std::string Error(int code, int status) {
  return R"({"code":)" + std::to_string(code) +
         R"(,"message":"msg","more_info":"https://www.twilio.com/docs/errors/)" +
         std::to_string(code) + R"(","status":)" + std::to_string(status) + "}";
}

TEST(TwilioSenderTest, ClassifySuccess) {
  const SendOutcome outcome = Classify(
      201, R"({"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","to":"+15550100001",
               "from":"+15550100000","body":"Your order shipped.","num_segments":"1","error_code":null,
               "error_message":null,"direction":"outbound-api","messaging_service_sid":null})");
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id, "SM0123456789abcdef0123456789abcdef");
}

TEST(TwilioSenderTest, ClassifyErrors) {
  SendOutcome outcome = Classify(429, Error(20429, 429));
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.error_code, "20429");
  for (int code : {21610, 21211, 21614}) {
    EXPECT_EQ(Classify(400, Error(code, 400)).kind, SendOutcome::kPermanent) << code;
  }
  EXPECT_EQ(Classify(401, Error(20003, 401)).kind, SendOutcome::kConnector);
  EXPECT_EQ(Classify(400, Error(21611, 400)).kind, SendOutcome::kConnector);
  EXPECT_EQ(Classify(400, Error(63016, 400)).kind, SendOutcome::kPolicy);
  EXPECT_EQ(Classify(500, Error(20500, 500)).kind, SendOutcome::kTransient);
}

TEST(TwilioSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(503, "<html>down</html>").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(400, "<xml/>").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(201, "{}").kind, SendOutcome::kTransient);
}

}  // namespace
}  // namespace omnigate::outbound
