// The modules that moved from ConnectionPool to RedisClient, on a real Redis
// Cluster (3 masters + 3 replicas on 127.0.0.1): partition leases spread
// over the masters, dead letters listed and replayed across nodes, the
// conversation store, and a partition reader that follows its stream to the
// promoted replica after its master is killed (kill -9).

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/conversations/conversation_store.h"
#include "lib/dispatch/dead_letter_store.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/dispatch/lease_manager.h"
#include "lib/dispatch/partition_reader.h"
#include "lib/dispatch/stream_connector.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/cluster_slot.h"
#include "lib/redis/redis_url.h"
#include "lib/webchat/notify_subscriber.h"
#include "prometheus/registry.h"
#include "tests/support/redis_cluster.h"
#include "tests/support/wait.h"

namespace omnigate {
namespace {

using redis::ClusterClient;
using redis::KeySlot;
using testing::RedisCluster;
using testing::WaitFor;

class NoWork : public dispatch::LeaseListener {
 public:
  void OnAcquired(uint32_t) override {}
  void OnLost(uint32_t) override {}
  bool Busy(uint32_t) override { return false; }
};

// A conversation key of partition `p`.
std::string ConversationIn(uint32_t p, uint32_t partitions) {
  for (int n = 0;; ++n) {
    std::string conv = absl::StrCat("telegram:bot:dl-", n);
    if (queue::PartitionOf(conv, partitions) == p) return conv;
  }
}

// One cluster for the tests that leave it healthy.
// A partition reader on a cluster stream (lease owner "d1") that records the
// ids of what it reads.
class RecordingReader {
 public:
  RecordingReader(ClusterClient* client, dispatch::DispatchMetrics* metrics,
                  const std::string& stream, const std::string& lease)
      : reader_(
            dispatch::ReaderOptions{stream, "sink", "d1", lease, "d1", 100,
                                    absl::Milliseconds(100)},
            dispatch::ClusterStreamConnector(client)(stream, absl::Seconds(5)), metrics,
            [] { return absl::Minutes(5); },
            [](const dispatch::EntryFields& fields, dispatch::StreamEntry* out) {
              out->event.set_id(std::string(redis::ElementStr(fields.event)));
              return true;
            },
            [this](std::vector<dispatch::StreamEntry> entries) {
              std::lock_guard<std::mutex> lock(mu_);
              for (auto& e : entries) seen_.push_back(e.event.id());
              cv_.notify_all();
            }) {
    reader_.Grant(1000);
    reader_.Start();
  }

  // True once `event` was read, waiting up to `timeout`.
  bool Saw(const std::string& event, absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] {
      return std::find(seen_.begin(), seen_.end(), event) != seen_.end();
    });
  }

  void Stop() { reader_.Stop(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
  dispatch::PartitionReader reader_;  // last: stopped before what it records into
};

class ClusterModulesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = RedisCluster::Start();
    if (!cluster.ok()) {
      start_error_ = new std::string(cluster.status().ToString());
      return;
    }
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr) << (start_error_ != nullptr ? *start_error_ : "");
    auto target = redis::ParseRedisTarget(cluster_->seed_url());
    ASSERT_TRUE(target.ok()) << target.status();
    client_ = std::make_unique<ClusterClient>(target->endpoints);
  }

  int MasterOf(const std::string& key) {
    auto port = cluster_->MasterOfSlot(KeySlot(key));
    EXPECT_TRUE(port.ok()) << port.status();
    return port.ok() ? *port : 0;
  }

  static RedisCluster* cluster_;
  static std::string* start_error_;
  std::unique_ptr<ClusterClient> client_;
  prometheus::Registry registry_;
  dispatch::DispatchMetrics metrics_{registry_, {"sink"}};
};

RedisCluster* ClusterModulesTest::cluster_ = nullptr;
std::string* ClusterModulesTest::start_error_ = nullptr;

