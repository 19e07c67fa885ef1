#include "lib/chatbot/faq.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::chatbot {
namespace {

using ::testing::HasSubstr;

constexpr char kValid[] = R"(
texts:
  en: {fallback: "I didn't understand", handoff: "Connecting you with a human agent..."}
  id: {fallback: "Saya tidak mengerti", handoff: "Menghubungkan dengan petugas..."}
entries:
  - id: opening_hours
    languages:
      en: {keywords: [opening hours], questions: ["When are you open?"], answer: "9 to 5"}
      id: {keywords: [jam buka], answer: "Jam 9 sampai 5"}
  - id: english_only
    languages:
      en: {questions: ["Do you ship abroad?"], answer: "No"}
)";

std::string WithEntries(const std::string& entries) {
  return std::string(R"(
texts:
  en: {fallback: f, handoff: h}
  id: {fallback: f, handoff: h}
entries:
)") + entries;
}

TEST(FaqTest, ParsesEntriesAndTexts) {
  auto faq = ParseFaq(kValid, "faq.yaml");
  ASSERT_TRUE(faq.ok()) << faq.status();
  ASSERT_EQ(faq->entries.size(), 2u);
  const FaqEntry& hours = faq->entries[0];
  EXPECT_EQ(hours.id, "opening_hours");
  ASSERT_TRUE(hours.in(Language::kEnglish).has_value());
  EXPECT_EQ(hours.in(Language::kEnglish)->answer, "9 to 5");
  EXPECT_THAT(hours.in(Language::kEnglish)->questions,
              ::testing::ElementsAre("When are you open?"));
  ASSERT_TRUE(hours.in(Language::kIndonesian).has_value());
  EXPECT_THAT(hours.in(Language::kIndonesian)->keywords, ::testing::ElementsAre("jam buka"));
  EXPECT_FALSE(faq->entries[1].in(Language::kIndonesian).has_value());
  EXPECT_EQ(faq->texts_in(Language::kEnglish).fallback, "I didn't understand");
  EXPECT_EQ(faq->texts_in(Language::kIndonesian).handoff, "Menghubungkan dengan petugas...");
}

TEST(FaqTest, ErrorsNameTheFileAndThePath) {
  struct Case {
    std::string yaml;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"texts: [", "bad.yaml: "},
      {"", "bad.yaml: (root): expected a mapping"},
      {"entries: []", "bad.yaml: texts: missing"},
      {"texts: {en: {fallback: a, handoff: b}}\nentries: []", "bad.yaml: texts.id: missing"},
      {"texts: {en: {fallback: a}, id: {fallback: a, handoff: b}}",
       "bad.yaml: texts.en.handoff: missing"},
      {WithEntries(""), "bad.yaml: entries: expected a non-empty list"},
      {WithEntries("  - id: x\n    languages: {en: {keywords: [k]}}"),
       "bad.yaml: entries[0].languages.en.answer: missing"},
      {WithEntries("  - id: x\n    languages: {en: {answer: a}}"),
       "bad.yaml: entries[0].languages.en: needs at least one keyword or question"},
      {WithEntries("  - id: x\n    languages: {fr: {answer: a, keywords: [k]}}"),
       "bad.yaml: entries[0].languages: unknown key 'fr'"},
      {WithEntries("  - id: x\n    languages: {}"),
       "bad.yaml: entries[0].languages: needs an 'en' or 'id' block"},
      {WithEntries("  - id: x\n    langs: {}"), "bad.yaml: entries[0]: unknown key 'langs'"},
      {WithEntries("  - languages: {en: {answer: a, keywords: [k]}}"),
       "bad.yaml: entries[0].id: missing"},
      {WithEntries("  - id: x\n    languages: {en: {answer: a, keywords: [k]}}\n"
                   "  - id: x\n    languages: {en: {answer: a, keywords: [k]}}"),
       "bad.yaml: entries[1].id: duplicate id 'x'"},
      {WithEntries("  - id: x\n    languages: {en: {answer: a, keywords: [\"?!\"]}}"),
       "bad.yaml: entries[0].languages.en.keywords[0]: has no words"},
      {WithEntries("  - id: x\n    languages: {en: {answer: a, keywords: k}}"),
       "bad.yaml: entries[0].languages.en.keywords: expected a list of texts"},
  };
  for (const Case& c : cases) {
    auto faq = ParseFaq(c.yaml, "bad.yaml");
    ASSERT_FALSE(faq.ok()) << c.yaml;
    EXPECT_EQ(faq.status().code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_THAT(std::string(faq.status().message()), HasSubstr(c.message)) << c.yaml;
  }
}

TEST(FaqTest, MissingFileIsNotFoundNamingThePath) {
  auto faq = LoadFaqFile("/nonexistent/faq.yaml");
  ASSERT_FALSE(faq.ok());
  EXPECT_EQ(faq.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(faq.status().message()), HasSubstr("/nonexistent/faq.yaml"));
}

TEST(FaqTest, ShippedFaqLoads) {
  auto faq = LoadFaqFile(OMNIGATE_SOURCE_DIR "/deploy/local/faq.yaml");
  ASSERT_TRUE(faq.ok()) << faq.status();
  EXPECT_EQ(faq->entries.size(), 8u);
  for (const FaqEntry& e : faq->entries) {
    EXPECT_TRUE(e.in(Language::kEnglish).has_value()) << e.id;
    EXPECT_TRUE(e.in(Language::kIndonesian).has_value()) << e.id;
  }
}

}  // namespace
}  // namespace omnigate::chatbot
