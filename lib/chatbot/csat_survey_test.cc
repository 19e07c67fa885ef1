#include "lib/chatbot/csat_survey.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/chatbot/rating_parser.h"

namespace omnigate::chatbot {
namespace {

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Every option: id csat:N in score order (the numbered-text fallback's "N."
// is the score N), a title within the strictest button limit that reads back
// as its own score when a channel returns the tapped title as text.
void ExpectOptions(const CsatQuestion& q) {
  ASSERT_EQ(q.options.size(), 5u);
  for (int score = 1; score <= 5; ++score) {
    const omnigate::v1::Option& option = q.options[score - 1];
    EXPECT_EQ(option.id(), "csat:" + std::to_string(score));
    EXPECT_EQ(RatingFromOptionId(option.id()), score);
    EXPECT_LE(CodePoints(option.title()), kMaxOptionTitleChars) << option.title();
    EXPECT_EQ(ParseCsatRating(option.title()), score) << option.title();
  }
}

TEST(CsatSurveyTest, English) {
  const CsatQuestion q = BuildCsatQuestion("en", "");
  EXPECT_EQ(q.text,
            "How satisfied are you with our help? Reply 1 (very unsatisfied) to 5 (very "
            "satisfied).");
  ExpectOptions(q);
  EXPECT_EQ(q.options[4].title(), "5 ⭐ Very satisfied");
  EXPECT_EQ(q.options[0].title(), "1 ⭐ Very unsatisfied");
}

TEST(CsatSurveyTest, Indonesian) {
  const CsatQuestion q = BuildCsatQuestion("id", "");
  EXPECT_EQ(q.text,
            "Seberapa puas Anda dengan bantuan kami? Balas dengan angka 1 (tidak puas) sampai 5 "
            "(sangat puas).");
  ExpectOptions(q);
  EXPECT_EQ(q.options[4].title(), "5 ⭐ Sangat puas");
  EXPECT_EQ(q.options[0].title(), "1 ⭐ Tidak puas");
  // The words of each Indonesian label agree with its number.
  EXPECT_EQ(ParseCsatRating("Tidak puas"), 1);
  EXPECT_EQ(ParseCsatRating("Kurang puas"), 2);
  EXPECT_EQ(ParseCsatRating("Cukup"), 3);
  EXPECT_EQ(ParseCsatRating("Puas"), 4);
  EXPECT_EQ(ParseCsatRating("Sangat puas"), 5);
}

TEST(CsatSurveyTest, LanguageCodes) {
  EXPECT_EQ(BuildCsatQuestion("id-ID", "").options[3].title(), "4 ⭐ Puas");
  EXPECT_EQ(BuildCsatQuestion("ID", "").options[3].title(), "4 ⭐ Puas");
  EXPECT_EQ(BuildCsatQuestion("in", "").options[3].title(), "4 ⭐ Puas");
  EXPECT_EQ(BuildCsatQuestion("en-US", "").options[3].title(), "4 ⭐ Satisfied");
  EXPECT_EQ(BuildCsatQuestion("", "").options[3].title(), "4 ⭐ Satisfied");
  EXPECT_EQ(BuildCsatQuestion("fr", "").options[3].title(), "4 ⭐ Satisfied");
  EXPECT_EQ(BuildCsatQuestion("indonesian", "").options[3].title(), "4 ⭐ Satisfied");
}

TEST(CsatSurveyTest, CustomTextKeepsTheOptions) {
  const CsatQuestion q = BuildCsatQuestion("id", "  Bagaimana pelayanan Toko Maju hari ini?\n");
  EXPECT_EQ(q.text, "Bagaimana pelayanan Toko Maju hari ini?");
  ExpectOptions(q);
  EXPECT_EQ(q.options[2].title(), "3 ⭐ Cukup");
  // Blank custom text falls back to the built-in question.
  EXPECT_EQ(BuildCsatQuestion("en", " \t").text, BuildCsatQuestion("en", "").text);
}

}  // namespace
}  // namespace omnigate::chatbot
