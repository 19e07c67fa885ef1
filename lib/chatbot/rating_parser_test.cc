#include "lib/chatbot/rating_parser.h"

#include <optional>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "lib/common/encoding.h"

namespace omnigate::chatbot {
namespace {

struct Case {
  const char* text;
  std::optional<int> want;
};

void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class RatingTest : public ::testing::TestWithParam<Case> {};

TEST_P(RatingTest, Parses) {
  EXPECT_EQ(ParseCsatRating(GetParam().text), GetParam().want) << GetParam().text;
}

// Answers as customers type them after "How satisfied are you? Reply 1-5".
INSTANTIATE_TEST_SUITE_P(
    Digits, RatingTest,
    ::testing::Values(Case{"5", 5}, Case{" 4 ", 4}, Case{"1", 1}, Case{"5/5", 5}, Case{"4 / 5", 4},
                      Case{"rating: 4", 4}, Case{"4 out of 5", 4}, Case{"nilai 5", 5},
                      Case{"5 bintang", 5}, Case{"bintang 4 ya kak", 4}, Case{"5, thanks!", 5},
                      Case{"5 terima kasih", 5}, Case{"Nilai 5 ya kak, makasih", 5},
                      Case{"3 dari 5", 3}, Case{"I'd rate it 4", 4}, Case{"5stars", 5},
                      Case{"5⭐", 5}, Case{"5️⃣", 5}, Case{"lima", 5}, Case{"five stars!", 5},
                      Case{"5 ⭐ Very satisfied", 5}, Case{"5 thank you very much", 5}));

// A ten-point answer is halved, rounding up: 10/10 is 5.
INSTANTIATE_TEST_SUITE_P(TenPointScale, RatingTest,
                         ::testing::Values(Case{"10/10", 5}, Case{"9/10", 5}, Case{"7/10", 4},
                                           Case{"1/10", 1}, Case{"8 out of 10!", 4}));

INSTANTIATE_TEST_SUITE_P(
    StarsAndFaces, RatingTest,
    ::testing::Values(Case{"⭐⭐⭐⭐", 4}, Case{"⭐️⭐️⭐️⭐️⭐️", 5}, Case{"★★★", 3},
                      Case{"★★★☆☆", 3}, Case{"⭐", 1}, Case{"⭐⭐⭐⭐⭐ mantap", 5}, Case{"😡", 1},
                      Case{"😠", 1}, Case{"😞", 2}, Case{"🙁", 2}, Case{"☹️", 2}, Case{"😐", 3},
                      Case{"🙂", 4}, Case{"😊", 4}, Case{"👍🏽", 4}, Case{"😍", 5},
                      Case{"🤩", 5}, Case{"🥰", 5}, Case{"😁", 5}, Case{"😍😍😍", 5},
                      Case{"👍 thanks", 4}, Case{"🙏", std::nullopt}));

INSTANTIATE_TEST_SUITE_P(
    EnglishWords, RatingTest,
    ::testing::Values(Case{"terrible", 1}, Case{"Bad", 2}, Case{"poor service", 2}, Case{"ok", 3},
                      Case{"okay", 3}, Case{"average", 3}, Case{"good", 4}, Case{"great!", 5},
                      Case{"Excellent", 5}, Case{"awesome, thanks", 5}, Case{"very good", 5},
                      Case{"very bad", 1}, Case{"not good", 2}, Case{"not bad", 3},
                      Case{"so so", 3}, Case{"pretty good", 4}, Case{"it was great thx", 5},
                      Case{"gr8", std::nullopt}, Case{"ok good", 4}, Case{"fast and friendly", 4},
                      Case{"Very unsatisfied", 1}, Case{"really helpful, ty", 5},
                      Case{"good job", 4}, Case{"Very good service, thank you", 5},
                      Case{"not very good", 2}, Case{"fast response", 4},
                      Case{"ok, thanks", std::nullopt}, Case{"fine thx", std::nullopt}));

INSTANTIATE_TEST_SUITE_P(
    IndonesianWords, RatingTest,
    ::testing::Values(
        Case{"sangat puas", 5}, Case{"puas", 4}, Case{"Puas, makasih", 4}, Case{"cukup", 3},
        Case{"kurang puas", 2}, Case{"tidak puas", 1}, Case{"gak puas", 1},
        Case{"sangat tidak puas", 1}, Case{"mantap", 5}, Case{"mantul kak", 5}, Case{"bagus", 4},
        Case{"bagus banget", 5}, Case{"puas bgt", 5}, Case{"jelek", 2}, Case{"jelek banget", 1},
        Case{"pelayanannya ramah dan cepat", 4}, Case{"luar biasa", 5}, Case{"biasa aja", 3},
        Case{"lumayan", 3}, Case{"cukup puas", 4}, Case{"kecewa", 2},
        Case{"oke mantap, terima kasih", 5}, Case{"tidak jelek", 3},
        Case{"sangat tidak memuaskan", 1}, Case{"buruk sekali", 1}, Case{"respon lambat", 2},
        Case{"makasih banyak kak, pelayanannya memuaskan", 4},
        Case{"terima kasih, sangat membantu", 5}, Case{"oke makasih", std::nullopt},
        Case{"5/5 mantap kak", 5}, Case{"kurang", std::nullopt}, Case{"gak", std::nullopt}));

// Not ratings: they go on as normal messages.
INSTANTIATE_TEST_SUITE_P(
    NotRatings, RatingTest,
    ::testing::Values(
        Case{"5 items please", std::nullopt}, Case{"I ordered 3 shirts", std::nullopt},
        Case{"my order 12345", std::nullopt}, Case{"what are your opening hours?", std::nullopt},
        Case{"jam buka kapan?", std::nullopt},
        Case{"not good enough, I still need help with my refund", std::nullopt},
        Case{"Is the good quality jacket still available in size L?", std::nullopt},
        Case{"0", std::nullopt}, Case{"6", std::nullopt}, Case{"10", std::nullopt},
        Case{"0/10", std::nullopt}, Case{"6/5", std::nullopt}, Case{"3/7", std::nullopt},
        Case{"2 days ago I paid", std::nullopt}, Case{"081234567890", std::nullopt},
        Case{"+62 812-3456-7890", std::nullopt}, Case{"-1", std::nullopt},
        Case{"4.5", std::nullopt}, Case{"4,5", std::nullopt}, Case{"4 5", std::nullopt},
        Case{"thanks", std::nullopt}, Case{"terima kasih", std::nullopt},
        Case{"tidak, terima kasih", std::nullopt}, Case{"no thanks", std::nullopt},
        Case{"good but slow", std::nullopt}, Case{"great, terrible", std::nullopt},
        Case{"⭐⭐⭐⭐⭐⭐", std::nullopt}, Case{"pesanan saya belum sampai", std::nullopt},
        Case{"bagus, tapi saya mau tanya soal ongkir", std::nullopt},
        Case{"good morning", std::nullopt}, Case{"rating", std::nullopt}, Case{"", std::nullopt},
        Case{"   ", std::nullopt}, Case{"📦", std::nullopt}, Case{"24/7?", std::nullopt},
        Case{"very", std::nullopt}, Case{"not", std::nullopt}));

TEST(RatingParserTest, MalformedUtf8IsNeverARating) {
  EXPECT_EQ(ParseCsatRating("5\xff"), std::nullopt);
  EXPECT_EQ(ParseCsatRating("\xe2\xad"), std::nullopt);        // ⭐ cut short
  EXPECT_EQ(ParseCsatRating("\xc0\xb5"), std::nullopt);        // overlong "5"
  EXPECT_EQ(ParseCsatRating("\xed\xa0\x80 4"), std::nullopt);  // a surrogate
  EXPECT_EQ(ParseCsatRating("\x80\x80\x80\x80"), std::nullopt);
}

// Arbitrary bytes, valid or not, never crash the parser; invalid UTF-8 is
// never a rating.
TEST(RatingParserTest, SurvivesArbitraryBytes) {
  std::mt19937 random(16);
  const std::string alphabet = "5/ ⭐☆😍ok puas\xff\xc0\x80\xe2-.,";
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    const int length = static_cast<int>(random() % 24);
    for (int k = 0; k < length; ++k) text.push_back(alphabet[random() % alphabet.size()]);
    const std::optional<int> score = ParseCsatRating(text);
    if (!IsValidUtf8(text)) {
      EXPECT_EQ(score, std::nullopt);
    }
    if (score) {
      EXPECT_GE(*score, 1) << text;
      EXPECT_LE(*score, 5) << text;
    }
  }
}

TEST(RatingParserTest, LongMessagesAreNotRatings) {
  EXPECT_EQ(ParseCsatRating(std::string(500, '5')), std::nullopt);
  EXPECT_EQ(ParseCsatRating("5 thanks thanks thanks thanks thanks thanks thanks thanks thanks "
                            "thanks thanks thanks"),
            std::nullopt);
}

TEST(RatingParserTest, OptionIds) {
  for (int score = 1; score <= 5; ++score) {
    EXPECT_EQ(RatingFromOptionId(CsatOptionId(score)), score);
  }
  EXPECT_EQ(CsatOptionId(3), "csat:3");
  EXPECT_EQ(RatingFromOptionId("csat:0"), std::nullopt);
  EXPECT_EQ(RatingFromOptionId("csat:6"), std::nullopt);
  EXPECT_EQ(RatingFromOptionId("csat:"), std::nullopt);
  EXPECT_EQ(RatingFromOptionId("csat:55"), std::nullopt);
  EXPECT_EQ(RatingFromOptionId("CSAT:5"), std::nullopt);
  EXPECT_EQ(RatingFromOptionId("menu:5"), std::nullopt);
  EXPECT_EQ(RatingFromOptionId("5"), std::nullopt);
}

}  // namespace
}  // namespace omnigate::chatbot
