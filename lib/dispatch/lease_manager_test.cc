#include "lib/dispatch/lease_manager.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/queue/keys.h"
#include "lib/redis/fake_redis.h"
#include "prometheus/registry.h"

namespace omnigate::dispatch {
namespace {

constexpr uint32_t kPartitions = 4;
constexpr int64_t kTtlMs = 10000;

class RecordingListener : public LeaseListener {
 public:
  void OnAcquired(uint32_t p) override {
    std::lock_guard<std::mutex> lock(mu_);
    acquired.insert(p);
  }
  void OnLost(uint32_t p) override {
    std::lock_guard<std::mutex> lock(mu_);
    acquired.erase(p);
    lost.insert(p);
  }
  bool Busy(uint32_t p) override {
    std::lock_guard<std::mutex> lock(mu_);
    return busy.count(p) != 0;
  }
  void EnsureWorking(uint32_t p) override {
    std::lock_guard<std::mutex> lock(mu_);
    ensured.insert(p);
  }

  std::mutex mu_;
  std::multiset<uint32_t> ensured;
  std::set<uint32_t> acquired;
  std::set<uint32_t> lost;
  std::set<uint32_t> busy;
};

// FakeRedis whose pipelines (the heartbeat) fail while `fail_pipelines`:
// the heartbeat set's node is down, the leases' nodes are not.
class HeartbeatDown final : public redis::RedisClient {
 public:
  explicit HeartbeatDown(redis::RedisClient* inner) : inner_(inner) {}
  absl::StatusOr<redis::RedisReply> Run(const redis::RedisCommand& command) override {
    return inner_->Run(command);
  }
  absl::StatusOr<std::vector<redis::RedisReply>> RunPipeline(
      const std::vector<redis::RedisCommand>& commands) override {
    if (fail_pipelines) return absl::UnavailableError("heartbeat node down");
    return inner_->RunPipeline(commands);
  }
  std::atomic<bool> fail_pipelines{false};

 private:
  redis::RedisClient* const inner_;
};

class LeaseManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<LeaseManager> Manager(const std::string& id, LeaseListener* listener) {
    LeaseOptions options;
    options.partitions = kPartitions;
    options.instance_id = id;
    options.ttl = absl::Milliseconds(kTtlMs);
    options.renew = absl::Seconds(3);
    return std::make_unique<LeaseManager>(options, &redis_, listener, &metrics_, wall_,
                                          [this] { return steady_ms_.load(); });
  }
  // Both clocks move together, as they do in a real process.
  void Advance(int64_t ms) {
    wall_.AdvanceMs(ms);
    steady_ms_ += ms;
  }
  std::string Holder(uint32_t p) {
    auto reply = redis_.Run({"GET", queue::LeaseKey(p)});
    return std::string(reply->str());
  }

