// SIGTERM to a sink service (omnigate-chatbot, omnigate-agent-router) while
// it is under load: its health turns NOT_SERVING at once, the calls it has
// taken complete, it exits 0 within 5 s, and a client that retries on a
// second replica (as the dispatcher does behind a Kubernetes Service) sees no
// error. The work is done exactly once: one bot reply per question, one agent
// per conversation.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "lib/grpcutil/server.h"
#include "omnigate/v1/sink.grpc.pb.h"
#include "tests/faults/fault_harness.h"
#include "tests/support/fake_conversations.h"
#include "tests/support/grpc_health.h"
#include "tests/support/outbound_stream.h"
#include "tests/support/redis_test.h"

namespace omnigate::faults {
namespace {

using omnigate::v1::DeliverRequest;

struct SinkReplica {
  std::unique_ptr<testing::ChildProcess> process;
  int grpc_port = 0;
  std::unique_ptr<omnigate::v1::Sink::Stub> stub;
};

SinkReplica StartSink(const std::string& binary, std::vector<std::string> args,
                      const std::string& log) {
  SinkReplica r;
  r.grpc_port = testing::PickFreePort();
  args.insert(args.begin(), testing::BinaryPath(binary));
  args.push_back(absl::StrCat("--grpc_addr=127.0.0.1:", r.grpc_port));
  args.push_back(absl::StrCat("--metrics_addr=127.0.0.1:", testing::PickFreePort()));
  auto proc = testing::ChildProcess::Spawn(args, log);
  EXPECT_TRUE(proc.ok()) << proc.status();
  if (!proc.ok()) return r;
  r.process = *std::move(proc);
  r.stub = omnigate::v1::Sink::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", r.grpc_port),
                                                           grpc::InsecureChannelCredentials()));
  EXPECT_TRUE(testing::WaitForHealth(r.grpc_port, /*SERVING=*/1, absl::Seconds(20)))
      << r.process->ReadLog();
  return r;
}

grpc::Status Deliver(SinkReplica& r, const DeliverRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  omnigate::v1::DeliverResponse response;
  return r.stub->Deliver(&context, request, &response);
}

struct DrainFigures {
  int sent = 0;
  int answered_by_a = 0;
  int answered_by_a_after_signal = 0;  // calls A had taken, completed during its drain
  int retried_elsewhere = 0;
  int client_errors = 0;  // failed on both replicas
  absl::Duration not_serving_after;
  absl::Duration exit_after;
  int exit_code = -1;

  std::string Text() const {
    return absl::StrCat(sent, " Deliver calls; NOT_SERVING after ",
                        absl::FormatDuration(absl::Trunc(not_serving_after, absl::Milliseconds(1))),
                        ", exit ", exit_code, " after ",
                        absl::FormatDuration(absl::Trunc(exit_after, absl::Milliseconds(10))), "; ",
                        answered_by_a_after_signal, " calls completed by A during its drain, ",
                        retried_elsewhere, " retried on B, ", client_errors, " client errors");
  }
};

