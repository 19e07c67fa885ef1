#include "lib/chatbot/matcher.h"

#include "gtest/gtest.h"
#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto faq = LoadFaqFile(OMNIGATE_SOURCE_DIR "/deploy/local/faq.yaml");
    ASSERT_TRUE(faq.ok()) << faq.status();
    faq_ = *std::move(faq);
    matcher_ = std::make_unique<FaqMatcher>(faq_);
  }

  std::string Match(const char* text, Language language) {
    FaqMatch m = matcher_->Match(Tokenize(text), language);
    return m.entry == nullptr ? "" : m.entry->id;
  }

  Faq faq_;
  std::unique_ptr<FaqMatcher> matcher_;
};

TEST_F(MatcherTest, EnglishQuestions) {
  EXPECT_EQ(Match("What are your opening hours?", Language::kEnglish), "opening_hours");
  EXPECT_EQ(Match("hi, where is my order INV-2026-0042??", Language::kEnglish), "order_status");
  EXPECT_EQ(Match("I'd like a REFUND for my shoes", Language::kEnglish), "refunds");
  EXPECT_EQ(Match("how much does the premium plan cost", Language::kEnglish), "prices");
  EXPECT_EQ(Match("Do you accept credit card payment?", Language::kEnglish), "payment_methods");
  EXPECT_EQ(Match("how long does delivery to Bali take", Language::kEnglish), "shipping");
  EXPECT_EQ(Match("I want to return a damaged item", Language::kEnglish), "returns");
  EXPECT_EQ(Match("what is your phone number", Language::kEnglish), "contact");
}

TEST_F(MatcherTest, IndonesianQuestions) {
  EXPECT_EQ(Match("Kak, jam buka toko hari ini sampai jam berapa?", Language::kIndonesian),
            "opening_hours");
  EXPECT_EQ(Match("gimana cara cek status pesanan saya", Language::kIndonesian), "order_status");
  EXPECT_EQ(Match("Berapa lama proses pengembalian dana?", Language::kIndonesian), "refunds");
  EXPECT_EQ(Match("harga paket premium berapa ya", Language::kIndonesian), "prices");
  EXPECT_EQ(Match("ongkir ke Surabaya berapa?", Language::kIndonesian), "shipping");
  EXPECT_EQ(Match("bisa bayar pakai QRIS?", Language::kIndonesian), "payment_methods");
  EXPECT_EQ(Match("mau retur barang", Language::kIndonesian), "returns");
  EXPECT_EQ(Match("alamat tokonya di mana", Language::kIndonesian), "contact");
}

TEST_F(MatcherTest, ReadsHowCustomersWrite) {
  // The questions of issue 19, without a locale hint.
  auto id = [&](const char* text) {
    const FaqMatch m = matcher_->MatchText(text, "").match;
    return m.entry == nullptr ? std::string() : m.entry->id;
  };
  EXPECT_EQ(id("where is my package"), "order_status");
  EXPECT_EQ(id("wher is my ordr"), "order_status");
  EXPECT_EQ(id("paket saya belum sampai"), "order_status");
  EXPECT_EQ(id("pesenan sy blm dtg"), "order_status");
  EXPECT_EQ(id("mau tuker barang"), "returns");
  EXPECT_EQ(id("nomor telepon cs berapa"), "contact");
  EXPECT_EQ(matcher_->MatchText("pesenan sy blm dtg", "").language, Language::kIndonesian);
  EXPECT_EQ(id("can I order a pizza for dinner"), "");
}

TEST_F(MatcherTest, UnrelatedTextDoesNotMatch) {
  EXPECT_EQ(Match("my cat likes the blue sofa", Language::kEnglish), "");
  EXPECT_EQ(Match("what is the meaning of life", Language::kEnglish), "");
  EXPECT_EQ(Match("kucing saya suka tidur", Language::kIndonesian), "");
  EXPECT_EQ(Match("", Language::kEnglish), "");
  // Indonesian keywords are not used for English questions.
  EXPECT_EQ(Match("resi", Language::kEnglish), "");
}

TEST_F(MatcherTest, IsDeterministicAndPrefersTheFirstEntryOnTies) {
  auto faq = ParseFaq(R"(
texts:
  en: {fallback: f, handoff: h}
  id: {fallback: f, handoff: h}
entries:
  - id: first
    languages: {en: {keywords: [parcel], answer: a}}
  - id: second
    languages: {en: {keywords: [parcel], answer: b}}
)",
                      "t.yaml");
  ASSERT_TRUE(faq.ok()) << faq.status();
  // A low threshold: two entries of one word each score little.
  FaqMatcher matcher(*faq, 0.1);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(matcher.Match(Tokenize("my parcel"), Language::kEnglish).entry->id, "first");
}

}  // namespace
}  // namespace omnigate::chatbot