  FakeClock wall_{1700000000000};
  std::atomic<int64_t> steady_ms_{5000};
  redis::FakeRedis redis_{wall_};
  prometheus::Registry registry_;
  DispatchMetrics metrics_{registry_, {"sink"}};
};

TEST_F(LeaseManagerTest, ALoneReplicaTakesEveryPartition) {
  RecordingListener listener;
  auto manager = Manager("a", &listener);
  manager->RunCycle();
  EXPECT_TRUE(manager->healthy());
  EXPECT_EQ(manager->owned(), 4);
  EXPECT_THAT(listener.acquired, ::testing::ElementsAre(0, 1, 2, 3));
  for (uint32_t p = 0; p < kPartitions; ++p) {
    EXPECT_EQ(Holder(p), "a");
    EXPECT_TRUE(manager->Valid(p));
    // Owned locally for ttl - ttl/10 from the start of the cycle.
    EXPECT_EQ(manager->Remaining(p), absl::Milliseconds(kTtlMs - kTtlMs / 10));
  }
  EXPECT_EQ(redis_.Run({"PTTL", queue::LeaseKey(0)})->integer(), kTtlMs);
  EXPECT_FALSE(manager->Valid(kPartitions));
}

TEST_F(LeaseManagerTest, RenewingExtendsLeasesAndLocalValidity) {
  RecordingListener listener;
  auto manager = Manager("a", &listener);
  manager->RunCycle();
  Advance(3000);
  manager->RunCycle();
  EXPECT_EQ(redis_.Run({"PTTL", queue::LeaseKey(2)})->integer(), kTtlMs);
  EXPECT_EQ(manager->Remaining(2), absl::Milliseconds(kTtlMs - kTtlMs / 10));
  EXPECT_TRUE(listener.lost.empty());
}

// Workers stop by themselves when the local validity runs out; a renewal
// that still succeeds afterwards (answered late, e.g. across a failover)
// keeps the lease, so every renewal of an owned partition asks the listener
// to make sure its work runs. Partitions lost or being released are not.
TEST_F(LeaseManagerTest, EveryRenewalOfAnOwnedPartitionEnsuresItsWorkRuns) {
  RecordingListener la, lb;
  auto a = Manager("a", &la);
  a->RunCycle();  // acquisition starts the work itself
  EXPECT_TRUE(la.ensured.empty());
  Advance(3000);
  a->RunCycle();
  EXPECT_THAT(la.ensured, ::testing::ElementsAre(0, 1, 2, 3));
  // Partition 1's lease is taken away; a second replica arrives, so half of
  // the rest is being given back.
  ASSERT_TRUE(redis_.Run({"SET", queue::LeaseKey(1), "intruder"}).ok());
  auto b = Manager("b", &lb);
  b->RunCycle();
  la.ensured.clear();
  Advance(3000);
  a->RunCycle();
  EXPECT_EQ(la.lost.count(1), 1u);
  EXPECT_THAT(la.ensured, ::testing::ElementsAre(0, 2, 3));  // renewed before the split
  ASSERT_EQ(la.lost.size(), 2u);                             // 1, and the one now being given back
  la.ensured.clear();
  la.busy.insert(la.lost.begin(), la.lost.end());  // still winding down
  Advance(3000);
  a->RunCycle();
  EXPECT_EQ(la.ensured.size(), 2u) << "the two kept, not the one given back";
  for (uint32_t p : la.lost) EXPECT_EQ(la.ensured.count(p), 0u) << p;
}

TEST_F(LeaseManagerTest, ReplicasSplitThePartitionsWithoutOverlap) {
  RecordingListener la, lb;
  auto a = Manager("a", &la);
  auto b = Manager("b", &lb);
  a->RunCycle();
  b->RunCycle();  // two live replicas now, but everything is held by a
  EXPECT_EQ(b->owned(), 0);
  a->RunCycle();  // a gives back the excess: workers stop first
  EXPECT_EQ(a->owned(), 2);
  EXPECT_EQ(la.lost.size(), 2u);
  for (uint32_t p : la.lost) EXPECT_EQ(Holder(p), "a");  // still held while winding down
  a->RunCycle();                                         // wound down: leases deleted
  for (uint32_t p : la.lost) EXPECT_EQ(Holder(p), "");
  b->RunCycle();
  EXPECT_EQ(b->owned(), 2);
  for (uint32_t p = 0; p < kPartitions; ++p) {
    EXPECT_NE(a->Valid(p), b->Valid(p)) << "partition " << p;
    EXPECT_EQ(Holder(p), a->Valid(p) ? "a" : "b");
  }
}

TEST_F(LeaseManagerTest, BusyPartitionKeepsItsLeaseUntilWorkEnds) {
  RecordingListener la, lb;
  auto a = Manager("a", &la);
  auto b = Manager("b", &lb);
  a->RunCycle();
  b->RunCycle();
  a->RunCycle();
  ASSERT_EQ(la.lost.size(), 2u);
  la.busy = la.lost;
  a->RunCycle();
  for (uint32_t p : la.lost) EXPECT_EQ(Holder(p), "a");
  la.busy.clear();
  a->RunCycle();
  for (uint32_t p : la.lost) EXPECT_EQ(Holder(p), "");
}

TEST_F(LeaseManagerTest, CutOffFromRedisStopsWorkBeforeTheLeaseExpires) {
  RecordingListener listener;
  auto manager = Manager("a", &listener);
  manager->RunCycle();
  redis_.SetUnavailable(true);
  Advance(3000);
  manager->RunCycle();
  EXPECT_FALSE(manager->healthy());
  EXPECT_TRUE(manager->Valid(0));  // still within its local validity
  Advance(kTtlMs - kTtlMs / 10 - 3000);
  EXPECT_FALSE(manager->Valid(0));
  EXPECT_EQ(manager->Remaining(0), absl::ZeroDuration());
  manager->RunCycle();
  EXPECT_THAT(listener.lost, ::testing::ElementsAre(0, 1, 2, 3));
  // Redis still holds the leases for a tenth of the ttl: nobody else works
  // on the partitions before this replica stopped.
  redis_.SetUnavailable(false);
  EXPECT_EQ(Holder(0), "a");
}

TEST_F(LeaseManagerTest, ADeadReplicasPartitionsAreTakenOverAfterExpiry) {
  RecordingListener la, lb;
  auto a = Manager("a", &la);
  auto b = Manager("b", &lb);
  a->RunCycle();
  Advance(1000);
  b->RunCycle();
  EXPECT_EQ(b->owned(), 0);
  Advance(kTtlMs);  // a is silent for a ttl: heartbeat stale, leases expired
  b->RunCycle();
  EXPECT_EQ(b->owned(), 4);
  for (uint32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(Holder(p), "b");
  EXPECT_TRUE(redis_.Run({"ZSCORE", std::string(queue::kDispatchersKey), "a"})->is_null());
}

TEST_F(LeaseManagerTest, StopReleasesLeasesAndLeavesTheReplicaSet) {
  RecordingListener listener;
  auto manager = Manager("a", &listener);
  manager->RunCycle();
  manager->Stop(absl::ZeroDuration());
  EXPECT_EQ(manager->owned(), 0);
  EXPECT_THAT(listener.lost, ::testing::ElementsAre(0, 1, 2, 3));
  for (uint32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(Holder(p), "");
  EXPECT_TRUE(redis_.Run({"ZSCORE", std::string(queue::kDispatchersKey), "a"})->is_null());
}

TEST_F(LeaseManagerTest, OnAClusterLeasesAreRenewedWhileTheHeartbeatFails) {
  HeartbeatDown redis(&redis_);
  LeaseOptions options;
  options.partitions = kPartitions;
  options.instance_id = "a";
  options.ttl = absl::Milliseconds(kTtlMs);
  options.renew_without_heartbeat = true;
  RecordingListener listener;
  LeaseManager manager(options, &redis, &listener, &metrics_, wall_,
                       [this] { return steady_ms_.load(); });
  manager.RunCycle();
  ASSERT_EQ(manager.owned(), 4);
  redis.fail_pipelines = true;
  for (int i = 0; i < 4; ++i) {  // 12 s: beyond a ttl
    Advance(3000);
    manager.RunCycle();
    EXPECT_FALSE(manager.healthy());
  }
  EXPECT_EQ(manager.owned(), 4);
  for (uint32_t p = 0; p < kPartitions; ++p) EXPECT_TRUE(manager.Valid(p)) << p;
  EXPECT_TRUE(listener.lost.empty());
}

TEST_F(LeaseManagerTest, OnOneRedisAFailedHeartbeatStopsRenewals) {
  HeartbeatDown redis(&redis_);
  LeaseOptions options;
  options.partitions = kPartitions;
  options.instance_id = "a";
  options.ttl = absl::Milliseconds(kTtlMs);
  RecordingListener listener;
  LeaseManager manager(options, &redis, &listener, &metrics_, wall_,
                       [this] { return steady_ms_.load(); });
  manager.RunCycle();
  ASSERT_EQ(manager.owned(), 4);
  redis.fail_pipelines = true;
  for (int i = 0; i < 4; ++i) {
    Advance(3000);
    manager.RunCycle();
  }
  for (uint32_t p = 0; p < kPartitions; ++p) EXPECT_FALSE(manager.Valid(p)) << p;
  EXPECT_EQ(listener.lost.size(), kPartitions);
}

}  // namespace
}  // namespace omnigate::dispatch