TEST_F(ClusterModulesTest, LeasesOfEveryPartitionSpreadOverTheMasters) {
  constexpr uint32_t kPartitions = 16;
  std::atomic<int64_t> steady_ms{1000};
  auto manager = [&](const std::string& id, dispatch::LeaseListener* listener) {
    dispatch::LeaseOptions options;
    options.partitions = kPartitions;
    options.instance_id = id;
    options.ttl = absl::Seconds(30);
    return std::make_unique<dispatch::LeaseManager>(options, client_.get(), listener, &metrics_,
                                                    SystemClock::Get(),
                                                    [&] { return steady_ms.load(); });
  };
  NoWork listener;
  auto first = manager("d1", &listener);
  first->RunCycle();
  ASSERT_TRUE(first->healthy());
  ASSERT_EQ(first->owned(), static_cast<int>(kPartitions));
  std::set<int> masters;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto holder = client_->Run({"GET", queue::LeaseKey(p)});
    ASSERT_TRUE(holder.ok()) << holder.status();
    EXPECT_EQ(holder->str(), "d1") << p;
    masters.insert(MasterOf(queue::LeaseKey(p)));
  }
  EXPECT_EQ(masters.size(), 3u) << "16 partitions' leases live on every master";

  // A second replica: the first gives back its excess, the second takes it.
  auto second = manager("d2", &listener);
  second->RunCycle();
  first->RunCycle();  // marks the excess for release
  first->RunCycle();  // releases it
  second->RunCycle();
  EXPECT_EQ(first->owned(), 8);
  EXPECT_EQ(second->owned(), 8);
  int held_by_second = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto holder = client_->Run({"GET", queue::LeaseKey(p)});
    ASSERT_TRUE(holder.ok());
    held_by_second += holder->str() == "d2" ? 1 : 0;
  }
  EXPECT_EQ(held_by_second, 8);
  first->Stop(absl::ZeroDuration());
  second->Stop(absl::ZeroDuration());
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto holder = client_->Run({"EXISTS", queue::LeaseKey(p)});
    ASSERT_TRUE(holder.ok());
    EXPECT_EQ(holder->integer(), 0) << "released on stop: " << p;
  }
}

TEST_F(ClusterModulesTest, DeadLettersAreListedAndReplayedAcrossNodes) {
  constexpr uint32_t kPartitions = 8;
  dispatch::DeadLetterStore store(kPartitions, 1000, client_.get());
  std::set<int> masters;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    omnigate::v1::Event event;
    event.set_id(absl::StrCat("event-", p));
    event.set_conversation_key(ConversationIn(p, kPartitions));
    auto added =
        client_->Run({"XADD", queue::DeadLetterKey(p), "*", "event", event.SerializeAsString(),
                      "sink", "chatbot", "code", "9", "dead_at_ms", absl::StrCat(1000 + p)});
    ASSERT_TRUE(added.ok() && added->is_string()) << p;
    masters.insert(MasterOf(queue::DeadLetterKey(p)));
  }
  ASSERT_GE(masters.size(), 2u) << "the dead letters span nodes";

  auto listed = store.List(omnigate::v1::DeadLetterSelector());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), kPartitions);
  EXPECT_EQ((*listed)[0].event().id(), "event-0") << "oldest first";
  EXPECT_EQ((*listed)[0].sink(), "chatbot");

  omnigate::v1::DeadLetterSelector one;
  one.set_conversation_key(ConversationIn(3, kPartitions));
  auto only = store.List(one);
  ASSERT_TRUE(only.ok()) << only.status();
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ((*only)[0].event().id(), "event-3");

  auto replayed = store.Replay(omnigate::v1::DeadLetterSelector());
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(*replayed, kPartitions);
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto entries = client_->Run({"XRANGE", queue::StreamKey(p), "-", "+"});
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 1u) << p;
    const redisReply* fields = entries->element(0)->element[1];
    EXPECT_EQ(redis::ElementStr(fields->element[2]), "target_sink");
    EXPECT_EQ(redis::ElementStr(fields->element[3]), "chatbot");
  }
  auto left = store.List(omnigate::v1::DeadLetterSelector());
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

