// Ingest's store path (RedisStreamQueue over ClusterPipelineWriter) on a real
// Redis Cluster: 3 masters + 3 replicas started by the test.

#include <signal.h>

#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/queue/keys.h"
#include "lib/queue/redis_stream_queue.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/cluster_pipeline_writer.h"
#include "lib/redis/cluster_slot.h"
#include "lib/redis/redis_url.h"
#include "tests/support/redis_cluster.h"

namespace omnigate {
namespace {

using queue::EnqueueOutcome;
using queue::EventToStore;

constexpr uint32_t kPartitions = 16;

class ClusterStoreTest : public ::testing::Test {
 protected:
  // With replicated acknowledgement a promoted master needs a replica of
  // its own to acknowledge anything: two per master survive one failover.
  void StartCluster(int replicas_per_master = 1) {
    testing::RedisCluster::Options options;
    options.replicas_per_master = replicas_per_master;
    auto cluster = testing::RedisCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    auto target = redis::ParseRedisTarget(cluster_->seed_url());
    ASSERT_TRUE(target.ok()) << target.status();
    client_ = std::make_unique<redis::ClusterClient>(target->endpoints);
  }

  void StartWriter(redis::ReplicaWait wait = {}) {
    ASSERT_NO_FATAL_FAILURE(StartCluster(wait.replicas + 1));
    redis::ClusterPipelineWriterOptions options;
    options.node.lanes = 2;
    options.node.reconnect_min_backoff = absl::Milliseconds(10);
    options.node.reconnect_max_backoff = absl::Milliseconds(100);
    options.node.replica_wait = wait;
    options.retry_budget = absl::Seconds(6);
    queue::RedisStreamQueue::AddScripts(&options.node);
    writer_ = std::make_unique<redis::ClusterPipelineWriter>(options, client_.get(), nullptr);
    std::vector<std::string> streams;
    for (uint32_t p = 0; p < kPartitions; ++p) streams.push_back(queue::StreamKey(p));
    writer_->Start(streams);
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (!writer_->healthy() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
    ASSERT_TRUE(writer_->healthy());
    queue::RedisStreamQueueOptions qopts;
    qopts.dedupe_ttl_seconds = 600;
    queue_ = std::make_unique<queue::RedisStreamQueue>(qopts, writer_.get());
  }

  void TearDown() override {
    queue_.reset();
    if (writer_ != nullptr) writer_->Shutdown();
  }

  absl::StatusOr<std::vector<EnqueueOutcome>> Enqueue(std::vector<EventToStore> events) {
    std::promise<absl::StatusOr<std::vector<EnqueueOutcome>>> promise;
    auto future = promise.get_future();
    queue_->Enqueue(std::move(events), [&](auto r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  static EventToStore Item(uint32_t partition, const std::string& key) {
    EventToStore item;
    item.partition = partition;
    item.idempotency_key = key;
    item.payload = "payload-" + key;
    item.conversation_key = absl::StrCat("conv-", partition);
    item.customer_message_ms = 1700000000000;
    item.history = true;
    return item;
  }

  // The payloads of a partition's stream, in order, read where it lives now.
  std::vector<std::string> Stored(uint32_t p) {
    auto reply = client_->Run({"XRANGE", queue::StreamKey(p), "-", "+"});
    EXPECT_TRUE(reply.ok()) << reply.status();
    std::vector<std::string> out;
    if (!reply.ok()) return out;
    for (size_t i = 0; i < reply->size(); ++i) {
      const redisReply* fields = reply->element(i)->element[1];
      out.emplace_back(redis::ElementStr(fields->element[1]));
    }
    return out;
  }

  // Every acknowledged payload stored exactly once, in acknowledgement
  // order (refused ones may be there too: written before the master died,
  // their client would retry).
  static void ExpectEachOnceInOrder(const std::vector<std::string>& acked,
                                    const std::vector<std::string>& stored) {
    std::map<std::string, int> count;
    for (const auto& s : stored) ++count[s];
    size_t at = 0;
    for (const std::string& want : acked) {
      EXPECT_EQ(count[want], 1) << want;
      while (at < stored.size() && stored[at] != want) ++at;
      ASSERT_LT(at, stored.size()) << want << " out of order";
    }
  }

  std::unique_ptr<testing::RedisCluster> cluster_;
  std::unique_ptr<redis::ClusterClient> client_;
  std::unique_ptr<redis::ClusterPipelineWriter> writer_;
  std::unique_ptr<queue::RedisStreamQueue> queue_;
};

TEST_F(ClusterStoreTest, PartitionsSpreadOverEveryMasterInOrderAndDeduped) {
  ASSERT_NO_FATAL_FAILURE(StartWriter());
  std::vector<EventToStore> events;
  for (int round = 0; round < 5; ++round) {
    for (uint32_t p = 0; p < kPartitions; ++p)
      events.push_back(Item(p, absl::StrCat(p, "-", round)));
  }
  events.push_back(Item(3, "3-1"));  // a repeat
  auto out = Enqueue(std::move(events));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 5 * kPartitions + 1);
  EXPECT_TRUE(out->back().duplicate);
  EXPECT_EQ(out->back().stream_entry_id, (*out)[kPartitions + 3].stream_entry_id);

  std::set<int> masters;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto port = cluster_->MasterOfSlot(redis::KeySlot(queue::StreamKey(p)));
    ASSERT_TRUE(port.ok()) << port.status();
    masters.insert(*port);
    // Stored on that master (asked directly, no redirection) in order.
    auto len = cluster_->Run(*port, {"XLEN", queue::StreamKey(p)});
    ASSERT_TRUE(len.ok());
    EXPECT_EQ(*len, "5") << "partition " << p;
    std::vector<std::string> want;
    for (int round = 0; round < 5; ++round) want.push_back(absl::StrCat("payload-", p, "-", round));
    EXPECT_EQ(Stored(p), want);
  }
  EXPECT_EQ(masters.size(), 3u);
}

TEST_F(ClusterStoreTest, AMigratedPartitionIsFollowedToItsNewMaster) {
  ASSERT_NO_FATAL_FAILURE(StartWriter());
  const uint32_t p = 5;
  const int slot = redis::KeySlot(queue::StreamKey(p));
  ASSERT_TRUE(Enqueue({Item(p, "before")}).ok());
  auto from = cluster_->MasterOfSlot(slot);
  ASSERT_TRUE(from.ok());
  int to = 0;
  for (int port : cluster_->ports()) {
    auto nodes = cluster_->Nodes();
    ASSERT_TRUE(nodes.ok());
    for (const auto& n : *nodes) {
      if (n.port == port && n.master && port != *from) to = port;
    }
    if (to != 0) break;
  }
  ASSERT_NE(to, 0);
  ASSERT_TRUE(cluster_->MigrateSlot(slot, to).ok());
  // The writer still sends to the old master: MOVED, refresh, sent again.
  auto out = Enqueue({Item(p, "after-1"), Item(p, "after-2"), Item(p, "before")});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE((*out)[0].duplicate);
  EXPECT_TRUE((*out)[2].duplicate);  // its dedupe marker moved with the slot
  auto len = cluster_->Run(to, {"XLEN", queue::StreamKey(p)});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, "3");
  EXPECT_THAT(Stored(p),
              ::testing::ElementsAre("payload-before", "payload-after-1", "payload-after-2"));
}

// kill -9 of the master of partition 0 while a producer keeps enqueueing
// with replicated acknowledgement: every acknowledged event survives the
// failover, exactly once and in order, and the writer recovers by itself.
TEST_F(ClusterStoreTest, AcknowledgedEventsSurviveAMasterFailover) {
  ASSERT_NO_FATAL_FAILURE(StartWriter(redis::ReplicaWait{1, absl::Milliseconds(500)}));
  const uint32_t p = 0;
  auto victim = cluster_->MasterOfSlot(redis::KeySlot(queue::StreamKey(p)));
  ASSERT_TRUE(victim.ok());

  std::atomic<bool> stop{false};
  std::vector<std::string> acked;  // producer thread only until joined
  int failed = 0;
  absl::Time first_failure = absl::InfiniteFuture(), recovered = absl::InfiniteFuture();
  std::thread producer([&] {
    for (int i = 0; !stop.load() && i < 5000; ++i) {
      const std::string key = absl::StrCat("m", i);
      auto out = Enqueue({Item(p, key)});
      if (out.ok() && !(*out)[0].duplicate) {
        acked.push_back("payload-" + key);
        if (first_failure != absl::InfiniteFuture() && recovered == absl::InfiniteFuture()) {
          recovered = absl::Now();
        }
      } else if (!out.ok()) {
        ++failed;
        if (first_failure == absl::InfiniteFuture()) first_failure = absl::Now();
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  });
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time killed = absl::Now();
  ASSERT_TRUE(cluster_->Kill(*victim).ok());
  ASSERT_TRUE(cluster_->WaitForFailover(*victim).ok());
  // Keep producing a while after the failover: the writer must come back.
  absl::SleepFor(absl::Seconds(1));
  stop = true;
  producer.join();

  ASSERT_NE(recovered, absl::InfiniteFuture()) << "never stored again after the failover";
  std::printf("failover: %zu acknowledged, %d refused (503), stored again %.0f ms after kill\n",
              acked.size(), failed, absl::ToDoubleMilliseconds(recovered - killed));
  ExpectEachOnceInOrder(acked, Stored(p));
}

// A partition's slot moved to another master (redis-cli --cluster reshard
// does the same: MIGRATING/IMPORTING, MIGRATE of the keys, SETSLOT NODE)
// while a producer keeps enqueueing: nothing acknowledged is lost or
// doubled, order holds.
TEST_F(ClusterStoreTest, AcknowledgedEventsSurviveASlotMigrationUnderLoad) {
  ASSERT_NO_FATAL_FAILURE(StartWriter());
  const uint32_t p = 7;
  const int slot = redis::KeySlot(queue::StreamKey(p));
  auto from = cluster_->MasterOfSlot(slot);
  ASSERT_TRUE(from.ok());
  auto nodes = cluster_->Nodes();
  ASSERT_TRUE(nodes.ok());
  int to = 0;
  for (const auto& n : *nodes) {
    if (n.master && n.port != *from && n.pid > 0) to = n.port;
  }
  ASSERT_NE(to, 0);

  std::atomic<bool> stop{false};
  std::vector<std::string> acked;
  int failed = 0;
  std::thread producer([&] {
    for (int i = 0; !stop.load() && i < 5000; ++i) {
      const std::string key = absl::StrCat("r", i);
      auto out = Enqueue({Item(p, key)});
      if (out.ok() && !(*out)[0].duplicate) {
        acked.push_back("payload-" + key);
      } else if (!out.ok()) {
        ++failed;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
  });
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(cluster_->MigrateSlot(slot, to).ok());
  absl::SleepFor(absl::Milliseconds(500));
  stop = true;
  producer.join();

  auto now_at = cluster_->MasterOfSlot(slot);
  ASSERT_TRUE(now_at.ok());
  EXPECT_EQ(*now_at, to);
  std::printf("migration: %zu acknowledged, %d refused\n", acked.size(), failed);
  ExpectEachOnceInOrder(acked, Stored(p));
  EXPECT_GT(acked.size(), 100u);
}

// Writes through ClusterClient (Outbound.Send, Conversations changes, ...)
// with replicated acknowledgement: confirmed by the key's master's replica,
// UNAVAILABLE while that replica is stopped, confirmed again once it runs.
TEST_F(ClusterStoreTest, ClusterClientWritesWaitForTheMastersReplica) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(1));
  auto target = redis::ParseRedisTarget(cluster_->seed_url());
  ASSERT_TRUE(target.ok());
  redis::ClusterClientOptions options;
  options.replica_wait = redis::ReplicaWait{1, absl::Milliseconds(300)};
  redis::ClusterClient client(target->endpoints, options);
  const std::string key = queue::StreamKey(2);
  ASSERT_TRUE(client.Run({"XADD", key, "*", "event", "one"}).ok());

  auto master = cluster_->MasterOfSlot(redis::KeySlot(key));
  ASSERT_TRUE(master.ok());
  auto nodes = cluster_->Nodes();
  ASSERT_TRUE(nodes.ok());
  std::string master_id;
  for (const auto& n : *nodes) {
    if (n.port == *master) master_id = n.id;
  }
  pid_t replica = -1;
  for (const auto& n : *nodes) {
    if (!n.master && n.master_id == master_id) replica = n.pid;
  }
  ASSERT_GT(replica, 0);
  ASSERT_EQ(kill(replica, SIGSTOP), 0);
  const absl::Time start = absl::Now();
  auto unconfirmed = client.Run({"XADD", key, "*", "event", "two"});
  const absl::Duration took = absl::Now() - start;
  kill(replica, SIGCONT);
  ASSERT_FALSE(unconfirmed.ok());
  EXPECT_TRUE(absl::IsUnavailable(unconfirmed.status())) << unconfirmed.status();
  EXPECT_THAT(std::string(unconfirmed.status().message()), ::testing::HasSubstr("replicas"));
  EXPECT_LT(took, absl::Seconds(2));  // not retried: the write ran
  // Reads do not wait; the stream has both entries (written, not confirmed).
  auto len = client.Run({"XLEN", key});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->integer(), 2);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  absl::StatusOr<redis::RedisReply> again = absl::UnavailableError("not tried");
  while (absl::Now() < deadline) {
    again = client.Run({"XADD", key, "*", "event", "three"});
    if (again.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(again.ok()) << again.status();
}

}  // namespace
}  // namespace omnigate
