#include "lib/chatbot/language.h"

#include "gtest/gtest.h"
#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

TEST(LanguageTest, LocaleHintWins) {
  EXPECT_EQ(DetectLanguage("id", Tokenize("what are your opening hours")), Language::kIndonesian);
  EXPECT_EQ(DetectLanguage("in-ID", Tokenize("hello")), Language::kIndonesian);
  EXPECT_EQ(DetectLanguage("en-US", Tokenize("jam berapa toko buka?")), Language::kEnglish);
  EXPECT_EQ(DetectLanguage("EN", Tokenize("saya mau tanya")), Language::kEnglish);
}

TEST(LanguageTest, CountsCommonWordsWithoutHint) {
  EXPECT_EQ(DetectLanguage("", Tokenize("Kak, pesanan saya sudah dikirim belum ya?")),
            Language::kIndonesian);
  EXPECT_EQ(DetectLanguage("", Tokenize("Where is my order? I paid yesterday.")),
            Language::kEnglish);
  // An unsupported hint is ignored, the words decide.
  EXPECT_EQ(DetectLanguage("fr", Tokenize("apa saja metode pembayaran yang ada")),
            Language::kIndonesian);
}

TEST(LanguageTest, DefaultsToEnglish) {
  EXPECT_EQ(DetectLanguage("", Tokenize("")), Language::kEnglish);
  EXPECT_EQ(DetectLanguage("", Tokenize("INV-2026-0042")), Language::kEnglish);
  EXPECT_EQ(LanguageCode(Language::kEnglish), "en");
  EXPECT_EQ(LanguageCode(Language::kIndonesian), "id");
}

}  // namespace
}  // namespace omnigate::chatbot
