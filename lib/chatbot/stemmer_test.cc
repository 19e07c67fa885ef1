#include "lib/chatbot/stemmer.h"

#include "gtest/gtest.h"

namespace omnigate::chatbot {
namespace {

TEST(StemmerTest, EnglishFormsMeet) {
  EXPECT_EQ(Stem(Language::kEnglish, "shipped"), Stem(Language::kEnglish, "shipping"));
  EXPECT_EQ(Stem(Language::kEnglish, "ship"), Stem(Language::kEnglish, "shipping"));
  EXPECT_EQ(Stem(Language::kEnglish, "prices"), Stem(Language::kEnglish, "price"));
  EXPECT_EQ(Stem(Language::kEnglish, "delivery"), Stem(Language::kEnglish, "delivered"));
  EXPECT_EQ(Stem(Language::kEnglish, "discounts"), "discount");
  EXPECT_EQ(Stem(Language::kEnglish, "address"), "address");
  EXPECT_EQ(Stem(Language::kEnglish, "bus"), "bus");
}

TEST(StemmerTest, IndonesianAffixesGo) {
  EXPECT_EQ(Stem(Language::kIndonesian, "pesanan"), "pesan");
  EXPECT_EQ(Stem(Language::kIndonesian, "pengiriman"), "kirim");
  EXPECT_EQ(Stem(Language::kIndonesian, "dikirim"), "kirim");
  EXPECT_EQ(Stem(Language::kIndonesian, "mengirimkan"), "kirim");
  EXPECT_EQ(Stem(Language::kIndonesian, "pembayaran"), "bayar");
  EXPECT_EQ(Stem(Language::kIndonesian, "menukar"), "tukar");
  EXPECT_EQ(Stem(Language::kIndonesian, "dikembalikan"),
            Stem(Language::kIndonesian, "pengembalian"));
  EXPECT_EQ(Stem(Language::kIndonesian, "harganya"), "harga");
  EXPECT_EQ(Stem(Language::kIndonesian, "bukalah"), "buka");
}

TEST(StemmerTest, ShortAndNonAsciiWordsStay) {
  EXPECT_EQ(Stem(Language::kIndonesian, "jalan"), "jalan");
  EXPECT_EQ(Stem(Language::kIndonesian, "buka"), "buka");
  EXPECT_EQ(Stem(Language::kEnglish, "caf\xc3\xa9s"), "caf\xc3\xa9s");
}

}  // namespace
}  // namespace omnigate::chatbot
