// Fan-out state in a real redis-server: conversation changes and partition
// leases.

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/conversations/conversation_store.h"
#include "lib/dispatch/lease_manager.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/queue/stream_reader.h"
#include "lib/redis/connection_pool.h"
#include "prometheus/registry.h"
#include "tests/support/redis_server.h"
#include "tests/support/wait.h"

namespace omnigate {
namespace {

using testing::WaitFor;

using ::testing::HasSubstr;

class FanoutRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    endpoint_ = *redis::ParseRedisUrl(server_->url());
    pool_ = std::make_unique<redis::ConnectionPool>(endpoint_, absl::Seconds(1), absl::Seconds(2));
  }

  std::string Cli(const std::vector<std::string>& args) {
    auto out = server_->Cli(args);
    return out.ok() ? *out : "";
  }

  std::unique_ptr<testing::RedisServer> server_;
  redis::RedisEndpoint endpoint_;
  std::unique_ptr<redis::ConnectionPool> pool_;
};

// ---------------------------------------------------------------- conversations

constexpr char kKey[] = "whatsapp:100:200";

std::vector<queue::StoredEvent> StreamOf(redis::ConnectionPool& pool, uint32_t partitions) {
  std::vector<queue::StoredEvent> out;
  (void)pool.With([&](redis::RedisConnection& conn) {
    queue::StreamReader reader(&conn);
    auto events =
        reader.Latest(partitions, static_cast<int>(queue::PartitionOf(kKey, partitions)), 100);
    if (events.ok()) out = *std::move(events);
    return absl::OkStatus();
  });
  return out;
}

TEST_F(FanoutRedisTest, ConversationChangesAreRecordedInTheStreamOnceEach) {
  FakeClock clock(1770000000000);
  conversations::ConversationStore store({4, 1000}, pool_.get(), clock);

  auto fresh = store.Get(kKey);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->mode(), omnigate::v1::MODE_BOT);
  EXPECT_EQ(fresh->channel(), omnigate::v1::CHANNEL_WHATSAPP);

  omnigate::v1::SetModeRequest handoff;
  handoff.set_conversation_key(kKey);
  handoff.set_mode(omnigate::v1::MODE_AGENT);
  handoff.set_reason("unanswered");
  handoff.set_actor("chatbot");
  auto agent = store.SetMode(handoff);
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->mode(), omnigate::v1::MODE_AGENT);
  EXPECT_EQ(agent->handoff_reason(), "unanswered");
  EXPECT_EQ(agent->mode_changed_at_ms(), 1770000000000);
  ASSERT_TRUE(store.SetMode(handoff).ok());  // again: nothing new

  omnigate::v1::AssignRequest assign;
  assign.set_conversation_key(kKey);
  assign.set_agent_id("agent-7");
  ASSERT_TRUE(store.Assign(assign).ok());
  ASSERT_TRUE(store.Assign(assign).ok());  // redelivered assignment: nothing new
  omnigate::v1::TransferRequest transfer;
  transfer.set_conversation_key(kKey);
  transfer.set_from_agent_id("agent-7");
  transfer.set_to_agent_id("agent-9");
  auto moved = store.Transfer(transfer);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->agent_id(), "agent-9");
  EXPECT_EQ(moved->last_agent_id(), "agent-9");
  omnigate::v1::ResolveRequest resolve;
  resolve.set_conversation_key(kKey);
  resolve.set_agent_id("agent-9");
  resolve.set_reason("answered");
  auto closed = store.Resolve(resolve);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->mode(), omnigate::v1::MODE_CLOSED);
  EXPECT_EQ(closed->agent_id(), "");
  EXPECT_EQ(closed->last_agent_id(), "agent-9");  // kept for sticky assignment

  const auto stream = StreamOf(*pool_, 4);
  ASSERT_EQ(stream.size(), 4u);
  using Kind = omnigate::v1::ConversationEvent;
  EXPECT_EQ(stream[0].event.conversation().kind(), Kind::KIND_HANDOFF_REQUESTED);
  EXPECT_EQ(stream[0].event.conversation().reason(), "unanswered");
  EXPECT_EQ(stream[0].event.sender().role(), omnigate::v1::ROLE_SYSTEM);
  EXPECT_EQ(stream[0].event.sender().id(), "chatbot");
  EXPECT_EQ(stream[1].event.conversation().kind(), Kind::KIND_ASSIGNED);
  EXPECT_EQ(stream[1].event.conversation().agent_id(), "agent-7");
  EXPECT_EQ(stream[2].event.conversation().kind(), Kind::KIND_TRANSFERRED);
  EXPECT_EQ(stream[3].event.conversation().kind(), Kind::KIND_RESOLVED);
  EXPECT_EQ(closed->mode_entry_id(), stream[3].entry_id);
  // Entries carry the mode in force, so consumers route them by it.
  const std::string raw = Cli({"XRANGE", queue::StreamKey(queue::PartitionOf(kKey, 4)), "-", "+"});
  EXPECT_THAT(raw, HasSubstr("mode\nagent"));
  EXPECT_THAT(raw, HasSubstr("mode\nclosed"));
}

