// The agent router against a real redis-server: assignment rules, capacity
// under concurrency, queue order, resolve, redelivery, Redis down.

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/agents/agent_directory.h"
#include "lib/agents/agent_router.h"
#include "lib/agents/agent_router_sink.h"
#include "lib/agents/agent_store.h"
#include "lib/agents/keys.h"
#include "lib/agents/router_metrics.h"
#include "lib/common/clock.h"
#include "lib/grpcutil/server.h"
#include "lib/redis/connection_pool.h"
#include "omnigate/v1/sink.grpc.pb.h"
#include "tests/support/redis_server.h"
#include "tests/support/wait.h"

namespace omnigate::agents {
namespace {

using ::testing::ElementsAre;

class FakeConversations : public conversations::ConversationsClient {
 public:
  absl::Status Assign(const std::string& conv, const std::string& agent) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_) return absl::UnavailableError("dispatcher down");
    assigns_.emplace_back(conv, agent);
    assign_threads_.push_back(std::this_thread::get_id());
    return absl::OkStatus();
  }
  absl::Status Resolve(const std::string& conv, const std::string& agent,
                       const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_) return absl::UnavailableError("dispatcher down");
    resolves_.emplace_back(conv, agent);
    return absl::OkStatus();
  }
  absl::Status Transfer(const std::string& conv, const std::string&, const std::string& to,
                        const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_) return absl::UnavailableError("dispatcher down");
    transfers_.emplace_back(conv, to);
    return absl::OkStatus();
  }
  std::vector<std::pair<std::string, std::string>> assigns() {
    std::lock_guard<std::mutex> lock(mu_);
    return assigns_;
  }
  // The thread of each Assign call, in the order of assigns().
  std::vector<std::thread::id> assign_threads() {
    std::lock_guard<std::mutex> lock(mu_);
    return assign_threads_;
  }
  std::vector<std::pair<std::string, std::string>> resolves() {
    std::lock_guard<std::mutex> lock(mu_);
    return resolves_;
  }
  void set_fail(bool fail) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = fail;
  }

 private:
  std::mutex mu_;
  bool fail_ = false;
  std::vector<std::pair<std::string, std::string>> assigns_, resolves_, transfers_;
  std::vector<std::thread::id> assign_threads_;
};

// The service's ticker loop on its own thread.
class Ticker {
 public:
  Ticker(AgentRouter* router, absl::Duration period)
      : router_(router), thread_([this, period] {
          while (router_->WaitForTick(period)) (void)router_->Tick();
        }) {}
  ~Ticker() {
    router_->StopTicks();
    thread_.join();
  }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  AgentRouter* const router_;
  std::thread thread_;
};

// One replica's worth of router, on its own connections.
struct Replica {
  explicit Replica(const redis::RedisEndpoint& endpoint, const Clock& clock)
      : pool(endpoint, absl::Milliseconds(300), absl::Seconds(2)),
        store(&pool),
        directory(&store, clock),
        metrics(registry),
        router(&store, &directory, &conversations, &metrics, clock),
        sink(&router, &metrics) {}
  redis::ConnectionPool pool;
  AgentStore store;
  AgentDirectory directory;
  FakeConversations conversations;
  prometheus::Registry registry;
  RouterMetrics metrics;
  AgentRouter router;
  AgentRouterSink sink;
};

Agent MakeAgent(std::string id, int capacity, std::vector<std::string> skills = {},
                std::vector<std::string> languages = {}) {
  Agent a;
  a.id = std::move(id);
  a.capacity = capacity;
  a.skills = std::move(skills);
  a.languages = std::move(languages);
  return a;
}

omnigate::v1::Event Lifecycle(const std::string& conv, omnigate::v1::ConversationEvent::Kind kind,
                              const std::string& agent_id, const std::string& mode = "") {
  omnigate::v1::Event e;
  e.set_id(absl::StrCat("ev-", conv, "-", static_cast<int>(kind)));
  e.set_conversation_key(conv);
  e.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  e.mutable_conversation()->set_kind(kind);
  e.mutable_conversation()->set_agent_id(agent_id);
  e.mutable_conversation()->set_mode(mode);
  return e;
}

