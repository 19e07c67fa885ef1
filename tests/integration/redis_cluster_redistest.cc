// ClusterClient against a real Redis Cluster (3 masters + 3 replicas on
// 127.0.0.1): routing by slot, scripts, pipelines, MOVED, ASK and a master
// failover.
#include <atomic>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/cluster_client_factory.h"
#include "lib/redis/cluster_slot.h"
#include "lib/redis/redis_script.h"
#include "lib/redis/redis_url.h"
#include "tests/support/redis_cluster.h"
#include "tests/support/redis_server.h"
#include "tests/support/wait.h"

namespace omnigate {
namespace {

using redis::ClusterClient;
using redis::KeySlot;
using redis::RedisCommand;
using redis::RedisReply;
using testing::RedisCluster;
using testing::WaitFor;

std::string PartitionKey(int n) { return absl::StrCat("omnigate:stream:{", n, "}"); }

class RedisClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = RedisCluster::Start();
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    auto target = redis::ParseRedisTarget(cluster_->seed_url());
    ASSERT_TRUE(target.ok()) << target.status();
    target_ = *target;
    client_ = std::make_unique<ClusterClient>(target_.endpoints);
  }

  // The ports of the masters serving slots now.
  std::vector<int> MasterPorts() {
    std::vector<int> ports;
    auto nodes = cluster_->Nodes();
    EXPECT_TRUE(nodes.ok()) << nodes.status();
    if (!nodes.ok()) return ports;
    for (const auto& node : *nodes) {
      if (node.master && !node.failed && node.slots > 0) ports.push_back(node.port);
    }
    return ports;
  }

  // A key, hash-tagged `tag`, whose slot the master on `port` serves.
  std::string KeyOnMaster(int port, absl::string_view tag) {
    for (int n = 0; n < 10000; ++n) {
      const std::string key = absl::StrCat("omnigate:test:{", tag, n, "}");
      auto owner = cluster_->MasterOfSlot(KeySlot(key));
      if (owner.ok() && *owner == port) return key;
    }
    ADD_FAILURE() << "no key found for the master on " << port;
    return "";
  }

  std::string Get(const std::string& key) {
    auto reply = client_->Run({"GET", key});
    if (!reply.ok()) return absl::StrCat("<", reply.status().ToString(), ">");
    if (reply->is_error()) return absl::StrCat("<error ", reply->str(), ">");
    return std::string(reply->str());
  }

  std::unique_ptr<RedisCluster> cluster_;
  redis::RedisTarget target_;
  std::unique_ptr<ClusterClient> client_;
};

TEST_F(RedisClusterTest, PartitionKeysLandOnEveryMasterAndReadBack) {
  // Through MakeRedisClient, as a service configured with the URL would.
  std::unique_ptr<redis::RedisClient> client = redis::MakeRedisClient(target_);
  for (int n = 0; n < 64; ++n) {
    auto reply = client->Run({"XADD", PartitionKey(n), "*", "n", absl::StrCat(n)});
    ASSERT_TRUE(reply.ok()) << reply.status();
    ASSERT_FALSE(reply->is_error()) << reply->str();
  }
  std::set<std::string> owners;
  for (int n = 0; n < 64; ++n) {
    auto reply = client->Run({"XRANGE", PartitionKey(n), "-", "+"});
    ASSERT_TRUE(reply.ok()) << reply.status();
    ASSERT_EQ(reply->size(), 1u) << PartitionKey(n);
    const redisReply* fields = reply->element(0)->element[1];
    EXPECT_EQ(redis::ElementStr(fields->element[1]), absl::StrCat(n));
    auto node = client_->NodeForKey(PartitionKey(n));
    ASSERT_TRUE(node.ok()) << node.status();
    auto owner = cluster_->MasterOfSlot(KeySlot(PartitionKey(n)));
    ASSERT_TRUE(owner.ok()) << owner.status();
    EXPECT_EQ(node->port, *owner) << PartitionKey(n);
    owners.insert(node->ToString());
  }
  EXPECT_EQ(owners.size(), 3u);
  // Each master holds its share and only that.
  int total = 0;
  for (const int port : MasterPorts()) {
    auto keys = cluster_->Run(port, {"DBSIZE"});
    ASSERT_TRUE(keys.ok()) << keys.status();
    int count = 0;
    ASSERT_TRUE(absl::SimpleAtoi(*keys, &count)) << *keys;
    EXPECT_GT(count, 0) << "master on " << port;
    total += count;
  }
  EXPECT_EQ(total, 64);
  EXPECT_TRUE(client->Ping());
}

