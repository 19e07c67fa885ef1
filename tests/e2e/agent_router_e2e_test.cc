// omnigate-agent-router end to end: two real replicas on one real
// redis-server, a fake dispatcher Conversations server in the test, handoffs
// delivered concurrently to both. Capacity must hold across replicas.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/grpcutil/server.h"
#include "omnigate/v1/agents.grpc.pb.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/sink.grpc.pb.h"
#include "tests/support/fake_conversations.h"
#include "tests/support/grpc_health.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tests/support/redis_test.h"

namespace omnigate {
namespace {

using ::testing::HasSubstr;

struct Replica {
  std::unique_ptr<testing::ChildProcess> process;
  int grpc_port = 0;
  int metrics_port = 0;
  std::shared_ptr<grpc::Channel> channel;
};

constexpr char kAgentsYaml[] = R"(agents:
  - {id: ana, name: Ana, skills: [billing, shipping], languages: [id, en], capacity: 3}
  - {id: budi, name: Budi, skills: [shipping], languages: [id], capacity: 2}
  - {id: claire, name: Claire, skills: [technical], languages: [en], capacity: 3}
  - {id: dimas, name: Dimas, skills: [technical], languages: [id, en], capacity: 2}
  - {id: eka, name: Eka, skills: [billing], languages: [id], capacity: 2}
)";
constexpr int kTotalCapacity = 12;
constexpr int kConversations = 200;

class AgentRouterE2ETest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(testing::WriteFile(dir_ + "/agents.yaml", kAgentsYaml).ok());
    auto server = grpcutil::GrpcServer::Start(grpcutil::LoopbackServerOptions(), {&conversations_});
    ASSERT_TRUE(server.ok()) << server.status();
    conversations_server_ = *std::move(server);
    for (int i = 0; i < 2; ++i) StartReplica(i);
  }

  void TearDown() override {
    replicas_.clear();
    if (conversations_server_) conversations_server_->Shutdown(absl::Seconds(1));
  }

  void StartReplica(int index) {
    Replica r;
    r.grpc_port = testing::PickFreePort();
    r.metrics_port = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-agent-router"), "--redis", redis_->url(), "--agents",
         dir_ + "/agents.yaml", absl::StrCat("--grpc_addr=127.0.0.1:", r.grpc_port),
         absl::StrCat("--metrics_addr=127.0.0.1:", r.metrics_port),
         absl::StrCat("--conversations_addr=127.0.0.1:", conversations_server_->port())},
        absl::StrCat(dir_, "/router", index, ".log"));
    ASSERT_TRUE(proc.ok()) << proc.status();
    r.process = *std::move(proc);
    // Short reconnect backoff: the first attempts race the process start.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
    r.channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", r.grpc_port),
                                          grpc::InsecureChannelCredentials(), args);
    // Ready when the Agents service lists the seeded registry.
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    bool ready = false;
    while (!ready && absl::Now() < deadline) {
      auto list = ListAgents(r);
      ready = list.ok() && list->agents_size() == 5;
      if (!ready) absl::SleepFor(absl::Milliseconds(20));
    }
    ASSERT_TRUE(ready) << r.process->ReadLog();
    replicas_.push_back(std::move(r));
  }

  static std::unique_ptr<omnigate::v1::Agents::Stub> Agents(const Replica& r) {
    return omnigate::v1::Agents::NewStub(r.channel);
  }

  static absl::StatusOr<omnigate::v1::ListAgentsResponse> ListAgents(const Replica& r) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    omnigate::v1::ListAgentsResponse resp;
    grpc::Status s = Agents(r)->ListAgents(&ctx, {}, &resp);
    if (!s.ok()) return absl::UnavailableError(s.error_message());
    return resp;
  }

  static omnigate::v1::Assignment GetAssignment(const Replica& r, const std::string& conv) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    omnigate::v1::GetAssignmentRequest req;
    req.set_conversation_key(conv);
    omnigate::v1::Assignment resp;
    grpc::Status s = Agents(r)->GetAssignment(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  static grpc::Status DeliverHandoff(const Replica& r, int i, uint32_t attempt) {
    auto stub = omnigate::v1::Sink::NewStub(r.channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    omnigate::v1::DeliverRequest req;
    req.set_partition(static_cast<uint32_t>(i % 16));
    req.set_sink("agent-router");
    req.set_attempt(attempt);
    omnigate::v1::Event* e = req.add_events();
    e->set_id(absl::StrCat("ev-", i));
    e->set_conversation_key(absl::StrCat("whatsapp:100:cust-", i));
    e->set_locale(i % 3 == 0 ? "id" : "en-US");
    e->mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
    e->mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_HANDOFF_REQUESTED);
    e->mutable_conversation()->set_reason("customer asked for a human");
    omnigate::v1::DeliverResponse resp;
    return stub->Deliver(&ctx, req, &resp);
  }

  testing::FakeConversations conversations_;
  std::unique_ptr<grpcutil::GrpcServer> conversations_server_;
  std::vector<Replica> replicas_;
};