TEST_F(ClusterModulesTest, ConversationStoreWorksOnEveryNode) {
  conversations::ConversationStoreOptions options;
  options.partitions = 16;
  FakeClock clock{1700000000000};
  conversations::ConversationStore store(options, client_.get(), clock);
  std::set<int> masters;
  for (int i = 0; i < 12; ++i) {
    const std::string conv = absl::StrCat("whatsapp:acct:cluster-", i);
    const uint32_t p = queue::PartitionOf(conv, options.partitions);
    masters.insert(MasterOf(queue::ConversationStateKey(p, conv)));
    omnigate::v1::SetModeRequest request;
    request.set_conversation_key(conv);
    request.set_mode(omnigate::v1::MODE_AGENT);
    request.set_actor("bot-1");
    auto changed = store.SetMode(request);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_EQ(changed->mode(), omnigate::v1::MODE_AGENT);
    auto read = store.Get(conv);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->mode(), omnigate::v1::MODE_AGENT) << conv;
    // The change went to the partition stream and the history, atomically.
    auto history = client_->Run({"EXISTS", queue::HistoryKey(p, conv)});
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(history->integer(), 1) << conv;
  }
  EXPECT_EQ(masters.size(), 3u);
}

// The reader's slot moves to another master while it reads: the old master
// answers MOVED, and the reader reconnects to the new one.
TEST_F(ClusterModulesTest, ReaderFollowsItsStreamToAnotherMasterOnMoved) {
  const std::string stream = queue::StreamKey(9);
  const std::string lease = queue::LeaseKey(9);
  ASSERT_EQ(client_->Run({"SET", lease, "d1"}).value().str(), "OK");
  RecordingReader reader(client_.get(), &metrics_, stream, lease);
  auto saw = [&](const std::string& event) { return reader.Saw(event, absl::Seconds(20)); };
  ASSERT_TRUE(client_->Run({"XADD", stream, "*", "event", "before"}).ok());
  ASSERT_TRUE(saw("before"));

  const int from = MasterOf(stream);
  auto nodes = cluster_->Nodes();
  ASSERT_TRUE(nodes.ok());
  int to = 0;
  for (const auto& node : *nodes) {
    if (node.master && node.slots > 0 && node.port != from) to = node.port;
  }
  ASSERT_NE(to, 0);
  ASSERT_TRUE(cluster_->MigrateSlot(KeySlot(stream), to).ok());
  ASSERT_EQ(MasterOf(stream), to);
  ASSERT_TRUE(client_->Run({"XADD", stream, "*", "event", "after"}).ok());
  EXPECT_TRUE(saw("after")) << "the reader follows its stream to the new master";
  reader.Stop();
}

// Web chat wake-ups: a subscriber on one node hears a PUBLISH sent through
// the cluster client to another (Redis Cluster broadcasts it).
TEST_F(ClusterModulesTest, WebChatNotificationsReachASubscriberOnAnyNode) {
  const std::string channel = "omnigate:webchat:notify";
  auto target = redis::ParseRedisTarget(cluster_->seed_url());
  ASSERT_TRUE(target.ok());
  std::mutex mu;
  std::vector<std::string> heard;
  webchat::NotifySubscriber subscriber(
      webchat::ClusterSubscribeEndpoint(client_.get(), target->endpoints.front(), channel), channel,
      [&](const std::string& message) {
        std::lock_guard<std::mutex> lock(mu);
        heard.push_back(message);
      },
      [] {});
  ASSERT_TRUE(WaitFor([&] { return subscriber.connected(); }, absl::Seconds(10)));
  // Published from a connection to another master than the subscriber's.
  auto subscribed_to = client_->NodeForKey(channel);
  ASSERT_TRUE(subscribed_to.ok());
  const std::string other_key = [&] {
    for (int n = 0;; ++n) {
      std::string key = absl::StrCat("omnigate:test:{notify", n, "}");
      if (MasterOf(key) != subscribed_to->port) return key;
    }
  }();
  auto conn = client_->FactoryForKey(other_key)();
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE(WaitFor(
      [&] {
        // Subscribed a moment after connected() turned true: publish until heard.
        (void)(*conn)->Run({"PUBLISH", channel, "web:visitor-1"});
        std::lock_guard<std::mutex> lock(mu);
        return !heard.empty();
      },
      absl::Seconds(10), absl::Milliseconds(100)));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(heard.front(), "web:visitor-1");
}