TEST_F(RedisClusterTest, KeySlotAgreesWithClusterKeyslot) {
  const int port = cluster_->ports().front();
  std::vector<std::string> keys = {"foo",
                                   "123456789",
                                   "{user1000}.following",
                                   "foo{}{bar}",
                                   "foo{{bar}}zap",
                                   "foo{bar}{zap}",
                                   "omnigate:conv:whatsapp:+15551234567",
                                   "",
                                   "{",
                                   "}{"};
  for (int n = 0; n < 64; ++n) keys.push_back(PartitionKey(n));
  for (const std::string& key : keys) {
    auto slot = cluster_->Run(port, {"CLUSTER", "KEYSLOT", key});
    ASSERT_TRUE(slot.ok()) << slot.status();
    EXPECT_EQ(*slot, absl::StrCat(KeySlot(key))) << "key '" << key << "'";
  }
}

TEST_F(RedisClusterTest, ScriptRunsOnTheNodeOwningItsKeyAfterNoscript) {
  const redis::RedisScript script(
      "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])");
  for (const int port : MasterPorts()) {
    ASSERT_TRUE(cluster_->Run(port, {"SCRIPT", "FLUSH"}).ok());
    ASSERT_TRUE(cluster_->Run(port, {"CONFIG", "RESETSTAT"}).ok());
  }
  for (const int port : MasterPorts()) {
    const std::string key = KeyOnMaster(port, "script");
    for (int run = 0; run < 2; ++run) {
      const std::string value = absl::StrCat("v", port, "-", run);
      auto reply = client_->Eval(script, {key}, {value});
      ASSERT_TRUE(reply.ok()) << reply.status();
      ASSERT_FALSE(reply->is_error()) << reply->str();
      EXPECT_EQ(reply->str(), value);
      auto stored = cluster_->Run(port, {"GET", key});
      ASSERT_TRUE(stored.ok());
      EXPECT_EQ(*stored, value) << "written on the master on " << port;
    }
    auto cached = cluster_->Run(port, {"SCRIPT", "EXISTS", script.sha()});
    ASSERT_TRUE(cached.ok());
    EXPECT_EQ(*cached, "1");
    // NOSCRIPT once, then EVAL once; the second run went by EVALSHA alone.
    auto stats = cluster_->Run(port, {"INFO", "commandstats"});
    ASSERT_TRUE(stats.ok());
    EXPECT_NE(stats->find("cmdstat_eval:calls=1,"), std::string::npos) << *stats;
    EXPECT_NE(stats->find("cmdstat_evalsha:calls=2,"), std::string::npos) << *stats;
  }
}

TEST_F(RedisClusterTest, PipelineAcrossNodesAnswersInTheCallersOrder) {
  std::vector<RedisCommand> commands;
  std::vector<std::string> expected;
  for (int n = 0; n < 24; ++n) {
    commands.push_back({"SET", PartitionKey(n), absl::StrCat("value-", n)});
    expected.push_back("OK");
    commands.push_back({"GET", PartitionKey(n)});
    expected.push_back(absl::StrCat("value-", n));
    if (n % 8 == 0) {
      commands.push_back({"PING"});
      expected.push_back("PONG");
      commands.push_back({"INCR", PartitionKey(n)});  // not a number: an error in place
      expected.push_back("ERR value is not an integer or out of range");
    }
  }
  auto replies = client_->RunPipeline(commands);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    EXPECT_EQ((*replies)[i].str(), expected[i]) << "command " << i << ": " << commands[i][0];
  }
  EXPECT_TRUE((*replies)[3].is_error());
  std::set<std::string> nodes;
  for (int n = 0; n < 24; ++n) nodes.insert(client_->NodeForKey(PartitionKey(n))->ToString());
  EXPECT_EQ(nodes.size(), 3u) << "the pipeline spanned every master";
}

