// HistoryReader against a real redis-server: paging over empty, single,
// exact and multi-page histories, token and key checks, entries that do not
// hold an event, and the newest-N read the agent router uses.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/history_fixture.h"

namespace omnigate::conversations {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kConv[] = "webchat:site-1:visitor-7";

class HistoryReaderTest : public testing::HistoryRedisTest {
 protected:
  // Every page from the oldest with `page_size`; the ids in order and the
  // number of pages it took.
  std::vector<std::string> ReadAll(int page_size, int* pages) {
    std::vector<std::string> ids;
    std::string token;
    *pages = 0;
    do {
      auto page = reader_->Page(kConv, page_size, token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++*pages;
      for (const auto& id : Ids(page->events)) ids.push_back(id);
      token = page->next_page_token;
    } while (!token.empty() && *pages < 1000);
    return ids;
  }
};

TEST_F(HistoryReaderTest, AConversationWithoutHistoryIsAnEmptyPage) {
  auto page = reader_->Page(kConv, 0, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->events, IsEmpty());
  EXPECT_EQ(page->next_page_token, "");
  EXPECT_EQ(page->skipped, 0);
}

TEST_F(HistoryReaderTest, OneEventIsOnePageWithNothingAfter) {
  AppendEvents(kConv, 1);
  auto page = reader_->Page(kConv, 10, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].id(), "e-1");
  EXPECT_EQ(page->events[0].text().body(), "text of e-1");
  EXPECT_EQ(page->next_page_token, "");
}

TEST_F(HistoryReaderTest, ExactlyAPageNeedsNoSecondCall) {
  AppendEvents(kConv, 5);
  auto page = reader_->Page(kConv, 5, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(page->events), ElementsAreArray(IdRange(1, 5)));
  EXPECT_EQ(page->next_page_token, "");
}

TEST_F(HistoryReaderTest, SeveralPagesChainInOrderWithoutRepeats) {
  AppendEvents(kConv, 12);
  auto first = reader_->Page(kConv, 5, "");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Ids(first->events), ElementsAreArray(IdRange(1, 5)));
  ASSERT_NE(first->next_page_token, "");
  auto second = reader_->Page(kConv, 5, first->next_page_token);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(second->events), ElementsAreArray(IdRange(6, 10)));
  auto third = reader_->Page(kConv, 5, second->next_page_token);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_THAT(Ids(third->events), ElementsAreArray(IdRange(11, 12)));
  EXPECT_EQ(third->next_page_token, "");

  int pages = 0;
  EXPECT_THAT(ReadAll(4, &pages), ElementsAreArray(IdRange(1, 12)));
  EXPECT_EQ(pages, 3);
}

TEST_F(HistoryReaderTest, EventsAppendedBetweenPagesShowOnTheNextPage) {
  AppendEvents(kConv, 3);
  auto first = reader_->Page(kConv, 2, "");
  ASSERT_TRUE(first.ok()) << first.status();
  AppendEvents(kConv, 2, /*first=*/4);
  auto second = reader_->Page(kConv, 10, first->next_page_token);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(second->events), ElementsAreArray(IdRange(3, 5)));
}

TEST_F(HistoryReaderTest, PageSizeZeroIsFiftyAndLargeSizesAreCapped) {
  AppendEvents(kConv, 520);
  auto defaulted = reader_->Page(kConv, 0, "");
  ASSERT_TRUE(defaulted.ok()) << defaulted.status();
  EXPECT_EQ(defaulted->events.size(), 50u);
  EXPECT_NE(defaulted->next_page_token, "");
  auto capped = reader_->Page(kConv, 100000, "");
  ASSERT_TRUE(capped.ok()) << capped.status();
  EXPECT_EQ(capped->events.size(), 500u);
  auto rest = reader_->Page(kConv, 100000, capped->next_page_token);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(Ids(rest->events), ElementsAreArray(IdRange(501, 520)));
}