// Four clients call A (B once A has failed them) for `load`; A gets SIGTERM
// after `signal_after`. A failed call is retried on B.
DrainFigures DeliverThroughDrain(SinkReplica& a, SinkReplica& b,
                                 const std::function<DeliverRequest(int)>& make,
                                 absl::Duration signal_after, absl::Duration load) {
  DrainFigures f;
  std::atomic<int> next{0}, answered_by_a{0}, after_signal{0}, retried{0}, errors{0};
  std::atomic<bool> a_failed{false}, signalled{false};
  const absl::Time end = absl::Now() + load;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (absl::Now() < end) {
        const DeliverRequest request = make(next.fetch_add(1));
        if (!a_failed.load()) {
          if (Deliver(a, request).ok()) {
            ++answered_by_a;
            if (signalled.load()) ++after_signal;
            continue;
          }
          a_failed.store(true);
        }
        ++retried;
        bool ok = false;
        for (int attempt = 0; attempt < 5 && !ok; ++attempt) {
          ok = Deliver(b, request).ok();
          if (!ok) absl::SleepFor(absl::Milliseconds(50));
        }
        if (!ok) ++errors;
      }
    });
  }
  absl::SleepFor(signal_after);
  const absl::Time t0 = absl::Now();
  std::atomic<bool> serving_seen_down{false};
  std::thread health([&] {
    while (absl::Now() - t0 < absl::Seconds(10)) {
      // A probe that races the shutdown can hang until its deadline: keep it
      // short, as a readiness probe's timeout would be.
      auto h = testing::HealthStatus(a.grpc_port, absl::Milliseconds(100));
      if (!h.ok() || *h != 1) {
        f.not_serving_after = absl::Now() - t0;
        serving_seen_down.store(true);
        return;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  });
  signalled.store(true);
  auto exit_code = a.process->Signal(SIGTERM, absl::Seconds(10));
  f.exit_after = absl::Now() - t0;
  f.exit_code = exit_code.ok() ? *exit_code : -1;
  health.join();
  for (auto& c : clients) c.join();
  if (!serving_seen_down.load()) f.not_serving_after = absl::InfiniteDuration();
  f.sent = next.load();  // every number drawn was sent
  f.answered_by_a = answered_by_a.load();
  f.answered_by_a_after_signal = after_signal.load();
  f.retried_elsewhere = retried.load();
  f.client_errors = errors.load();
  return f;
}

void ExpectCleanDrain(const DrainFigures& f, const std::string& log_a) {
  EXPECT_EQ(f.exit_code, 0) << log_a;
  EXPECT_LT(f.exit_after, absl::Seconds(5));
  EXPECT_LT(f.not_serving_after, absl::Milliseconds(500)) << "readiness must drop at once";
  EXPECT_EQ(f.client_errors, 0);
  EXPECT_GT(f.answered_by_a, 0);
  EXPECT_GT(f.retried_elsewhere, 0) << "the load must outlast A";
}

class SinkDrainTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    auto server = grpcutil::GrpcServer::Start(grpcutil::LoopbackServerOptions(), {&conversations_});
    ASSERT_TRUE(server.ok()) << server.status();
    conversations_server_ = *std::move(server);
  }
  void TearDown() override {
    if (conversations_server_) conversations_server_->Shutdown(absl::Seconds(1));
  }

  testing::FakeConversations conversations_;
  std::unique_ptr<grpcutil::GrpcServer> conversations_server_;
};

