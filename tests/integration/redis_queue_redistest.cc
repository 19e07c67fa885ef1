// RedisStreamQueue and RedisPipelineWriter against a real redis-server.

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/queue/redis_stream_queue.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/redis_connection.h"
#include "tests/support/redis_server.h"

namespace omnigate {
namespace {

using queue::EnqueueOutcome;
using queue::EventToStore;

class RedisQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    StartWriter();
  }

  void StartWriter(int lanes = 2) {
    redis::PipelineWriterOptions options;
    options.endpoint.port = server_->port();
    options.lanes = lanes;
    options.reconnect_min_backoff = absl::Milliseconds(10);
    options.reconnect_max_backoff = absl::Milliseconds(100);
    options.io_timeout = absl::Seconds(2);
    queue::RedisStreamQueue::AddScripts(&options);
    writer_ = std::make_unique<redis::RedisPipelineWriter>(options, nullptr);
    writer_->Start();
    ASSERT_TRUE(WaitHealthy(true));
    queue::RedisStreamQueueOptions qopts;
    qopts.dedupe_ttl_seconds = 60;
    queue_ = std::make_unique<queue::RedisStreamQueue>(qopts, writer_.get());
  }

  // Health is reached by a background connect: bounded wait for it.
  bool WaitHealthy(bool want) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (writer_->healthy() != want) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

  absl::StatusOr<std::vector<EnqueueOutcome>> Enqueue(std::vector<EventToStore> events) {
    std::promise<absl::StatusOr<std::vector<EnqueueOutcome>>> promise;
    auto future = promise.get_future();
    queue_->Enqueue(std::move(events), [&](auto r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  static EventToStore Item(uint32_t partition, const std::string& key, const std::string& payload) {
    EventToStore item;
    item.partition = partition;
    item.idempotency_key = key;
    item.payload = payload;
    item.conversation_key = "conv:" + key;
    return item;
  }

  std::string Cli(const std::vector<std::string>& args) {
    auto out = server_->Cli(args);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : "";
  }

  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<redis::RedisPipelineWriter> writer_;
  std::unique_ptr<queue::RedisStreamQueue> queue_;
};

TEST_F(RedisQueueTest, OneFlushRunsOneScriptCallPerPartitionAndKeepsEveryAnswer) {
  // 64 events over 4 partitions in one Enqueue (2 lanes: one flush each),
  // with a repeat inside the batch and one of an event stored before.
  ASSERT_TRUE(Enqueue({Item(1, "before", "old")}).ok());
  Cli({"CONFIG", "RESETSTAT"});
  std::vector<EventToStore> events;
  for (int i = 0; i < 64; ++i) {
    events.push_back(Item(i % 4, absl::StrCat("e", i), absl::StrCat("payload-", i)));
  }
  events.push_back(Item(2, "e2", "repeat"));
  events.push_back(Item(1, "before", "old again"));
  auto out = Enqueue(std::move(events));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 66u);
  for (int i = 0; i < 64; ++i) EXPECT_FALSE((*out)[i].duplicate) << i;
  EXPECT_TRUE((*out)[64].duplicate);
  EXPECT_EQ((*out)[64].stream_entry_id, (*out)[2].stream_entry_id);
  EXPECT_TRUE((*out)[65].duplicate);
  // One EVALSHA per partition, not per event.
  EXPECT_THAT(Cli({"INFO", "commandstats"}), ::testing::HasSubstr("cmdstat_evalsha:calls=4,"));
  // Each partition's entries in submission order, each answer its own id.
  for (uint32_t p = 0; p < 4; ++p) {
    EXPECT_EQ(Cli({"XLEN", queue::StreamKey(p)}), p == 1 ? "17" : "16");
    const std::string range = Cli({"XRANGE", queue::StreamKey(p), "-", "+"}) + "\n";
    size_t at = 0;
    for (int i = static_cast<int>(p); i < 64; i += 4) {
      const size_t found = range.find(absl::StrCat("payload-", i, "\n"), at);
      ASSERT_NE(found, std::string::npos) << "partition " << p << " event " << i;
      EXPECT_LT(range.find((*out)[i].stream_entry_id), found);
      at = found;
    }
  }
}

TEST_F(RedisQueueTest, StoresEachEventInItsPartitionStreamWithTheEventField) {
  auto out = Enqueue({Item(0, "k:a", "payload-a"), Item(3, "k:b", std::string("bin\0ary", 7)),
                      Item(0, "k:c", "c")});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 3u);
  for (const auto& o : *out) {
    EXPECT_FALSE(o.duplicate);
    EXPECT_THAT(o.stream_entry_id, ::testing::MatchesRegex("[0-9]+-[0-9]+"));
  }
  EXPECT_EQ(Cli({"XLEN", "omnigate:stream:{0}"}), "2");
  EXPECT_EQ(Cli({"XLEN", "omnigate:stream:{3}"}), "1");
  // Order within a partition is submission order; the field is "event".
  const std::string range = Cli({"XRANGE", "omnigate:stream:{0}", "-", "+"});
  EXPECT_THAT(range, ::testing::HasSubstr("event\npayload-a"));
  EXPECT_LT(range.find("payload-a"), range.find("\nc"));
  // The dedupe marker holds the entry id, in the partition's bucket of the
  // current 60 s window, which expires at the end of the next window.
  const std::string bucket = Cli({"KEYS", "omnigate:dedupe:{3}:*"});
  ASSERT_THAT(bucket, ::testing::MatchesRegex("omnigate:dedupe:\\{3\\}:[0-9]+"));
  EXPECT_EQ(Cli({"HGET", bucket, "k:b"}), (*out)[1].stream_entry_id);
  int64_t ttl = 0;
  ASSERT_TRUE(absl::SimpleAtoi(Cli({"TTL", bucket}), &ttl));
  EXPECT_GE(ttl, 60);  // 60-120 s, rounded
  EXPECT_LE(ttl, 120);
}

TEST_F(RedisQueueTest, DuplicatesReturnTheOriginalEntryAndAddNothing) {
  auto first = Enqueue({Item(1, "dup", "one")});
  ASSERT_TRUE(first.ok());
  auto second = Enqueue({Item(1, "dup", "two"), Item(1, "fresh", "three")});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)[0].duplicate);
  EXPECT_EQ((*second)[0].stream_entry_id, (*first)[0].stream_entry_id);
  EXPECT_FALSE((*second)[1].duplicate);
  EXPECT_EQ(Cli({"XLEN", "omnigate:stream:{1}"}), "2");
}