TEST_F(RedisClusterTest, FollowsMovedAfterASlotMigrates) {
  const std::vector<int> masters = MasterPorts();
  ASSERT_EQ(masters.size(), 3u);
  const std::string key = KeyOnMaster(masters[0], "moved");
  auto set = client_->Run({"SET", key, "before"});
  ASSERT_TRUE(set.ok() && !set->is_error());
  ASSERT_EQ(client_->NodeForKey(key)->port, masters[0]);

  ASSERT_TRUE(cluster_->MigrateSlot(KeySlot(key), masters[1]).ok());
  ASSERT_EQ(cluster_->MasterOfSlot(KeySlot(key)).value_or(0), masters[1]);

  // The client still maps the slot to the old owner: MOVED, then the new one.
  EXPECT_EQ(Get(key), "before");
  EXPECT_EQ(client_->NodeForKey(key)->port, masters[1]);
  auto again = client_->Run({"SET", key, "after"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->str(), "OK");
  EXPECT_EQ(cluster_->Run(masters[1], {"GET", key}).value_or(""), "after");
}

TEST_F(RedisClusterTest, FollowsAskDuringAHalfMigration) {
  const std::vector<int> masters = MasterPorts();
  ASSERT_EQ(masters.size(), 3u);
  const std::string tagged = KeyOnMaster(masters[0], "ask");
  const std::string moved = tagged + ":moved";    // same slot (same tag)
  const std::string stayed = tagged + ":stayed";  // same slot, still on the source
  const std::string fresh = tagged + ":fresh";    // created mid-migration
  ASSERT_TRUE(client_->Run({"SET", moved, "m"}).ok());
  ASSERT_TRUE(client_->Run({"SET", stayed, "s"}).ok());
  const int slot = KeySlot(tagged);

  ASSERT_TRUE(cluster_->BeginSlotMigration(slot, masters[1]).ok());
  ASSERT_TRUE(cluster_->MoveKeys(slot, {moved}).ok());
  // The source no longer has it and says ASK.
  EXPECT_EQ(cluster_->Run(masters[0], {"GET", moved}).value_or("").rfind("ASK", 0), 0u);

  EXPECT_EQ(Get(moved), "m");
  EXPECT_EQ(Get(stayed), "s");
  auto pipelined = client_->RunPipeline({{"GET", moved}, {"GET", stayed}, {"SET", fresh, "f"}});
  ASSERT_TRUE(pipelined.ok()) << pipelined.status();
  EXPECT_EQ((*pipelined)[0].str(), "m");
  EXPECT_EQ((*pipelined)[1].str(), "s");
  EXPECT_EQ((*pipelined)[2].str(), "OK");
  EXPECT_EQ(Get(fresh), "f");
  // ASK changes nothing in the map: the slot is still the source's.
  EXPECT_EQ(client_->NodeForKey(moved)->port, masters[0]);

  ASSERT_TRUE(cluster_->FinishSlotMigration(slot).ok());
  EXPECT_EQ(Get(moved), "m");
  EXPECT_EQ(Get(stayed), "s");
  EXPECT_EQ(Get(fresh), "f");
  EXPECT_EQ(client_->NodeForKey(moved)->port, masters[1]);
}

TEST_F(RedisClusterTest, ManyThreadsCountExactlyWhileASlotMigrates) {
  const std::vector<int> masters = MasterPorts();
  ASSERT_EQ(masters.size(), 3u);
  const std::string tagged = KeyOnMaster(masters[0], "busy");
  constexpr int kThreads = 4;
  std::atomic<int> failures{0};
  std::atomic<bool> migrated{false};
  std::vector<int> counts(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Until the migration is over, so every phase of it sees traffic.
      while (!migrated.load() || counts[t] < 100) {
        // One counter in the migrating slot, one anywhere.
        auto replies = client_->RunPipeline({{"INCR", absl::StrCat(tagged, ":", t)},
                                             {"INCR", PartitionKey(t * 7 + counts[t] % 5)}});
        if (!replies.ok() || (*replies)[0].is_error() || (*replies)[1].is_error()) {
          ++failures;
          return;
        }
        ++counts[t];
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(20));
  const absl::Status status = cluster_->MigrateSlot(KeySlot(tagged), masters[2]);
  migrated = true;
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(failures.load(), 0);
  // No increment lost or applied twice: redirected commands never ran.
  int total = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(Get(absl::StrCat(tagged, ":", t)), absl::StrCat(counts[t]));
    total += counts[t];
  }
  int partitions = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < 5; ++i) {
      int value = 0;
      if (absl::SimpleAtoi(Get(PartitionKey(t * 7 + i)), &value)) partitions += value;
    }
  }
  EXPECT_EQ(partitions, total);
  EXPECT_EQ(client_->NodeForKey(tagged)->port, masters[2]);
}