TEST_F(HistoryReaderTest, MalformedTokensAreInvalidArguments) {
  AppendEvents(kConv, 2);
  for (const std::string token : {"abc", "1-2-3", "-1", "1-0", "-", " 1", "(1", "1 ", "+",
                                  "18446744073709551616", "9999999999999", "0x10", "1.5"}) {
    auto page = reader_->Page(kConv, 10, token);
    ASSERT_FALSE(page.ok()) << "token '" << token << "' was accepted";
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_THAT(page.status().message(), HasSubstr("page_token")) << token;
  }
}

TEST_F(HistoryReaderTest, TokensPastTheEndAreEmptyPages) {
  AppendEvents(kConv, 2);
  for (const std::string token : {"2", "3", "999999999999"}) {
    auto page = reader_->Page(kConv, 10, token);
    ASSERT_TRUE(page.ok()) << token << ": " << page.status();
    EXPECT_THAT(page->events, IsEmpty());
    EXPECT_EQ(page->next_page_token, "");
  }
}

TEST_F(HistoryReaderTest, KeyAndSizeChecks) {
  EXPECT_EQ(reader_->Page("", 10, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reader_->Page(std::string(513, 'k'), 10, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(reader_->Page(std::string(512, 'k'), 10, "").ok());
  EXPECT_EQ(reader_->Page(kConv, -1, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reader_->Latest("", 5).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HistoryReaderTest, EntriesWithoutAnEventAreSkippedAndCounted) {
  AppendEvents(kConv, 1);
  // Truncated protobuf (field 1 says 5 bytes, 2 follow), then no event field.
  AppendRaw(kConv, std::string("\x0a\x05"
                               "ab",
                               4));
  PushUnformatted(kConv, "no seq prefix");
  AppendEvents(kConv, 1, /*first=*/2);

  auto all = reader_->Page(kConv, 10, "");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Ids(all->events), ElementsAreArray(IdRange(1, 2)));
  EXPECT_EQ(all->skipped, 2);
  EXPECT_EQ(reader_->skipped_entries(), 2);

  // A page ending on bad entries still moves the token past them.
  auto first = reader_->Page(kConv, 3, "");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Ids(first->events), ElementsAreArray(IdRange(1, 1)));
  ASSERT_NE(first->next_page_token, "");
  auto second = reader_->Page(kConv, 3, first->next_page_token);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(second->events), ElementsAreArray(IdRange(2, 2)));
  EXPECT_EQ(second->next_page_token, "");

  auto latest = reader_->Latest(kConv, 10);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_THAT(Ids(*latest), ElementsAreArray(IdRange(1, 2)));
}

TEST_F(HistoryReaderTest, AKeyOfAnotherTypeIsAnErrorNotACrash) {
  ASSERT_TRUE(pool_->Run({"SET", HistoryKeyOf(kConv), "not a list"}).ok());
  auto page = reader_->Page(kConv, 10, "");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(page.status().message(), HasSubstr("WRONGTYPE"));
}

TEST_F(HistoryReaderTest, LatestIsTheNewestInConversationOrder) {
  EXPECT_THAT(*reader_->Latest(kConv, 20), IsEmpty());
  AppendEvents(kConv, 30);
  auto latest = reader_->Latest(kConv, 20);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_THAT(Ids(*latest), ElementsAreArray(IdRange(11, 30)));
  EXPECT_THAT(Ids(*reader_->Latest(kConv, 100)), ElementsAreArray(IdRange(1, 30)));
  EXPECT_THAT(*reader_->Latest(kConv, 0), IsEmpty());
}

TEST_F(HistoryReaderTest, ConversationsDoNotSeeEachOther) {
  AppendEvents(kConv, 3);
  AppendEvents("webchat:site-1:visitor-8", 2, /*first=*/10);
  auto page = reader_->Page("webchat:site-1:visitor-8", 10, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(page->events), ElementsAreArray(IdRange(10, 11)));
}

}  // namespace
}  // namespace omnigate::conversations