TEST_F(RedisQueueTest, EntriesCarryTheConversationModeAtAppendTime) {
  ASSERT_TRUE(Enqueue({Item(2, "m1", "before")}).ok());
  Cli({"HSET", "omnigate:conv:{2}:conv:m2", "mode", "agent"});
  ASSERT_TRUE(Enqueue({Item(2, "m2", "after")}).ok());
  const std::string range = Cli({"XRANGE", "omnigate:stream:{2}", "-", "+"});
  // Bot mode is the default and is not written; agent mode is.
  EXPECT_THAT(range, ::testing::HasSubstr("event\nbefore\n"));
  EXPECT_THAT(range, ::testing::HasSubstr("event\nafter\nmode\nagent"));
  EXPECT_EQ(range.find("before\nmode"), std::string::npos);
}

TEST_F(RedisQueueTest, ConcurrentProducersAreGroupCommittedAndStoredExactlyOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every key twice: once from this thread, once from its neighbour.
        const int n = (t * kPerThread + i) % (kThreads * kPerThread / 2);
        auto r = Enqueue(
            {Item(static_cast<uint32_t>(n % 4), absl::StrCat("key-", n), absl::StrCat("v", n))});
        if (r.ok()) ok.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  int64_t total = 0;
  for (int p = 0; p < 4; ++p) {
    int64_t len = 0;
    ASSERT_TRUE(absl::SimpleAtoi(Cli({"XLEN", absl::StrCat("omnigate:stream:{", p, "}")}), &len));
    total += len;
  }
  EXPECT_EQ(total, kThreads * kPerThread / 2);
}

