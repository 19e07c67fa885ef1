#include "lib/chatbot/informal.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

using ::testing::ElementsAre;

TEST(InformalTest, ExpandsChatAbbreviations) {
  EXPECT_THAT(ExpandInformal(Tokenize("pesenan sy blm dtg")),
              ElementsAre("pesanan", "saya", "belum", "datang"));
  EXPECT_THAT(ExpandInformal(Tokenize("gak bisa tuker?")), ElementsAre("tidak", "bisa", "tukar"));
  EXPECT_THAT(ExpandInformal(Tokenize("pls whr is ur pkg")),
              ElementsAre("please", "where", "is", "your", "package"));
}

TEST(InformalTest, OneWordMayBecomeSeveral) {
  EXPECT_THAT(ExpandInformal(Tokenize("no telp cs")),
              ElementsAre("no", "telepon", "customer", "service"));
}

TEST(InformalTest, KeepsOtherWords) {
  EXPECT_THAT(ExpandInformal(Tokenize("refund")), ElementsAre("refund"));
  EXPECT_TRUE(ExpandInformal({}).empty());
}

}  // namespace
}  // namespace omnigate::chatbot