omnigate::v1::Event Handoff(const std::string& conv,
                            std::vector<std::pair<std::string, std::string>> attrs = {}) {
  omnigate::v1::Event e;
  e.set_id("ev-" + conv);
  e.set_conversation_key(conv);
  e.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  e.mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_HANDOFF_REQUESTED);
  for (auto& [k, v] : attrs) (*e.mutable_attributes())[k] = v;
  return e;
}

class AgentRouterRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    auto endpoint = redis::ParseRedisUrl(redis_->url());
    ASSERT_TRUE(endpoint.ok());
    endpoint_ = *endpoint;
    replica_ = std::make_unique<Replica>(endpoint_, clock_);
  }

  void AddAgents(const std::vector<Agent>& agents) {
    for (const Agent& a : agents) ASSERT_TRUE(replica_->store.Upsert(a, true).ok());
    ASSERT_TRUE(replica_->directory.Refresh().ok());
  }

  AssignResult Route(const std::string& conv, PriorityClass priority = PriorityClass::kNormal) {
    RouteRequest request;
    request.conversation_key = conv;
    request.priority = priority;
    auto result = replica_->router.Route(request);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : AssignResult{};
  }

  int Load(const std::string& agent) {
    auto a = replica_->store.Get(agent);
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? a->load : -1;
  }

  std::string Holder(const std::string& conv) { return *replica_->store.GetAssignment(conv); }

  std::vector<std::string> QueueOrder() {
    int64_t total = 0;
    auto entries = replica_->store.ListQueue(1000, &total);
    EXPECT_TRUE(entries.ok());
    std::vector<std::string> out;
    for (const auto& e : *entries) out.push_back(e.conversation_key);
    return out;
  }

  FakeClock clock_{1770000000000};
  std::unique_ptr<testing::RedisServer> redis_;
  redis::RedisEndpoint endpoint_;
  std::unique_ptr<Replica> replica_;
};

TEST_F(AgentRouterRedisTest, StickyAgentPreferredOverLessLoadedOne) {
  AddAgents({MakeAgent("a", 3), MakeAgent("b", 3)});
  EXPECT_EQ(Route("c1").agent_id, "a");  // tie: same load and idle, first id
  clock_.AdvanceMs(10);
  EXPECT_EQ(Route("c2").agent_id, "b");  // least loaded
  clock_.AdvanceMs(10);
  EXPECT_EQ(Route("c3").agent_id, "a");  // equal load: a idle longer
  ASSERT_TRUE(replica_->router.Resolve("c2", "b", "done").ok());
  ASSERT_TRUE(replica_->router.Resolve("c1", "a", "done").ok());
  EXPECT_EQ(Load("a"), 1);
  EXPECT_EQ(Load("b"), 0);
  // The customer comes back: a has more load than b, but served them last.
  AssignResult again = Route("c1");
  EXPECT_EQ(again.outcome, AssignOutcome::kSticky);
  EXPECT_EQ(again.agent_id, "a");
  EXPECT_EQ(Load("a"), 2);
}

TEST_F(AgentRouterRedisTest, StickyAgentFullFallsBackToLeastLoaded) {
  AddAgents({MakeAgent("a", 1), MakeAgent("b", 2)});
  EXPECT_EQ(Route("c1").agent_id, "a");
  ASSERT_TRUE(replica_->router.Resolve("c1", "", "done").ok());
  EXPECT_EQ(Route("c2").agent_id, "b");  // equal load; b never assigned = idle longer
  EXPECT_EQ(Route("c3").agent_id, "a");  // a less loaded; now full
  AssignResult r = Route("c1");
  EXPECT_EQ(r.outcome, AssignOutcome::kAssigned);
  EXPECT_EQ(r.agent_id, "b");
  EXPECT_EQ(Load("a"), 1);
  EXPECT_EQ(Load("b"), 2);
}