TEST_F(SinkDrainTest, ChatbotDrainsUnderLoadAndEveryQuestionIsAnsweredOnce) {
  const std::string config = dir_ + "/omnigate.yaml";
  ASSERT_TRUE(
      testing::WriteFile(config, absl::StrCat("ingest:\n  partitions: ", kPartitions,
                                              "\nchatbot:\n  faq_file: ", OMNIGATE_SOURCE_DIR,
                                              "/deploy/local/faq.yaml\n"
                                              "  conversations_addr: 127.0.0.1:",
                                              conversations_server_->port(), "\n"))
          .ok());
  std::vector<std::string> args = {"--config", config, "--redis", redis_->url()};
  SinkReplica a = StartSink("omnigate-chatbot", args, dir_ + "/chatbot-a.log");
  SinkReplica b = StartSink("omnigate-chatbot", args, dir_ + "/chatbot-b.log");
  ASSERT_TRUE(a.process && b.process);

  auto question = [](int i) {
    DeliverRequest request;
    request.set_sink("chatbot");
    request.set_attempt(1);
    omnigate::v1::Event* e = request.add_events();
    e->set_id(absl::StrCat("q-", i));
    e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e->set_connector("webchat-main");
    e->set_account_id("site1");
    e->set_external_id(absl::StrCat("msg-", i));
    e->set_conversation_key(absl::StrCat("webchat:site1:visitor-", i));
    e->mutable_sender()->set_id(absl::StrCat("visitor-", i));
    e->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
    e->mutable_text()->set_body("Which payment methods do you accept?");
    request.set_partition(static_cast<uint32_t>(i % kPartitions));
    return request;
  };
  const DrainFigures f = DeliverThroughDrain(a, b, question, absl::Milliseconds(700),
                                             Scaled(absl::Seconds(2), absl::Seconds(10)));
  ExpectCleanDrain(f, a.process->ReadLog());

  std::map<std::string, int> replies;  // by the question's external id
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto events = testing::ReadOutbound(redis_->port(), p);
    ASSERT_TRUE(events.ok()) << events.status();
    for (const auto& e : *events) ++replies[e.reply_to_external_id()];
  }
  int missing = 0, twice = 0;
  for (int i = 0; i < f.sent; ++i) {
    auto it = replies.find(absl::StrCat("msg-", i));
    if (it == replies.end()) {
      ++missing;
    } else if (it->second > 1) {
      ++twice;
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(twice, 0);
  Report("chatbot drain", absl::StrCat(f.Text(), "; ", replies.size(), " questions answered, ",
                                       missing, " unanswered, ", twice, " answered twice"));
}

TEST_F(SinkDrainTest, AgentRouterDrainsUnderLoadAndEveryHandoffGetsOneAgent) {
  // Room for every handoff of the run (the long form sends ~21 000 in 10 s):
  // 64 agents with 1 000 conversations each.
  constexpr int kAgents = 64, kCapacity = 1000;
  std::string registry = "agents:\n";
  for (int i = 0; i < kAgents; ++i) {
    absl::StrAppend(&registry, "  - {id: agent", i, ", name: Agent ", i,
                    ", skills: [billing], languages: [en], capacity: ", kCapacity, "}\n");
  }
  ASSERT_TRUE(testing::WriteFile(dir_ + "/agents.yaml", registry).ok());
  std::vector<std::string> args = {
      "--redis", redis_->url(), "--agents", dir_ + "/agents.yaml",
      absl::StrCat("--conversations_addr=127.0.0.1:", conversations_server_->port())};
  SinkReplica a = StartSink("omnigate-agent-router", args, dir_ + "/router-a.log");
  SinkReplica b = StartSink("omnigate-agent-router", args, dir_ + "/router-b.log");
  ASSERT_TRUE(a.process && b.process);

  auto handoff = [](int i) {
    DeliverRequest request;
    request.set_sink("agent-router");
    request.set_attempt(1);
    request.set_partition(static_cast<uint32_t>(i % 16));
    omnigate::v1::Event* e = request.add_events();
    e->set_id(absl::StrCat("h-", i));
    e->set_conversation_key(absl::StrCat("whatsapp:100:cust-", i));
    e->set_locale("en-US");
    e->mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
    e->mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_HANDOFF_REQUESTED);
    e->mutable_conversation()->set_reason("customer asked for a human");
    return request;
  };
  const DrainFigures f = DeliverThroughDrain(a, b, handoff, absl::Milliseconds(700),
                                             Scaled(absl::Seconds(2), absl::Seconds(10)));
  ExpectCleanDrain(f, a.process->ReadLog());
  ASSERT_LE(f.sent, kAgents * kCapacity) << "the run outgrew the agents' room";

  std::map<std::string, std::set<std::string>> agents;  // conversation -> agents assigned
  for (const auto& [conversation, agent] : conversations_.assigns()) {
    agents[conversation].insert(agent);
  }
  int unassigned = 0, two_agents = 0;
  for (int i = 0; i < f.sent; ++i) {
    auto it = agents.find(absl::StrCat("whatsapp:100:cust-", i));
    if (it == agents.end()) {
      ++unassigned;
    } else if (it->second.size() > 1) {
      ++two_agents;
    }
  }
  EXPECT_EQ(unassigned, 0);
  EXPECT_EQ(two_agents, 0);
  Report("agent router drain",
         absl::StrCat(f.Text(), "; ", agents.size(), " handoffs assigned, ", unassigned,
                      " unassigned, ", two_agents, " with two agents"));
}

}  // namespace
}  // namespace omnigate::faults