TEST_F(AgentRouterE2ETest, TwoReplicasNeverOverAssignAndResolveLetsTheQueueIn) {
  ASSERT_EQ(replicas_.size(), 2u);
  // 200 handoffs split across both replicas; every 7th goes to both at once.
  std::atomic<int> failures{0};
  std::vector<std::thread> senders;
  constexpr int kSenders = 8;
  for (int t = 0; t < kSenders; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t; i < kConversations; i += kSenders) {
        if (!DeliverHandoff(replicas_[i % 2], i, 1).ok()) ++failures;
        if (i % 7 == 0 && !DeliverHandoff(replicas_[(i + 1) % 2], i, 1).ok()) ++failures;
      }
    });
  }
  for (auto& s : senders) s.join();
  EXPECT_EQ(failures.load(), 0);

  // Every conversation is either held by exactly one agent or queued.
  std::map<std::string, int> held;
  std::map<std::string, std::string> holder_of;
  int queued = 0;
  for (int i = 0; i < kConversations; ++i) {
    const std::string conv = absl::StrCat("whatsapp:100:cust-", i);
    const omnigate::v1::Assignment a = GetAssignment(replicas_[i % 2], conv);
    if (!a.agent_id().empty()) {
      EXPECT_FALSE(a.queued()) << conv;
      ++held[a.agent_id()];
      holder_of[conv] = a.agent_id();
    } else {
      EXPECT_TRUE(a.queued()) << conv;
      ++queued;
    }
  }
  EXPECT_EQ(static_cast<int>(holder_of.size()), kTotalCapacity);
  EXPECT_EQ(queued, kConversations - kTotalCapacity);
  auto agents = ListAgents(replicas_[1]);
  ASSERT_TRUE(agents.ok());
  for (const auto& agent : agents->agents()) {
    EXPECT_LE(agent.load(), agent.capacity()) << agent.id();
    EXPECT_EQ(agent.load(), agent.capacity()) << agent.id();
    EXPECT_EQ(held[agent.id()], agent.load()) << agent.id();
  }
  // The dispatcher heard of each assignment, always with the actual holder.
  std::set<std::string> recorded;
  for (const auto& [conv, agent] : conversations_.assigns()) {
    EXPECT_EQ(holder_of[conv], agent) << conv;
    recorded.insert(conv);
  }
  EXPECT_EQ(static_cast<int>(recorded.size()), kTotalCapacity);

  // Queue head, then resolve one conversation through the Agents RPC of the
  // replica that did not assign it.
  omnigate::v1::ListQueueResponse queue;
  {
    grpc::ClientContext ctx;
    omnigate::v1::ListQueueRequest req;
    req.set_limit(5);
    ASSERT_TRUE(Agents(replicas_[0])->ListQueue(&ctx, req, &queue).ok());
  }
  EXPECT_EQ(queue.total(), kConversations - kTotalCapacity);
  ASSERT_GT(queue.entries_size(), 0);
  const std::string head = queue.entries(0).conversation_key();
  // Ana speaks both languages, so whatever the head needs she can take it.
  std::string resolved_conv;
  const std::string resolved_agent = "ana";
  for (const auto& [conv, agent] : holder_of) {
    if (agent == resolved_agent) resolved_conv = conv;
  }
  ASSERT_FALSE(resolved_conv.empty());
  {
    grpc::ClientContext ctx;
    omnigate::v1::ResolveAssignmentRequest req;
    req.set_conversation_key(resolved_conv);
    req.set_agent_id(resolved_agent);
    req.set_reason("answered");
    omnigate::v1::ResolveAssignmentResponse resp;
    grpc::Status s = Agents(replicas_[1])->Resolve(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.agent_id(), resolved_agent);
  }
  EXPECT_EQ(conversations_.resolves(), std::vector<std::string>{resolved_conv});
  // The freed seat goes to the head of the queue (poll: a tick may do it).
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  std::string new_holder;
  while (new_holder.empty() && absl::Now() < deadline) {
    new_holder = GetAssignment(replicas_[0], head).agent_id();
    if (new_holder.empty()) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(new_holder, resolved_agent);
  EXPECT_TRUE(GetAssignment(replicas_[0], resolved_conv).agent_id().empty());
  agents = ListAgents(replicas_[0]);
  ASSERT_TRUE(agents.ok());
  for (const auto& agent : agents->agents()) EXPECT_EQ(agent.load(), agent.capacity());

  // Transfer to a full agent is refused; raising that agent's capacity
  // through replica 0 lets one more queued conversation in at once.
  {
    grpc::ClientContext ctx;
    omnigate::v1::TransferAssignmentRequest req;
    req.set_conversation_key(head);
    req.set_to_agent_id("claire");
    omnigate::v1::Assignment resp;
    EXPECT_EQ(Agents(replicas_[1])->Transfer(&ctx, req, &resp).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    grpc::ClientContext ctx;
    omnigate::v1::UpsertAgentRequest req;
    req.mutable_agent()->set_id("dimas");
    req.mutable_agent()->set_display_name("Dimas");
    req.mutable_agent()->add_skills("technical");
    req.mutable_agent()->add_languages("id");
    req.mutable_agent()->add_languages("en");
    req.mutable_agent()->set_capacity(3);
    omnigate::v1::Agent resp;
    grpc::Status s = Agents(replicas_[0])->UpsertAgent(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.presence(), omnigate::v1::PRESENCE_ONLINE);
  }
  {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    int dimas_load = 0;
    int64_t waiting = 0;
    while (absl::Now() < until) {
      auto list = ListAgents(replicas_[1]);
      ASSERT_TRUE(list.ok());
      for (const auto& agent : list->agents()) {
        if (agent.id() == "dimas") dimas_load = agent.load();
      }
      grpc::ClientContext ctx;
      omnigate::v1::ListQueueResponse q;
      ASSERT_TRUE(Agents(replicas_[1])->ListQueue(&ctx, {}, &q).ok());
      waiting = q.total();
      if (dimas_load == 3 && waiting == kConversations - kTotalCapacity - 2) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_EQ(dimas_load, 3);
    EXPECT_EQ(waiting, kConversations - kTotalCapacity - 2);
  }

  // Metrics on both replicas.
  for (const Replica& r : replicas_) {
    auto metrics = testing::HttpRequest(r.metrics_port, "GET", "/metrics");
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    EXPECT_EQ(metrics->status, 200);
    for (const char* family :
         {"omnigate_agent_router_assignments_total{outcome=\"assigned\"}",
          "omnigate_agent_router_assignments_total{outcome=\"queued\"}",
          "omnigate_agent_router_queue_length", "omnigate_agent_router_queue_wait_seconds_bucket",
          "omnigate_agent_router_agents{presence=\"online\"}",
          "omnigate_agent_router_capacity_used_ratio", "omnigate_agent_router_resolutions_total",
          "omnigate_agent_router_transfers_total", "omnigate_agent_router_deliver_errors_total"}) {
      EXPECT_THAT(metrics->body, HasSubstr(family));
    }
  }

  // SIGTERM: both exit 0.
  for (Replica& r : replicas_) {
    auto code = r.process->Signal(SIGTERM, absl::Seconds(10));
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0) << r.process->ReadLog();
  }
}

// Without Redis the router has no agents, queues or assignments, so its
// health says so (Kubernetes readiness looks elsewhere) and comes back with
// Redis.
TEST_F(AgentRouterE2ETest, HealthFollowsRedis) {
  const int port = replicas_[0].grpc_port;
  auto wait_health = [port](int status) {
    return testing::WaitForHealth(port, status, absl::Seconds(15));
  };
  ASSERT_TRUE(wait_health(/*SERVING=*/1));
  ASSERT_TRUE(redis_->Stop().ok());
  const absl::Time stopped = absl::Now();
  EXPECT_TRUE(wait_health(/*NOT_SERVING=*/2)) << replicas_[0].process->ReadLog();
  EXPECT_LT(absl::Now() - stopped, absl::Seconds(5));
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_TRUE(wait_health(/*SERVING=*/1)) << replicas_[0].process->ReadLog();
}

}  // namespace
}  // namespace omnigate