TEST_F(AgentRouterRedisTest, LeastLoadedThenLongestIdle) {
  AddAgents({MakeAgent("a", 5), MakeAgent("b", 5), MakeAgent("c", 5)});
  const std::string prefix(keys::kPrefix);
  ASSERT_TRUE(
      redis_->Cli({"HSET", prefix + "agent:a", "load", "2", "last_assigned_ms", "10"}).ok());
  ASSERT_TRUE(
      redis_->Cli({"HSET", prefix + "agent:b", "load", "1", "last_assigned_ms", "500"}).ok());
  ASSERT_TRUE(
      redis_->Cli({"HSET", prefix + "agent:c", "load", "1", "last_assigned_ms", "100"}).ok());
  EXPECT_EQ(Route("x1").agent_id, "c");  // b and c least loaded; c idle longer
  EXPECT_EQ(Route("x2").agent_id, "b");  // now b alone is least loaded
  clock_.AdvanceMs(1);
  // a, b, c all at 2: a idle since 10 ms.
  EXPECT_EQ(Route("x3").agent_id, "a");
  EXPECT_EQ(Load("a"), 3);
  EXPECT_EQ(Load("b"), 2);
  EXPECT_EQ(Load("c"), 2);
}

TEST_F(AgentRouterRedisTest, OfflineAndAwayAgentsGetNothing) {
  AddAgents({MakeAgent("a", 2), MakeAgent("b", 2)});
  ASSERT_TRUE(replica_->router.SetPresence("a", Presence::kAway).ok());
  ASSERT_TRUE(replica_->router.SetPresence("b", Presence::kOffline).ok());
  EXPECT_EQ(Route("c1").outcome, AssignOutcome::kQueued);
  // Coming online lets the queue in at once.
  ASSERT_TRUE(replica_->router.SetPresence("b", Presence::kOnline).ok());
  EXPECT_EQ(Holder("c1"), "b");
  EXPECT_THAT(replica_->conversations.assigns(), ElementsAre(std::make_pair("c1", "b")));
}

