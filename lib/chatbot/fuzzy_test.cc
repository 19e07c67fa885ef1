#include "lib/chatbot/fuzzy.h"

#include "gtest/gtest.h"

namespace omnigate::chatbot {
namespace {

TEST(FuzzyTest, CountsEditsAndSwaps) {
  EXPECT_EQ(EditDistance("order", "order", 2), 0);
  EXPECT_EQ(EditDistance("ordr", "order", 2), 1);
  EXPECT_EQ(EditDistance("wher", "where", 2), 1);
  EXPECT_EQ(EditDistance("teh", "the", 2), 1);
  EXPECT_EQ(EditDistance("refnud", "refund", 2), 1);
  EXPECT_EQ(EditDistance("", "abc", 5), 3);
}

TEST(FuzzyTest, GivesUpAboveTheLimit) {
  EXPECT_EQ(EditDistance("kitten", "sitting", 1), 2);
  EXPECT_EQ(EditDistance("a", "abcdef", 2), 3);
}

TEST(FuzzyTest, LongerWordsMayCarryMoreTypos) {
  EXPECT_EQ(TyposAllowed(3), 0);
  EXPECT_EQ(TyposAllowed(5), 1);
  EXPECT_EQ(TyposAllowed(9), 2);
}

}  // namespace
}  // namespace omnigate::chatbot