TEST_F(FanoutRedisTest, ConversationRequestsAreValidated) {
  FakeClock clock(1);
  conversations::ConversationStore store({4, 1000}, pool_.get(), clock);
  EXPECT_EQ(store.Get("").status().code(), absl::StatusCode::kInvalidArgument);
  omnigate::v1::SetModeRequest bad_mode;
  bad_mode.set_conversation_key(kKey);
  EXPECT_EQ(store.SetMode(bad_mode).status().code(), absl::StatusCode::kInvalidArgument);
  omnigate::v1::AssignRequest no_agent;
  no_agent.set_conversation_key(kKey);
  EXPECT_EQ(store.Assign(no_agent).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Get(std::string(600, 'k')).status().code(), absl::StatusCode::kInvalidArgument);
  // Nothing was written by refused requests.
  EXPECT_EQ(Cli({"DBSIZE"}), "0");
  // Redis down: UNAVAILABLE, not a crash.
  ASSERT_TRUE(server_->Kill().ok());
  EXPECT_EQ(store.Get(kKey).status().code(), absl::StatusCode::kUnavailable);
}

// ----------------------------------------------------------------------- leases

// Records which partitions a replica works on.
class RecordingListener : public dispatch::LeaseListener {
 public:
  void OnAcquired(uint32_t p) override {
    std::lock_guard<std::mutex> lock(mu_);
    owned_.insert(p);
  }
  void OnLost(uint32_t p) override {
    std::lock_guard<std::mutex> lock(mu_);
    owned_.erase(p);
  }
  bool Busy(uint32_t) override { return false; }
  std::set<uint32_t> owned() {
    std::lock_guard<std::mutex> lock(mu_);
    return owned_;
  }

 private:
  std::mutex mu_;
  std::set<uint32_t> owned_;
};

class LeaseTest : public FanoutRedisTest {
 protected:
  std::unique_ptr<dispatch::LeaseManager> Manager(const std::string& id,
                                                  RecordingListener* listener) {
    dispatch::LeaseOptions options;
    options.partitions = 8;
    options.instance_id = id;
    options.ttl = absl::Milliseconds(1000);
    options.renew = absl::Milliseconds(100);
    // A pool per manager, as each replica has its own.
    lease_pools_.push_back(
        std::make_unique<redis::ConnectionPool>(endpoint_, absl::Seconds(1), absl::Seconds(2)));
    return std::make_unique<dispatch::LeaseManager>(options, lease_pools_.back().get(), listener,
                                                    &metrics_);
  }
  std::vector<std::unique_ptr<redis::ConnectionPool>> lease_pools_;
  prometheus::Registry registry_;
  dispatch::DispatchMetrics metrics_{registry_, {"chatbot"}};
};