TEST_F(AgentRouterRedisTest, ConcurrentReplicasNeverOverAssign) {
  const std::vector<Agent> agents = {MakeAgent("a1", 2), MakeAgent("a2", 3), MakeAgent("a3", 4),
                                     MakeAgent("a4", 5), MakeAgent("a5", 6)};
  AddAgents(agents);
  const int total_capacity = 20;
  constexpr int kThreads = 8;
  constexpr int kConversations = 300;
  std::atomic<int> fresh{0}, queued{0}, errors{0};
  std::mutex mu;
  std::map<std::string, int> fresh_per_conv;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Separate connections per thread, like separate replicas.
      redis::ConnectionPool pool(endpoint_, absl::Seconds(1), absl::Seconds(5));
      AgentStore store(&pool);
      // Each conversation is tried by two threads at once.
      for (int i = 0; i < kConversations; ++i) {
        if (i % kThreads != t && (i + 1) % kThreads != t) continue;
        AssignInput in;
        in.conversation_key = absl::StrCat("conv-", i);
        in.candidates = {"a1", "a2", "a3", "a4", "a5"};
        in.now_ms = 1770000000000 + i;
        auto r = store.Assign(in);
        if (!r.ok()) {
          ++errors;
          continue;
        }
        if (r->outcome == AssignOutcome::kAssigned || r->outcome == AssignOutcome::kSticky) {
          ++fresh;
          std::lock_guard<std::mutex> lock(mu);
          ++fresh_per_conv[in.conversation_key];
        } else if (r->outcome == AssignOutcome::kQueued) {
          ++queued;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(fresh.load(), total_capacity);
  // Each unassigned conversation entered the queue once (the second try
  // found it waiting).
  EXPECT_EQ(queued.load(), kConversations - total_capacity);
  for (const auto& [conv, n] : fresh_per_conv) EXPECT_EQ(n, 1) << conv;
  // Redis agrees: every agent exactly full, assignments match loads.
  std::map<std::string, int> held;
  int assigned = 0;
  for (int i = 0; i < kConversations; ++i) {
    const std::string holder = Holder(absl::StrCat("conv-", i));
    if (!holder.empty()) {
      ++held[holder];
      ++assigned;
    }
  }
  EXPECT_EQ(assigned, total_capacity);
  for (const Agent& a : agents) {
    EXPECT_EQ(Load(a.id), a.capacity) << a.id;
    EXPECT_EQ(held[a.id], a.capacity) << a.id;
  }
  const std::vector<std::string> queue = QueueOrder();
  EXPECT_EQ(static_cast<int>(queue.size()), kConversations - total_capacity);
  for (const auto& conv : queue) EXPECT_EQ(Holder(conv), "") << conv;
}

TEST_F(AgentRouterRedisTest, QueueServesUrgentThenVipThenFifo) {
  AddAgents({MakeAgent("solo", 1)});
  EXPECT_EQ(Route("busy").agent_id, "solo");
  // Arrival order: low, normal1, normal2, vip (high), urgent.
  auto deliver = [&](const std::string& conv,
                     std::vector<std::pair<std::string, std::string>> attrs) {
    clock_.AdvanceMs(1000);
    ASSERT_TRUE(replica_->sink.Handle(Handoff(conv, attrs), 0, false).ok());
  };
  deliver("low1", {{"omnigate.priority", "low"}});
  deliver("normal1", {});
  deliver("normal2", {{"omnigate.priority", "normal"}});
  deliver("vip1", {{"vip", "true"}});
  deliver("urgent1", {{"omnigate.priority", "urgent"}});
  EXPECT_THAT(QueueOrder(), ElementsAre("urgent1", "vip1", "normal1", "normal2", "low1"));
  // A redelivered handoff keeps its place (FIFO by first enqueue).
  deliver("normal1", {});
  EXPECT_THAT(QueueOrder(), ElementsAre("urgent1", "vip1", "normal1", "normal2", "low1"));

  // Each resolution frees the one seat; the queue drains into it in order.
  std::string current = "busy";
  for (const std::string next : {"urgent1", "vip1", "normal1", "normal2", "low1"}) {
    clock_.AdvanceMs(500);
    auto freed = replica_->router.Resolve(current, "", "done");
    ASSERT_TRUE(freed.ok()) << freed.status();
    EXPECT_EQ(*freed, "solo");
    EXPECT_EQ(Holder(next), "solo") << next;
    EXPECT_EQ(Load("solo"), 1);
    current = next;
  }
  EXPECT_TRUE(QueueOrder().empty());
  EXPECT_EQ(replica_->conversations.resolves().size(), 5u);
  // Assign recorded for the first one and each drained one, in queue order.
  std::vector<std::string> assigned;
  for (const auto& [conv, agent] : replica_->conversations.assigns()) assigned.push_back(conv);
  EXPECT_THAT(assigned, ElementsAre("busy", "urgent1", "vip1", "normal1", "normal2", "low1"));
}

TEST_F(AgentRouterRedisTest, ResolveIsIdempotentAndNeverDoubleFrees) {
  AddAgents({MakeAgent("a", 2)});
  Route("c1");
  Route("c2");
  EXPECT_EQ(Load("a"), 2);
  ASSERT_TRUE(replica_->router.Resolve("c1", "a", "done").ok());
  // Retry of the RPC and the RESOLVED event from the stream: no more frees.
  ASSERT_TRUE(replica_->router.Resolve("c1", "a", "done").ok());
  omnigate::v1::Event resolved;
  resolved.set_conversation_key("c1");
  resolved.mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_RESOLVED);
  resolved.mutable_conversation()->set_agent_id("a");
  ASSERT_TRUE(replica_->sink.Handle(resolved, 0, false).ok());
  EXPECT_EQ(Load("a"), 1);
  EXPECT_EQ(Holder("c2"), "a");
  // Someone else's conversation: refused.
  auto wrong = replica_->router.Resolve("c2", "zed", "x");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(AgentRouterRedisTest, TransferMovesLoadAndRefusesFullTarget) {
  AddAgents({MakeAgent("a", 1), MakeAgent("b", 1), MakeAgent("c", 2)});
  Route("c1");  // a
  Route("c2");  // b
  auto full = replica_->router.Transfer("c1", "b", "x");
  EXPECT_EQ(full.status().code(), absl::StatusCode::kFailedPrecondition);
  auto moved = replica_->router.Transfer("c1", "c", "billing question");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->from_agent_id, "a");
  EXPECT_EQ(Holder("c1"), "c");
  EXPECT_EQ(Load("a"), 0);
  EXPECT_EQ(Load("c"), 1);
  // The TRANSFERRED event arriving later changes nothing.
  omnigate::v1::Event ev;
  ev.set_conversation_key("c1");
  ev.mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_TRANSFERRED);
  ev.mutable_conversation()->set_agent_id("c");
  ASSERT_TRUE(replica_->sink.Handle(ev, 0, false).ok());
  EXPECT_EQ(Load("c"), 1);
  EXPECT_EQ(replica_->router.Transfer("nope", "c", "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(AgentRouterRedisTest, RedeliveredHandoffAssignsOnceButRecordsAgain) {
  AddAgents({MakeAgent("a", 2)});
  ASSERT_TRUE(replica_->sink.Handle(Handoff("c1"), 0, false).ok());
  ASSERT_TRUE(replica_->sink.Handle(Handoff("c1"), 0, true).ok());
  EXPECT_EQ(Load("a"), 1);
  EXPECT_THAT(replica_->conversations.assigns(),
              ElementsAre(std::make_pair("c1", "a"), std::make_pair("c1", "a")));
  // A customer message of the assigned conversation is only acknowledged.
  omnigate::v1::Event msg;
  msg.set_conversation_key("c1");
  msg.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  msg.mutable_text()->set_body("hello?");
  ASSERT_TRUE(replica_->sink.Handle(msg, 0, false).ok());
  EXPECT_EQ(Load("a"), 1);
  EXPECT_EQ(replica_->conversations.assigns().size(), 2u);
}

TEST_F(AgentRouterRedisTest, DispatcherDownFailsThenRetryRecordsSameAgent) {
  AddAgents({MakeAgent("a", 2), MakeAgent("b", 2)});
  replica_->conversations.set_fail(true);
  EXPECT_EQ(replica_->sink.Handle(Handoff("c1"), 0, false).code(), absl::StatusCode::kUnavailable);
  const std::string holder = Holder("c1");
  EXPECT_FALSE(holder.empty());
  replica_->conversations.set_fail(false);
  ASSERT_TRUE(replica_->sink.Handle(Handoff("c1"), 0, true).ok());
  EXPECT_THAT(replica_->conversations.assigns(), ElementsAre(std::make_pair("c1", holder)));
  EXPECT_EQ(Load("a") + Load("b"), 1);
}

TEST_F(AgentRouterRedisTest, MalformedEventsAreAcknowledgedAndCounted) {
  AddAgents({MakeAgent("a", 2)});
  omnigate::v1::Event no_key = Handoff("");
  omnigate::v1::Event no_payload;
  no_payload.set_conversation_key("c1");
  EXPECT_TRUE(replica_->sink.Handle(no_key, 0, false).ok());
  EXPECT_TRUE(replica_->sink.Handle(no_payload, 0, false).ok());
  EXPECT_EQ(Load("a"), 0);
  double counted = -1;
  for (const auto& family : replica_->registry.Collect()) {
    if (family.name == "omnigate_agent_router_malformed_events_total") {
      counted = family.metric.at(0).counter.value;
    }
  }
  EXPECT_EQ(counted, 2);
}

// A drain is one script and one Conversations call per conversation let in:
// Deliver must not spend them while its partition waits. Freed seats go to
// the queue from the ticker's thread, woken at once rather than next period.
TEST_F(AgentRouterRedisTest, SinkEventsLeaveTheQueueDrainToTheTicker) {
  AddAgents({MakeAgent("a", 2)});
  EXPECT_EQ(Route("busy1").agent_id, "a");
  EXPECT_EQ(Route("busy2").agent_id, "a");
  constexpr int kQueued = 200;
  for (int i = 0; i < kQueued; ++i) {
    clock_.AdvanceMs(1);
    EXPECT_EQ(Route(absl::StrCat("q", i)).outcome, AssignOutcome::kQueued);
  }
  AddAgents({MakeAgent("b", 1)});  // store only: nothing drains
  const size_t before = replica_->conversations.assigns().size();
  ASSERT_EQ(before, 2u);

  grpcutil::GrpcServerOptions options;
  options.address = "127.0.0.1:0";
  auto server = grpcutil::GrpcServer::Start(options, {&replica_->sink});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = omnigate::v1::Sink::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));
  auto deliver = [&](std::vector<omnigate::v1::Event> events) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    omnigate::v1::DeliverRequest req;
    for (auto& e : events) *req.add_events() = std::move(e);
    omnigate::v1::DeliverResponse resp;
    return stub->Deliver(&ctx, req, &resp);
  };
  using Kind = omnigate::v1::ConversationEvent;

  // No ticker yet: every way of freeing a seat returns with the queue as it was.
  grpc::Status s = deliver({Lifecycle("busy1", Kind::KIND_RESOLVED, "a"),
                            Lifecycle("busy2", Kind::KIND_TRANSFERRED, "b"),
                            Lifecycle("busy2", Kind::KIND_MODE_CHANGED, "", "bot")});
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Load("a"), 0);
  EXPECT_EQ(Load("b"), 0);
  EXPECT_EQ(replica_->conversations.assigns().size(), before);
  EXPECT_EQ(static_cast<int>(QueueOrder().size()), kQueued);

  // The pending request wakes the ticker at once (its period is far off);
  // the queue's head goes first (its order, not the names, decides).
  const std::vector<std::string> order = QueueOrder();
  ASSERT_GE(order.size(), 4u);
  auto ticker = std::make_unique<Ticker>(&replica_->router, absl::Hours(1));
  EXPECT_TRUE(testing::WaitFor(
      [&] { return replica_->conversations.assigns().size() == before + 3; }, absl::Seconds(10)));
  for (int i = 0; i < 3; ++i) EXPECT_NE(Holder(order[i]), "") << order[i];
  EXPECT_EQ(static_cast<int>(QueueOrder().size()), kQueued - 3);

  // With the ticker waiting, a resolve through Deliver wakes it, and the
  // seat goes to the queue's head even when it frees while the first drain
  // is still walking past the rest of the queue (the walk is fenced).
  s = deliver({Lifecycle(order[0], Kind::KIND_RESOLVED, Holder(order[0]))});
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(testing::WaitFor(
      [&] { return replica_->conversations.assigns().size() == before + 4; }, absl::Seconds(10)));
  EXPECT_NE(Holder(order[3]), "") << "the head of the queue takes the freed seat";
  EXPECT_EQ(static_cast<int>(QueueOrder().size()), kQueued - 4);
  const auto threads = replica_->conversations.assign_threads();
  ASSERT_EQ(threads.size(), before + 4);
  for (size_t i = before; i < threads.size(); ++i) {
    EXPECT_EQ(threads[i], ticker->id()) << "assign " << i << " made outside the ticker";
  }

  // Stopping is prompt.
  const absl::Time stop_start = absl::Now();
  ticker.reset();
  EXPECT_LT(absl::Now() - stop_start, absl::Seconds(1));
  (*server)->Shutdown(absl::Seconds(1));
}

TEST_F(AgentRouterRedisTest, RedisDownAnswersUnavailableOverGrpc) {
  AddAgents({MakeAgent("a", 2)});
  auto server = grpcutil::GrpcServer::Start(grpcutil::LoopbackServerOptions(), {&replica_->sink});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = omnigate::v1::Sink::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));
  auto deliver = [&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    omnigate::v1::DeliverRequest req;
    *req.add_events() = Handoff("c1");
    omnigate::v1::DeliverResponse resp;
    return stub->Deliver(&ctx, req, &resp);
  };
  ASSERT_TRUE(redis_->Stop().ok());
  EXPECT_EQ(deliver().error_code(), grpc::StatusCode::UNAVAILABLE);
  // Back up: the same request now succeeds (pool reconnects).
  ASSERT_TRUE(redis_->Restart().ok());
  AddAgents({MakeAgent("a", 2)});
  EXPECT_TRUE(deliver().ok());
  EXPECT_EQ(Holder("c1"), "a");
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace omnigate::agents
