#include "lib/chatbot/faq_store.h"

#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace omnigate::chatbot {
namespace {

std::string Faq(absl::string_view keyword) {
  return absl::StrCat(R"(
texts:
  en: {fallback: f, handoff: h}
  id: {fallback: f, handoff: h}
entries:
  - id: only
    languages: {en: {keywords: [)",
                      keyword, R"(], answer: a}}
)");
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

TEST(FaqStoreTest, ReloadsOnChangeAndKeepsTheOldFaqOnError) {
  const std::string path = ::testing::TempDir() + "/faq_store_test.yaml";
  Write(path, Faq("parcel"));
  auto store = FaqStore::Open(path, MatchOptions{.threshold = 0.01});
  ASSERT_TRUE(store.ok()) << store.status();
  auto first = (*store)->Current();
  EXPECT_EQ(first->faq.entries[0].answers[0]->keywords[0], "parcel");
  EXPECT_TRUE((*store)->ReloadIfChanged().ok());
  EXPECT_EQ((*store)->Current(), first);  // unchanged file: same snapshot

  Write(path, Faq("voucher, extra"));  // a different size: seen as changed
  EXPECT_TRUE((*store)->ReloadIfChanged().ok());
  auto second = (*store)->Current();
  EXPECT_EQ(second->faq.entries[0].answers[0]->keywords[0], "voucher");
  EXPECT_EQ(first->faq.entries[0].answers[0]->keywords[0], "parcel");  // still valid

  Write(path, "entries: [oops");
  absl::Status s = (*store)->ReloadIfChanged();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
  EXPECT_EQ((*store)->Current(), second);
  ::unlink(path.c_str());
}

TEST(FaqStoreTest, MissingFileIsAnError) {
  EXPECT_FALSE(FaqStore::Open("/nonexistent/faq.yaml", MatchOptions{}).ok());
}

}  // namespace
}  // namespace omnigate::chatbot
