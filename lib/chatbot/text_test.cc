#include "lib/chatbot/text.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::chatbot {
namespace {

using ::testing::ElementsAre;

TEST(TextTest, LowercasesAndSplitsOnPunctuation) {
  EXPECT_EQ(Normalize("  What are your OPENING-hours?!  "), "what are your opening hours");
  EXPECT_THAT(Tokenize("Hi,there...you"), ElementsAre("hi", "there", "you"));
}

TEST(TextTest, ApostrophesJoinWords) {
  EXPECT_THAT(Tokenize("I didn't get it"), ElementsAre("i", "didnt", "get", "it"));
}

TEST(TextTest, KeepsMultiByteUtf8Whole) {
  // "café ☕" : é and ☕ are multi-byte; none of their bytes is punctuation.
  EXPECT_THAT(Tokenize("Caf\xC3\xA9 \xE2\x98\x95!"), ElementsAre("caf\xC3\xA9", "\xE2\x98\x95"));
}

TEST(TextTest, EmptyAndPunctuationOnly) {
  EXPECT_TRUE(Tokenize("").empty());
  EXPECT_TRUE(Tokenize("?!... ,").empty());
}

}  // namespace
}  // namespace omnigate::chatbot