// A reader whose master is killed reconnects to the promoted replica and
// keeps reading. Its own cluster: the test kills a node.
TEST(ClusterPartitionReaderTest, KeepsReadingAfterItsMasterIsKilled) {
  auto cluster = RedisCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto target = redis::ParseRedisTarget((*cluster)->seed_url());
  ASSERT_TRUE(target.ok());
  ClusterClient client(target->endpoints);
  prometheus::Registry registry;
  dispatch::DispatchMetrics metrics(registry, {"sink"});

  const std::string stream = queue::StreamKey(5);
  const std::string lease = queue::LeaseKey(5);
  ASSERT_EQ(client.Run({"SET", lease, "d1"}).value().str(), "OK");
  RecordingReader reader(&client, &metrics, stream, lease);
  auto saw = [&](const std::string& event) { return reader.Saw(event, absl::Seconds(30)); };
  ASSERT_TRUE(client.Run({"XADD", stream, "*", "event", "before"}).ok());
  ASSERT_TRUE(saw("before"));

  auto victim = (*cluster)->MasterOfSlot(KeySlot(stream));
  ASSERT_TRUE(victim.ok());
  ASSERT_TRUE((*cluster)->Kill(*victim).ok());
  ASSERT_TRUE((*cluster)->WaitForFailover(*victim).ok());
  auto promoted = (*cluster)->MasterOfSlot(KeySlot(stream));
  ASSERT_TRUE(promoted.ok());
  EXPECT_NE(*promoted, *victim);
  // The lease manager would take the lease again on the new master (it may
  // have missed replication); so does the test.
  ASSERT_EQ(client.Run({"SET", lease, "d1"}).value().str(), "OK");
  ASSERT_TRUE(client.Run({"XADD", stream, "*", "event", "after"}).ok());
  EXPECT_TRUE(saw("after")) << "the reader follows its stream to the promoted replica";
  reader.Stop();
}

// The replica heartbeat set lives on one master, the leases on all three:
// when that master is killed, the leases served by the other two are
// renewed all through the failover (renew_without_heartbeat).
TEST(ClusterLeaseTest, LeasesOnOtherMastersSurviveTheHeartbeatMastersFailover) {
  auto cluster = RedisCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto target = redis::ParseRedisTarget((*cluster)->seed_url());
  ASSERT_TRUE(target.ok());
  redis::ClusterClientOptions client_options;
  client_options.retry_budget = absl::Milliseconds(100);  // a dead node costs little
  ClusterClient client(target->endpoints, client_options);
  prometheus::Registry registry;
  dispatch::DispatchMetrics metrics(registry, {"sink"});
  NoWork listener;
  constexpr uint32_t kPartitions = 16;
  dispatch::LeaseOptions options;
  options.partitions = kPartitions;
  options.instance_id = "d1";
  // About a failover's length (cluster-node-timeout 1 s): without renewals
  // through it (renew_without_heartbeat off) the leases tend to lapse.
  options.ttl = absl::Seconds(3);
  options.renew = absl::Milliseconds(300);
  options.renew_without_heartbeat = true;
  dispatch::LeaseManager leases(options, &client, &listener, &metrics);
  leases.Start();
  ASSERT_TRUE(
      WaitFor([&] { return leases.owned() == static_cast<int>(kPartitions); }, absl::Seconds(10)));

  auto victim = (*cluster)->MasterOfSlot(KeySlot(queue::kDispatchersKey));
  ASSERT_TRUE(victim.ok());
  std::vector<uint32_t> elsewhere;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto port = (*cluster)->MasterOfSlot(KeySlot(queue::LeaseKey(p)));
    ASSERT_TRUE(port.ok());
    if (*port != *victim) elsewhere.push_back(p);
  }
  ASSERT_FALSE(elsewhere.empty());

  std::atomic<bool> done{false};
  std::atomic<int> lapses{0};
  std::thread watcher([&] {
    while (!done.load()) {
      for (uint32_t p : elsewhere) lapses += leases.Valid(p) ? 0 : 1;
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  ASSERT_TRUE((*cluster)->Kill(*victim).ok());
  const absl::Status failover = (*cluster)->WaitForFailover(*victim);
  absl::SleepFor(absl::Seconds(1));  // and a few cycles after it
  done.store(true);
  watcher.join();
  ASSERT_TRUE(failover.ok()) << failover;
  EXPECT_EQ(lapses.load(), 0) << "leases on the surviving masters lapsed during the failover";
  EXPECT_TRUE(WaitFor([&] { return leases.healthy(); }, absl::Seconds(10)));
  leases.Stop(absl::ZeroDuration());
}

}  // namespace
}  // namespace omnigate