// A provider's receipt for a reply the sender recorded is stamped with the
// reply's id and moves its status forward; one that beat the sender's record
// waits and is applied when the record comes.
TEST_F(RedisQueueTest, ReceiptsLinkToTheirReplyOrWaitForIt) {
  constexpr uint32_t kPartitions = 4;
  const std::string conv = "whatsapp:100:6281";
  const uint32_t p = queue::PartitionOf(conv, kPartitions);
  redis::RedisEndpoint endpoint;
  endpoint.port = server_->port();
  redis::ConnectionPool pool(endpoint, absl::Seconds(1), absl::Seconds(2), 2, 4);
  conversations::OutboundStatusStore statuses(&pool, kPartitions, absl::Hours(1),
                                              SystemClock::Get());
  ASSERT_TRUE(statuses.RecordSent(conv, "reply-1", "wa-main", "wamid.OUT1").ok());

  auto receipt = [&](const std::string& key, const std::string& provider_id,
                     const std::string& state) {
    EventToStore item = Item(p, key, "status-bytes");
    item.conversation_key = conv;
    item.receipt = EventToStore::Receipt{"wa-main", provider_id, state, "", ""};
    return item;
  };
  auto stored = Enqueue({receipt("st-1", "wamid.OUT1", "delivered")});
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::string entry = Cli({"XRANGE", queue::StreamKey(p), "-", "+"});
  EXPECT_THAT(entry, ::testing::HasSubstr("outbound_event_id"));
  EXPECT_THAT(entry, ::testing::HasSubstr("reply-1"));
  EXPECT_EQ(statuses.Get("reply-1")->state, conversations::DeliveryState::kDelivered);
  // Late and out of order: "sent" after "delivered" changes nothing.
  ASSERT_TRUE(Enqueue({receipt("st-2", "wamid.OUT1", "sent")}).ok());
  EXPECT_EQ(statuses.Get("reply-1")->state, conversations::DeliveryState::kDelivered);

  // "read" for a reply whose send answer is not recorded yet.
  ASSERT_TRUE(Enqueue({receipt("st-3", "wamid.OUT2", "read")}).ok());
  EXPECT_EQ(Cli({"HGET", queue::EarlyReceiptKey(p, "wa-main", "wamid.OUT2"), "state"}), "read");
  auto recorded = statuses.RecordSent(conv, "reply-2", "wa-main", "wamid.OUT2");
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->state, conversations::DeliveryState::kRead);
  EXPECT_EQ(statuses.Get("reply-2")->state, conversations::DeliveryState::kRead);
}

TEST_F(RedisQueueTest, QuarantineKeepsTheRawRequestAndReason) {
  std::promise<absl::Status> done;
  queue::QuarantineRecord record;
  record.connector = "wa-main";
  record.reason = "json_trailing_data";
  record.body = "{\"a\":1}{";
  record.received_at_ms = 1770091506000;
  queue_->Quarantine(record, [&](absl::Status s) { done.set_value(s); });
  ASSERT_TRUE(done.get_future().get().ok());
  const std::string entry = Cli({"XRANGE", std::string(queue::kQuarantineKey), "-", "+"});
  EXPECT_THAT(entry, ::testing::HasSubstr("reason\njson_trailing_data"));
  EXPECT_THAT(entry, ::testing::HasSubstr("connector\nwa-main"));
  EXPECT_THAT(entry, ::testing::HasSubstr("{\"a\":1}{"));
}

TEST_F(RedisQueueTest, RedisDownFailsFastThenRecoversByItself) {
  ASSERT_TRUE(server_->Stop().ok());
  // The in-flight or next write notices; then the writer reports unhealthy.
  auto during = Enqueue({Item(0, "while-down", "x")});
  EXPECT_EQ(during.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(WaitHealthy(false));
  EXPECT_EQ(Enqueue({Item(0, "while-down", "x")}).status().code(), absl::StatusCode::kUnavailable);

  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(WaitHealthy(true));
  auto after = Enqueue({Item(0, "after", "y")});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_FALSE((*after)[0].duplicate);
}

TEST_F(RedisQueueTest, ScriptFlushIsHealedByReloading) {
  ASSERT_TRUE(Enqueue({Item(0, "a", "1")}).ok());
  EXPECT_EQ(Cli({"SCRIPT", "FLUSH"}), "OK");
  auto out = Enqueue({Item(0, "b", "2")});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE((*out)[0].duplicate);
  EXPECT_EQ(Cli({"XLEN", "omnigate:stream:{0}"}), "2");
}

TEST_F(RedisQueueTest, AuthenticatesWithUserAndPasswordFromTheUrl) {
  testing::RedisServer::Options options;
  options.requirepass = "s3cret";
  auto secured = testing::RedisServer::Start(options);
  ASSERT_TRUE(secured.ok()) << secured.status();
  auto ep =
      redis::ParseRedisUrl(absl::StrCat("redis://default:s3cret@127.0.0.1:", (*secured)->port()));
  ASSERT_TRUE(ep.ok());
  auto conn = redis::RedisConnection::Connect(*ep, absl::Seconds(1), absl::Seconds(1));
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto pong = (*conn)->Run({"PING"});
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->str(), "PONG");
  ep->password = "wrong";
  auto denied = redis::RedisConnection::Connect(*ep, absl::Seconds(1), absl::Seconds(1));
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(denied.status().message()),
              ::testing::Not(::testing::HasSubstr("wrong")));
}

}  // namespace
}  // namespace omnigate