TEST_F(RedisClusterTest, RidesAMasterFailoverWithoutBeingRecreated) {
  const std::vector<int> masters = MasterPorts();
  ASSERT_EQ(masters.size(), 3u);
  const int victim = masters[0];
  const std::string key = KeyOnMaster(victim, "failover");
  ASSERT_EQ(client_->Run({"SET", key, "survives"}).value().str(), "OK");
  // The replica must have the write before its master dies.
  auto nodes = cluster_->Nodes();
  ASSERT_TRUE(nodes.ok());
  std::string victim_id;
  for (const auto& node : *nodes) {
    if (node.port == victim) victim_id = node.id;
  }
  int replica = 0;
  for (const auto& node : *nodes) {
    if (node.master_id == victim_id) replica = node.port;
  }
  ASSERT_NE(replica, 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto info = cluster_->Run(replica, {"INFO", "replication"});
        auto master_info = cluster_->Run(victim, {"INFO", "replication"});
        auto offset = [](const std::string& text, const std::string& field) {
          const size_t at = text.find(field);
          int64_t value = -1;
          if (at != std::string::npos) {
            const size_t end = text.find_first_of("\r\n", at);
            absl::SimpleAtoi(text.substr(at + field.size(), end - at - field.size()), &value);
          }
          return value;
        };
        return info.ok() && master_info.ok() &&
               offset(*info, "slave_repl_offset:") >= offset(*master_info, "master_repl_offset:");
      },
      absl::Seconds(5)));

  ASSERT_TRUE(cluster_->Kill(victim).ok());
  const absl::Time killed = absl::Now();
  EXPECT_FALSE(client_->Ping()) << "a master is down";
  // One call: it retries through the failover within its budget.
  const std::string value = Get(key);
  const absl::Duration recovery = absl::Now() - killed;
  std::cout << "[ measured ] kill -9 of a master -> first successful call: "
            << absl::FormatDuration(recovery) << " (cluster-node-timeout 1s)" << std::endl;
  EXPECT_EQ(value, "survives");
  RecordProperty("failover_recovery_ms", static_cast<int>(absl::ToInt64Milliseconds(recovery)));

  ASSERT_TRUE(cluster_->WaitForFailover(victim).ok());
  EXPECT_EQ(client_->NodeForKey(key)->port, replica) << "the replica was promoted";
  for (int n = 0; n < 64; ++n) {
    auto reply = client_->Run({"SET", PartitionKey(n), "after"});
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->str(), "OK");
  }
  EXPECT_TRUE(client_->Ping());
  // A reader's own connection now goes to the promoted replica.
  auto conn = client_->FactoryForKey(key)();
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto read = (*conn)->Run({"GET", key});
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->str(), "survives");
}

