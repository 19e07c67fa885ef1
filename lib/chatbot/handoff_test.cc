#include "lib/chatbot/handoff.h"

#include "gtest/gtest.h"
#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

bool Asks(const char* text) { return AsksForHuman(Tokenize(text)); }

TEST(HandoffTest, RecognizesRequestsForAPerson) {
  EXPECT_TRUE(Asks("I want to talk to a human"));
  EXPECT_TRUE(Asks("AGENT please!"));
  EXPECT_TRUE(Asks("can I speak to a real person?"));
  EXPECT_TRUE(Asks("connect me to customer service"));
  EXPECT_TRUE(Asks("Is there a live chat?"));
  EXPECT_TRUE(Asks("operator"));
  EXPECT_TRUE(Asks("mau ngobrol sama CS"));
  // Asking for the CS phone number is a FAQ question, not a handoff.
  EXPECT_FALSE(Asks("nomor telepon cs berapa"));
  EXPECT_TRUE(Asks("nomor pesanan saya salah, mau bicara dengan cs"));
  EXPECT_TRUE(Asks("Saya mau bicara dengan manusia"));
  EXPECT_TRUE(Asks("tolong sambungkan ke petugas"));
  EXPECT_TRUE(Asks("min, admin ada?"));
  EXPECT_TRUE(Asks("bisa bicara dengan seseorang?"));
  EXPECT_TRUE(Asks("ada orang di sana?"));
}

TEST(HandoffTest, IgnoresLookAlikesAndOtherQuestions) {
  EXPECT_FALSE(Asks("Do you sell agentic AI tools?"));
  EXPECT_FALSE(Asks("I love the orangutan plush toy"));
  EXPECT_FALSE(Asks("What are your opening hours?"));
  EXPECT_FALSE(Asks("humanity, personal, customers"));
  EXPECT_FALSE(Asks("service was great"));
  EXPECT_FALSE(Asks("administrasi"));
  EXPECT_FALSE(Asks(""));
}

TEST(HandoffTest, ReasonNames) {
  EXPECT_EQ(HandoffReasonName(HandoffReason::kCustomerRequest), "customer_request");
  EXPECT_EQ(HandoffReasonName(HandoffReason::kUnanswered), "unanswered");
}

}  // namespace
}  // namespace omnigate::chatbot
