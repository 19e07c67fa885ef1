#include "lib/chatbot/clarify.h"

#include "gtest/gtest.h"
#include "lib/chatbot/matcher.h"

namespace omnigate::chatbot {
namespace {

class ClarifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto faq = LoadFaqFile(OMNIGATE_SOURCE_DIR "/deploy/local/faq.yaml");
    ASSERT_TRUE(faq.ok()) << faq.status();
    faq_ = *std::move(faq);
  }
  const FaqEntry* Entry(absl::string_view id) {
    for (const auto& e : faq_.entries)
      if (e.id == id) return &e;
    return nullptr;
  }
  Faq faq_;
};

TEST_F(ClarifyTest, OptionsCarryTheEntryIdAndAShortTitle) {
  auto options = ClarifyOptions({Entry("refunds"), Entry("returns")}, Language::kEnglish);
  ASSERT_EQ(options.size(), 2u);
  EXPECT_EQ(options[0].id(), "faq:refunds");
  EXPECT_EQ(options[0].title(), "Refunds");
  EXPECT_EQ(options[1].id(), "faq:returns");
  for (const auto& o : options) EXPECT_LE(o.title().size(), 20u);
}

TEST_F(ClarifyTest, PickedByIdOrByTitle) {
  omnigate::v1::Event button;
  button.mutable_interactive()->set_id("faq:returns");
  button.mutable_interactive()->set_title("whatever the channel shows");
  ASSERT_NE(PickedEntry(button, faq_, nullptr), nullptr);
  EXPECT_EQ(PickedEntry(button, faq_, nullptr)->id, "returns");

  omnigate::v1::Event typed;
  typed.mutable_text()->set_body("status pesanan");
  Language language = Language::kEnglish;
  ASSERT_NE(PickedEntry(typed, faq_, &language), nullptr);
  EXPECT_EQ(PickedEntry(typed, faq_, &language)->id, "order_status");
  EXPECT_EQ(language, Language::kIndonesian);

  omnigate::v1::Event other;
  other.mutable_text()->set_body("where is my refund");
  EXPECT_EQ(PickedEntry(other, faq_, nullptr), nullptr);
  other.mutable_interactive()->set_id("faq:no_such_entry");
  EXPECT_EQ(PickedEntry(other, faq_, nullptr), nullptr);
}

TEST_F(ClarifyTest, CloseScoresOfferBothEntries) {
  FaqMatcher matcher(faq_);
  FaqMatch m = matcher.MatchText("is my money refunded to my credit card", "en").match;
  ASSERT_NE(m.entry, nullptr);
  ASSERT_NE(m.alternative, nullptr);
  EXPECT_NE(m.entry->id, m.alternative->id);
}

}  // namespace
}  // namespace omnigate::chatbot