TEST_F(LeaseTest, ReplicasSplitPartitionsWithoutOverlapAndTakeOverOnStop) {
  RecordingListener a_work, b_work;
  auto a = Manager("a", &a_work);
  a->Start();
  ASSERT_TRUE(WaitFor([&] { return a_work.owned().size() == 8; }, absl::Seconds(5)));

  // While b joins and a gives back half, no partition is worked on twice.
  std::atomic<bool> stop{false};
  std::atomic<int> overlaps{0};
  std::thread watcher([&] {
    while (!stop.load()) {
      const auto x = a_work.owned();
      for (uint32_t p : b_work.owned()) overlaps += x.count(p);
      absl::SleepFor(absl::Milliseconds(1));
    }
  });
  auto b = Manager("b", &b_work);
  b->Start();
  ASSERT_TRUE(WaitFor([&] { return a_work.owned().size() == 4 && b_work.owned().size() == 4; },
                      absl::Seconds(10)));
  for (uint32_t p = 0; p < 8; ++p) {
    const std::string owner = Cli({"GET", absl::StrCat("omnigate:lease:{", p, "}")});
    EXPECT_EQ(owner, a_work.owned().count(p) ? "a" : "b") << p;
    EXPECT_EQ(a->Valid(p), a_work.owned().count(p) == 1);
  }
  // A graceful stop hands the leases over at once (no waiting for expiry).
  const absl::Time stopped = absl::Now();
  a->Stop(absl::Seconds(1));
  ASSERT_TRUE(WaitFor([&] { return b_work.owned().size() == 8; }, absl::Seconds(5)));
  EXPECT_LT(absl::Now() - stopped, absl::Milliseconds(900));
  stop.store(true);
  watcher.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(Cli({"ZRANGE", "omnigate:dispatchers", "0", "-1"}), "b");
  b->Stop(absl::Seconds(1));
}

TEST_F(LeaseTest, AStolenLeaseStopsTheWorkAndAnExpiredOneIsTakenOver) {
  RecordingListener a_work;
  auto a = Manager("a", &a_work);
  a->Start();
  ASSERT_TRUE(WaitFor([&] { return a_work.owned().size() == 8; }, absl::Seconds(5)));
  // Someone else holds partition 3 now (e.g. after a long pause of ours).
  Cli({"SET", "omnigate:lease:{3}", "intruder", "PX", "60000"});
  ASSERT_TRUE(WaitFor([&] { return a_work.owned().count(3) == 0; }, absl::Seconds(2)));
  EXPECT_FALSE(a->Valid(3));
  // When the intruder's lease expires, the partition comes back.
  Cli({"PEXPIRE", "omnigate:lease:{3}", "50"});
  ASSERT_TRUE(WaitFor([&] { return a_work.owned().count(3) == 1; }, absl::Seconds(3)));
  a->Stop(absl::Seconds(1));
}

TEST_F(LeaseTest, LosingRedisStopsWorkBeforeTheLeaseCouldExpire) {
  RecordingListener a_work;
  auto a = Manager("a", &a_work);
  a->Start();
  ASSERT_TRUE(WaitFor([&] { return a_work.owned().size() == 8; }, absl::Seconds(5)));
  const absl::Time killed = absl::Now();
  ASSERT_TRUE(server_->Kill().ok());
  // Workers check Valid() before acting: it turns false within the ttl
  // (1 s), before anybody else could acquire the lease.
  ASSERT_TRUE(WaitFor(
      [&] {
        for (uint32_t p = 0; p < 8; ++p)
          if (a->Valid(p)) return false;
        return true;
      },
      absl::Seconds(3)));
  EXPECT_LT(absl::Now() - killed, absl::Milliseconds(1000));
  ASSERT_TRUE(WaitFor([&] { return a_work.owned().empty(); }, absl::Seconds(3)));
  EXPECT_FALSE(a->healthy());
  // Redis is back: the replica recovers by itself.
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(WaitFor([&] { return a_work.owned().size() == 8; }, absl::Seconds(10)));
  a->Stop(absl::Seconds(1));
}

}  // namespace
}  // namespace omnigate