TEST_F(RedisClusterTest, FactoryForKeyConnectsToTheOwner) {
  const std::vector<int> masters = MasterPorts();
  ASSERT_EQ(masters.size(), 3u);
  auto nodes = cluster_->Nodes();
  ASSERT_TRUE(nodes.ok());
  std::map<int, std::string> ids;
  for (const auto& node : *nodes) ids[node.port] = node.id;

  for (const int port : masters) {
    const std::string key = KeyOnMaster(port, "factory");
    redis::ConnectionFactory factory = client_->FactoryForKey(key);
    auto conn = factory();
    ASSERT_TRUE(conn.ok()) << conn.status();
    auto myid = (*conn)->Run({"CLUSTER", "MYID"});
    ASSERT_TRUE(myid.ok());
    EXPECT_EQ(myid->str(), ids[port]);
    // The owner serves the key on this connection itself (no MOVED).
    auto set = (*conn)->Run({"XADD", key, "*", "f", "v"});
    ASSERT_TRUE(set.ok());
    EXPECT_FALSE(set->is_error()) << set->str();
  }

  // After the slot moves, the same factory connects to the new owner.
  const std::string key = KeyOnMaster(masters[0], "factory");
  redis::ConnectionFactory factory = client_->FactoryForKey(key);
  ASSERT_TRUE(cluster_->MigrateSlot(KeySlot(key), masters[2]).ok());
  auto conn = factory();
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto len = (*conn)->Run({"XLEN", key});
  ASSERT_TRUE(len.ok());
  EXPECT_FALSE(len->is_error()) << len->str();
  EXPECT_EQ(len->integer(), 1);
}

TEST_F(RedisClusterTest, FactoryForKeyTakesTheReadersIoTimeout) {
  redis::ClusterClientOptions options;
  options.pool.io_timeout = absl::Milliseconds(200);
  ClusterClient client(target_.endpoints, options);
  const std::string key = PartitionKey(3);
  // A BLOCK longer than the pool's io_timeout, on a connection made for it.
  auto conn = client.FactoryForKey(key, absl::Seconds(3))();
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto read = (*conn)->Run({"XREAD", "BLOCK", "500", "STREAMS", key, "$"});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->is_null());  // timed out in Redis, not in the client
  // With the pool's timeout the same read breaks the connection.
  auto short_conn = client.FactoryForKey(key)();
  ASSERT_TRUE(short_conn.ok()) << short_conn.status();
  EXPECT_FALSE((*short_conn)->Run({"XREAD", "BLOCK", "500", "STREAMS", key, "$"}).ok());
}

TEST(RedisClusterAuthTest, EveryNodeGetsTheCredentials) {
  RedisCluster::Options options;
  options.password = "s3cret-pw";
  auto cluster = RedisCluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto target = redis::ParseRedisTarget((*cluster)->seed_url());
  ASSERT_TRUE(target.ok()) << target.status();
  ClusterClient client(target->endpoints);
  std::vector<RedisCommand> writes;
  std::vector<RedisCommand> reads;
  for (int n = 0; n < 64; ++n) {
    writes.push_back({"SET", PartitionKey(n), absl::StrCat(n)});
    reads.push_back({"GET", PartitionKey(n)});
  }
  auto written = client.RunPipeline(writes);
  ASSERT_TRUE(written.ok()) << written.status();
  auto read = client.RunPipeline(reads);
  ASSERT_TRUE(read.ok()) << read.status();
  for (int n = 0; n < 64; ++n) EXPECT_EQ((*read)[n].str(), absl::StrCat(n));
  EXPECT_TRUE(client.Ping());

  // Bad or missing credentials fail at once: retrying cannot fix them.
  for (const std::string& password : {std::string("wrong"), std::string()}) {
    std::vector<redis::RedisEndpoint> seeds = target->endpoints;
    for (auto& seed : seeds) seed.password = password;
    ClusterClient denied(seeds);
    const absl::Time start = absl::Now();
    auto reply = denied.Run({"GET", PartitionKey(0)});
    EXPECT_TRUE(absl::IsPermissionDenied(reply.status())) << reply.status();
    EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  }
}

TEST(RedisClusterUnreachableTest, GivesUpWithUnavailableWithinTheBudget) {
  const int port = testing::PickFreeClusterPort();  // reserved, nothing listening
  ASSERT_GT(port, 0);
  redis::RedisEndpoint seed;
  seed.port = port;
  redis::ClusterClientOptions options;
  options.retry_budget = absl::Milliseconds(300);
  ClusterClient client({seed}, options);
  const absl::Time start = absl::Now();
  auto reply = client.Run({"GET", "k"});
  EXPECT_TRUE(absl::IsUnavailable(reply.status())) << reply.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_FALSE(client.Ping());
  auto node = client.NodeForKey("k");
  EXPECT_TRUE(absl::IsUnavailable(node.status())) << node.status();
}

}  // namespace
}  // namespace omnigate
