// PartitionReader against a real redis-server: blocking reads hand entries
// over in order, credit bounds what is taken, entries the filter turns away
// are acknowledged, and a reader whose lease moved to another replica takes
// nothing (fencing), so the new owner's order cannot be broken by it.

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/dispatch/partition_reader.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"
#include "prometheus/registry.h"
#include "tests/support/redis_test.h"

namespace omnigate::dispatch {
namespace {

constexpr char kStream[] = "omnigate:stream:{0}";
constexpr char kLease[] = "omnigate:lease:{0}";

class PartitionReaderTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    auto endpoint = redis::ParseRedisUrl(redis_->url());
    ASSERT_TRUE(endpoint.ok());
    endpoint_ = *endpoint;
    auto conn = redis::RedisConnection::Connect(endpoint_, absl::Seconds(1), absl::Seconds(5));
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
  }

  std::unique_ptr<PartitionReader> Reader(const std::string& owner) {
    ReaderOptions options{kStream, "chatbot", owner, kLease, owner, 100, absl::Milliseconds(100)};
    return std::make_unique<PartitionReader>(
        options, PartitionReader::ConnectionFor(endpoint_, options.idle_block), &metrics_,
        [] { return absl::Seconds(60); },
        [](const EntryFields& fields, StreamEntry* out) {
          // "skip" entries are not ours: the reader acknowledges them.
          return redis::ElementStr(fields.event) != "skip";
        },
        [this](std::vector<StreamEntry> entries) {
          std::lock_guard<std::mutex> lock(mu_);
          for (auto& e : entries) ids_.push_back(e.id);
          cv_.notify_all();
        });
  }

  std::string Add(const std::string& event) {
    auto id = conn_->Run({"XADD", kStream, "*", "event", event});
    EXPECT_TRUE(id.ok() && id->is_string());
    return std::string(id->str());
  }

  // Waits until `n` entries were handed over (or `limit` passed).
  std::vector<std::string> WaitFor(size_t n, absl::Duration limit = absl::Seconds(5)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoNanoseconds(limit), [&] { return ids_.size() >= n; });
    return ids_;
  }

  // Entries read by the group and not acknowledged (XPENDING summary).
  int64_t Pending() {
    auto reply = conn_->Run({"XPENDING", kStream, "chatbot"});
    if (!reply.ok() || !reply->is_array() || reply->element(0) == nullptr) return -1;
    return reply->element(0)->integer;
  }

  redis::RedisEndpoint endpoint_;
  std::unique_ptr<redis::RedisConnection> conn_;
  prometheus::Registry registry_;
  DispatchMetrics metrics_{registry_, {"chatbot"}};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> ids_;
};

TEST_F(PartitionReaderTest, HandsOverInOrderWithinCreditAndAcknowledgesTurnedAway) {
  ASSERT_TRUE(conn_->Run({"SET", kLease, "me"}).ok());
  auto reader = Reader("me");
  reader->Grant(3);
  reader->Start();
  std::vector<std::string> added;
  for (int i = 0; i < 5; ++i) added.push_back(Add(absl::StrCat("e", i)));
  const std::string skipped = Add("skip");
  EXPECT_EQ(WaitFor(3), std::vector<std::string>(added.begin(), added.begin() + 3));
  reader->Grant(10);
  const std::vector<std::string> all = WaitFor(5);
  EXPECT_EQ(all, added);
  reader->Stop();
  // The five handed over stay pending (the consumer acknowledges them); the
  // turned-away one was acknowledged by the reader.
  EXPECT_EQ(Pending(), 5);
}

TEST_F(PartitionReaderTest, ReaderWhoseLeaseMovedTakesNothing) {
  ASSERT_TRUE(conn_->Run({"SET", kLease, "new-owner"}).ok());
  auto stale = Reader("old-owner");
  stale->Grant(100);
  stale->Start();
  for (int i = 0; i < 3; ++i) Add(absl::StrCat("e", i));
  // The stale reader sees new entries (XREAD) but its fenced read is refused.
  EXPECT_TRUE(WaitFor(1, absl::Seconds(1)).empty());
  stale->Stop();
  EXPECT_EQ(Pending(), 0) << "a stale reader took entries the new owner must deliver";
  // The owner named by the lease gets all of them, in order.
  auto owner = Reader("new-owner");
  owner->Grant(100);
  owner->Start();
  EXPECT_EQ(WaitFor(3).size(), 3u);
  owner->Stop();
}

}  // namespace
}  // namespace omnigate::dispatch
