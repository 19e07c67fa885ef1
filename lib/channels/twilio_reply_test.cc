#include "lib/channels/twilio_reply.h"

#include "gtest/gtest.h"

namespace omnigate::channels {
namespace {

Headers Signed() {
  Headers headers;
  headers.Add("X-Twilio-Signature", "c2lnbmF0dXJl");
  return headers;
}

// An inbound SMS as Twilio's messaging webhook posts it (SmsStatus=received).
TEST(TwilioReplyTest, InboundSmsGetsEmptyTwiml) {
  auto reply = TwilioSuccessReply(
      Signed(), "MessageSid=SM1&SmsStatus=received&From=%2B15550001&To=%2B15550002&Body=hi");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->content_type, "text/xml");
  EXPECT_EQ(reply->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
}

// WhatsApp inbound through Twilio may say MessageStatus=received.
TEST(TwilioReplyTest, WhatsAppInboundWithReceivedStatusGetsEmptyTwiml) {
  auto reply = TwilioSuccessReply(
      Signed(), "MessageSid=SM2&MessageStatus=received&From=whatsapp%3A%2B1&To=whatsapp%3A%2B2");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->content_type, "text/xml");
  EXPECT_EQ(reply->body, kEmptyTwiml);
}

TEST(TwilioReplyTest, StatusCallbacksGetAnEmptyBody) {
  for (const char* status : {"delivered", "undelivered", "failed", "sent", "read"}) {
    auto reply = TwilioSuccessReply(
        Signed(), std::string("MessageSid=SM3&From=%2B1&To=%2B2&MessageStatus=") + status);
    ASSERT_TRUE(reply.has_value()) << status;
    EXPECT_TRUE(reply->body.empty()) << status;
  }
}

// A body that is not a form still answers TwiML: Twilio never reads JSON.
TEST(TwilioReplyTest, MalformedFormStillAnswersTwiml) {
  auto reply = TwilioSuccessReply(Signed(), "MessageSid=%ZZ&MessageStatus=delivered");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, kEmptyTwiml);
}

TEST(TwilioReplyTest, OtherChannelsKeepTheirAnswer) {
  Headers headers;
  headers.Add("X-Hub-Signature-256", "sha256=00");
  EXPECT_FALSE(TwilioSuccessReply(headers, "{}").has_value());
}

}  // namespace
}  // namespace omnigate::channels
