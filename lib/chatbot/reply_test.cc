#include "lib/chatbot/reply.h"

#include "gtest/gtest.h"

namespace omnigate::chatbot {
namespace {

omnigate::v1::Event LineMessage() {
  omnigate::v1::Event e;
  e.set_id("in-1");
  e.set_channel(omnigate::v1::CHANNEL_LINE);
  e.set_connector("line-main");
  e.set_conversation_key("line:dest:U1");
  e.set_external_id("468789577898262530");
  e.set_received_at_ms(1700000000123);
  e.mutable_sender()->set_id("U1");
  e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  (*e.mutable_attributes())["reply_token"] = "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA";
  return e;
}

TEST(ReplyTest, CarriesTheChannelsReplyTokenAndWhenItCame) {
  FakeClock clock(1700000005000);
  UuidV7Generator ids(clock);
  const omnigate::v1::Event reply =
      BuildReply(LineMessage(), "Halo!", Language::kIndonesian, "opening_hours", ids, clock);
  EXPECT_EQ(reply.attributes().at("reply_token"), "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA");
  EXPECT_EQ(reply.attributes().at("reply_token_at_ms"), "1700000000123");
  EXPECT_EQ(reply.attributes().at("faq_id"), "opening_hours");
  EXPECT_EQ(reply.recipient().id(), "U1");
  EXPECT_EQ(reply.locale(), "id");
}

TEST(ReplyTest, NoTokenNoTokenAttributes) {
  FakeClock clock(1700000005000);
  UuidV7Generator ids(clock);
  omnigate::v1::Event in = LineMessage();
  in.mutable_attributes()->clear();
  const omnigate::v1::Event reply = BuildReply(in, "Hi", Language::kEnglish, "", ids, clock);
  EXPECT_EQ(reply.attributes().count("reply_token"), 0u);
  EXPECT_EQ(reply.attributes().count("reply_token_at_ms"), 0u);
}

}  // namespace
}  // namespace omnigate::chatbot
