// omnigate-dispatcher end to end: the real ingest and dispatcher binaries, a
// real redis-server, and recording Sink servers over gRPC. Events enter
// through Ingest.Publish and must reach the sinks in per-conversation order,
// through sink outages, poison events, mode changes and a dispatcher crash.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/support/arrivals.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/recording_sink.h"
#include "tests/support/redis_server.h"
#include "tests/support/redis_test.h"
#include "tests/support/wait.h"

namespace omnigate {
namespace {

using testing::WaitFor;

using omnigate::v1::Event;
using ::testing::HasSubstr;
using testing::VisitorConversation;

constexpr int kPartitions = 4;

using testing::Analyze;
using testing::Arrivals;
using testing::InPublishOrder;
using testing::SeqOf;

class DispatcherE2ETest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    auto bot = testing::SinkServer::Start();
    auto agents = testing::SinkServer::Start();
    ASSERT_TRUE(bot.ok() && agents.ok());
    bot_ = *std::move(bot);
    agents_ = *std::move(agents);
  }

  // Dispatcher tuning of a test, as YAML lines under `dispatcher:`.
  void WriteConfig(const std::string& dispatcher_yaml) {
    ASSERT_TRUE(testing::WriteFile(
                    dir_ + "/omnigate.yaml",
                    absl::StrCat("sinks:\n  - name: chatbot\n    address: ", bot_->address(),
                                 "\n  - name: agent-router\n    address: ", agents_->address(), R"(
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: )",
                                 kPartitions, "\ndispatcher:\n", dispatcher_yaml))
                    .ok());
  }

  void StartIngest() {
    grpc_port_ = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-ingest"), "--config", dir_ + "/omnigate.yaml", "--redis",
         redis_->url(), "--http_addr=127.0.0.1:0",
         absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port_), "--metrics_addr=127.0.0.1:0"},
        dir_ + "/ingest.log");
    ASSERT_TRUE(proc.ok()) << proc.status();
    ingest_ = *std::move(proc);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                       grpc::InsecureChannelCredentials());
    ASSERT_TRUE(channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10))))
        << ingest_->ReadLog();
    ingest_stub_ = omnigate::v1::Ingest::NewStub(channel);
  }

  struct Dispatcher {
    std::unique_ptr<testing::ChildProcess> process;
    int grpc_port = 0;
    int metrics_port = 0;
  };

  Dispatcher StartDispatcher(const std::string& instance) {
    Dispatcher d;
    d.grpc_port = testing::PickFreePort();
    d.metrics_port = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-dispatcher"), "--config", dir_ + "/omnigate.yaml", "--redis",
         redis_->url(), absl::StrCat("--grpc_addr=127.0.0.1:", d.grpc_port),
         absl::StrCat("--metrics_addr=127.0.0.1:", d.metrics_port), "--instance_id", instance},
        dir_ + "/" + instance + ".log");
    EXPECT_TRUE(proc.ok()) << proc.status();
    if (proc.ok()) d.process = *std::move(proc);
    return d;
  }

  void Publish(const std::vector<Event>& events) {
    for (size_t start = 0; start < events.size(); start += 100) {
      omnigate::v1::PublishRequest request;
      for (size_t i = start; i < std::min(events.size(), start + 100); ++i)
        *request.add_events() = events[i];
      omnigate::v1::PublishResponse response;
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      grpc::Status status = ingest_stub_->Publish(&context, request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }

  std::unique_ptr<omnigate::v1::Conversations::Stub> ConversationsStub(const Dispatcher& d) {
    return omnigate::v1::Conversations::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", d.grpc_port), grpc::InsecureChannelCredentials()));
  }

  // Runs omnigatectl and returns its stdout.
  std::string Ctl(const Dispatcher& d, const std::string& args) {
    const std::string out = dir_ + "/ctl.out";
    const std::string command =
        absl::StrCat(testing::BinaryPath("omnigatectl"), " --redis ", redis_->url(),
                     " --dispatcher 127.0.0.1:", d.grpc_port, " --partitions ", kPartitions, " ",
                     args, " > ", out, " 2>&1");
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    auto text = testing::ReadFile(out);
    return text.ok() ? *text : "";
  }

  std::string Redis(const std::vector<std::string>& args) {
    auto out = redis_->Cli(args);
    return out.ok() ? *out : "";
  }

  std::string DeadLetterCount() {
    int64_t total = 0;
    for (int p = 0; p < kPartitions; ++p) {
      int64_t n = 0;
      if (absl::SimpleAtoi(Redis({"XLEN", absl::StrCat("omnigate:dlq:{", p, "}")}), &n)) total += n;
    }
    return absl::StrCat(total);
  }

  std::unique_ptr<testing::SinkServer> bot_;
  std::unique_ptr<testing::SinkServer> agents_;
  std::unique_ptr<testing::ChildProcess> ingest_;
  std::unique_ptr<omnigate::v1::Ingest::Stub> ingest_stub_;
  int grpc_port_ = 0;
};

TEST_F(DispatcherE2ETest, TenThousandEventsOverFiveHundredConversationsArriveInOrder) {
  WriteConfig("  lease_ttl: 2s\n  lease_renew: 500ms\n");
  StartIngest();
  Dispatcher d = StartDispatcher("d1");
  std::vector<Event> events;
  constexpr int kConversations = 500, kEach = 20;
  for (int seq = 0; seq < kEach; ++seq)
    for (int c = 0; c < kConversations; ++c) events.push_back(testing::SeqMessage(c, seq));
  Publish(events);
  ASSERT_TRUE(
      WaitFor([&] { return bot_->sink().distinct_count() >= events.size(); }, absl::Seconds(60)))
      << bot_->sink().distinct_count() << "\n"
      << d.process->ReadLog();
  const Arrivals arrivals = Analyze(bot_->sink().events());
  ASSERT_TRUE(InPublishOrder(arrivals, kConversations, kEach));
  EXPECT_EQ(arrivals.repeats, 0u);  // nothing failed, so nothing is sent twice
  EXPECT_EQ(agents_->sink().event_count(), 0u);
  // Batches: far fewer calls than events.
  EXPECT_LT(bot_->sink().calls(), static_cast<int>(events.size()) / 4);
  // Everything acknowledged: no group has pending entries.
  ASSERT_TRUE(WaitFor(
      [&] {
        for (int p = 0; p < kPartitions; ++p) {
          const std::string info =
              Redis({"XPENDING", absl::StrCat("omnigate:stream:{", p, "}"), "chatbot"});
          if (info.substr(0, 1) != "0") return false;
        }
        return true;
      },
      absl::Seconds(10)));
  auto metrics = testing::HttpRequest(d.metrics_port, "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(
      metrics->body,
      HasSubstr("omnigate_dispatcher_events_total{outcome=\"delivered\",sink=\"chatbot\"} 10000"));
  EXPECT_THAT(metrics->body, HasSubstr("omnigate_dispatcher_delivery_latency_seconds_bucket"));
  EXPECT_THAT(metrics->body, HasSubstr("omnigate_dispatcher_owned_partitions 4"));
  EXPECT_EQ(d.process->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

TEST_F(DispatcherE2ETest, SetModeAgentMovesTheNextEventsToTheAgentRouter) {
  WriteConfig("  lease_ttl: 2s\n  lease_renew: 500ms\n");
  StartIngest();
  Dispatcher d = StartDispatcher("d1");
  Publish({testing::SeqMessage(7, 0), testing::SeqMessage(7, 1), testing::SeqMessage(8, 0)});
  ASSERT_TRUE(WaitFor([&] { return bot_->sink().distinct_count() == 3; }, absl::Seconds(20)));

  auto conversations = ConversationsStub(d);
  omnigate::v1::SetModeRequest request;
  request.set_conversation_key(VisitorConversation(7));
  request.set_mode(omnigate::v1::MODE_AGENT);
  request.set_reason("customer_request");
  request.set_actor("test");
  omnigate::v1::Conversation state;
  grpc::ClientContext context;
  ASSERT_TRUE(conversations->SetMode(&context, request, &state).ok());
  EXPECT_EQ(state.mode(), omnigate::v1::MODE_AGENT);
  EXPECT_EQ(state.handoff_reason(), "customer_request");
  // Asking again changes nothing (idempotent for retrying clients).
  grpc::ClientContext again;
  ASSERT_TRUE(conversations->SetMode(&again, request, &state).ok());

  Publish({testing::SeqMessage(7, 2), testing::SeqMessage(7, 3), testing::SeqMessage(8, 1)});
  ASSERT_TRUE(WaitFor([&] { return agents_->sink().distinct_count() == 3; }, absl::Seconds(20)))
      << agents_->sink().distinct_count();
  ASSERT_TRUE(WaitFor([&] { return bot_->sink().distinct_count() == 5; }, absl::Seconds(20)));
  // Agent router: the handoff event first, then the conversation's next messages.
  const auto routed = agents_->sink().events();
  ASSERT_EQ(routed.size(), 3u);
  EXPECT_EQ(routed[0].conversation().kind(),
            omnigate::v1::ConversationEvent::KIND_HANDOFF_REQUESTED);
  EXPECT_EQ(routed[0].conversation().reason(), "customer_request");
  EXPECT_EQ(SeqOf(routed[1]), 2);
  EXPECT_EQ(SeqOf(routed[2]), 3);
  // The bot saw the lifecycle event too (one), and conversation 8 stayed with it.
  int lifecycle = 0;
  for (const auto& e : bot_->sink().events()) {
    if (e.has_conversation()) {
      ++lifecycle;
    } else if (e.conversation_key() == VisitorConversation(7)) {
      EXPECT_LT(SeqOf(e), 2);
    }
  }
  EXPECT_EQ(lifecycle, 1);
  // omnigatectl reads the same state.
  EXPECT_THAT(Ctl(d, absl::StrCat("conversation get ", VisitorConversation(7))),
              HasSubstr("\"mode\":\"MODE_AGENT\""));
}

TEST_F(DispatcherE2ETest, SinkUnavailableForFiveSecondsLosesNothing) {
  WriteConfig(
      "  lease_ttl: 2s\n  lease_renew: 500ms\n  backoff_initial: 50ms\n  backoff_max: 500ms\n"
      "  max_attempts: 40\n");
  StartIngest();
  bot_->sink().FailUntil(grpc::StatusCode::UNAVAILABLE, absl::Now() + absl::Seconds(5));
  Dispatcher d = StartDispatcher("d1");
  std::vector<Event> events;
  for (int seq = 0; seq < 10; ++seq)
    for (int c = 0; c < 50; ++c) events.push_back(testing::SeqMessage(c, seq));
  Publish(events);
  ASSERT_TRUE(
      WaitFor([&] { return bot_->sink().distinct_count() >= events.size(); }, absl::Seconds(40)))
      << bot_->sink().distinct_count();
  EXPECT_GT(bot_->sink().failed_calls(), 0);
  ASSERT_TRUE(InPublishOrder(Analyze(bot_->sink().events()), 50, 10));
  EXPECT_EQ(DeadLetterCount(), "0");
  auto metrics = testing::HttpRequest(d.metrics_port, "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(
      metrics->body,
      HasSubstr("omnigate_dispatcher_deliver_calls_total{code=\"unavailable\",sink=\"chatbot\"}"));
}

TEST_F(DispatcherE2ETest, PoisonEventIsDeadLetteredListedAndReplayed) {
  WriteConfig(
      "  lease_ttl: 2s\n  lease_renew: 500ms\n  backoff_initial: 20ms\n  backoff_max: 100ms\n"
      "  max_attempts: 3\n");
  StartIngest();
  bot_->sink().SetPoison("POISON", grpc::StatusCode::UNAVAILABLE);
  Dispatcher d = StartDispatcher("d1");
  Publish({testing::SeqMessage(1, 0), testing::SeqMessage(1, 1, "POISON"),
           testing::SeqMessage(1, 2), testing::SeqMessage(2, 0), testing::SeqMessage(2, 1)});
  ASSERT_TRUE(WaitFor([&] { return DeadLetterCount() == "1"; }, absl::Seconds(20)))
      << d.process->ReadLog();
  ASSERT_TRUE(WaitFor([&] { return bot_->sink().distinct_count() == 4; }, absl::Seconds(20)));
  // The conversation went on past the poison event, in order.
  const Arrivals arrivals = Analyze(bot_->sink().events());
  EXPECT_THAT(arrivals.first_seen.at(VisitorConversation(1)), ::testing::ElementsAre(0, 2));
  EXPECT_THAT(arrivals.first_seen.at(VisitorConversation(2)), ::testing::ElementsAre(0, 1));

  const std::string listed = Ctl(d, "dlq list");
  EXPECT_THAT(listed, HasSubstr("\"sink\":\"chatbot\""));
  EXPECT_THAT(listed, HasSubstr("\"body\":\"POISON\""));
  EXPECT_THAT(listed, HasSubstr("\"attempts\":3"));
  EXPECT_THAT(listed, HasSubstr("\"last_code\":14"));  // UNAVAILABLE
  EXPECT_EQ(std::count(listed.begin(), listed.end(), '\n'), 1);

  // The sink is fixed; the operator replays the conversation's dead letters.
  bot_->sink().SetPoison("", grpc::StatusCode::OK);
  EXPECT_THAT(Ctl(d, absl::StrCat("dlq replay --conversation ", VisitorConversation(1))),
              HasSubstr("{\"replayed\":1}"));
  ASSERT_TRUE(WaitFor([&] { return bot_->sink().distinct_count() == 5; }, absl::Seconds(20)));
  EXPECT_EQ(DeadLetterCount(), "0");
  EXPECT_EQ(Ctl(d, "dlq list"), "");
  // Replays go to the sink that refused only.
  EXPECT_EQ(agents_->sink().event_count(), 0u);
}

TEST_F(DispatcherE2ETest, KillingOneOfTwoDispatchersLosesNothingAndKeepsOrder) {
  WriteConfig(
      "  lease_ttl: 2s\n  lease_renew: 400ms\n  batch_events: 5\n  backoff_initial: 50ms\n"
      "  backoff_max: 500ms\n  max_attempts: 50\n");
  StartIngest();
  bot_->sink().SetDelay(absl::Milliseconds(10));
  Dispatcher d1 = StartDispatcher("d1");
  Dispatcher d2 = StartDispatcher("d2");
  // Both replicas hold partitions before the load starts.
  ASSERT_TRUE(WaitFor(
      [&] {
        std::set<std::string> owners;
        for (int p = 0; p < kPartitions; ++p)
          owners.insert(Redis({"GET", absl::StrCat("omnigate:lease:{", p, "}")}));
        return owners.count("d1") == 1 && owners.count("d2") == 1 && owners.count("") == 0;
      },
      absl::Seconds(20)))
      << d1.process->ReadLog() << d2.process->ReadLog();

  constexpr int kConversations = 500, kEach = 20;
  std::vector<Event> events;
  for (int seq = 0; seq < kEach; ++seq)
    for (int c = 0; c < kConversations; ++c) events.push_back(testing::SeqMessage(c, seq));
  std::thread producer([&] { Publish(events); });
  ASSERT_TRUE(WaitFor([&] { return bot_->sink().distinct_count() >= 2000; }, absl::Seconds(60)));
  ASSERT_EQ(d1.process->Signal(SIGKILL, absl::Seconds(5)).value_or(-1), 128 + SIGKILL);
  producer.join();
  ASSERT_TRUE(
      WaitFor([&] { return bot_->sink().distinct_count() >= events.size(); }, absl::Seconds(90)))
      << bot_->sink().distinct_count() << "\n"
      << d2.process->ReadLog();
  const Arrivals arrivals = Analyze(bot_->sink().events());
  ASSERT_TRUE(InPublishOrder(arrivals, kConversations, kEach));
  // The survivor took every partition over.
  for (int p = 0; p < kPartitions; ++p)
    EXPECT_EQ(Redis({"GET", absl::StrCat("omnigate:lease:{", p, "}")}), "d2");
  auto metrics = testing::HttpRequest(d2.metrics_port, "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body,
              HasSubstr("omnigate_dispatcher_lease_changes_total{change=\"acquired\"}"));
  // Redeliveries are allowed; they are counted and reported.
  ::testing::Test::RecordProperty("redelivered_events", static_cast<int>(arrivals.repeats));
  std::cout << "dispatcher kill -9: " << events.size() << " events, " << arrivals.repeats
            << " redelivered, 0 lost, order kept\n";
}

TEST_F(DispatcherE2ETest, OutboundSendQueuesValidRepliesOnceAndRefusesOthers) {
  WriteConfig("  lease_ttl: 2s\n  lease_renew: 500ms\n");
  Dispatcher d = StartDispatcher("d1");
  auto stub = omnigate::v1::Outbound::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", d.grpc_port), grpc::InsecureChannelCredentials()));
  auto send = [&](const Event& e, omnigate::v1::SendResponse* response) {
    omnigate::v1::SendRequest request;
    *request.mutable_event() = e;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    return stub->Send(&context, request, response);
  };
  omnigate::v1::SendResponse response;
  Event reply = testing::SeqMessage(3, 0, "Your order ships today.");
  reply.mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
  reply.mutable_sender()->set_id("ana");
  reply.mutable_recipient()->set_id("visitor-3");  // nobody wrote: name the customer
  reply.set_idempotency_key("agent-desk:reply-1");
  ASSERT_TRUE(WaitFor([&] { return send(reply, &response).ok(); }, absl::Seconds(10)));
  const std::string first_entry = response.stream_entry_id();
  EXPECT_FALSE(response.event_id().empty());
  ASSERT_TRUE(send(reply, &response).ok());  // a retried Send
  EXPECT_EQ(response.stream_entry_id(), first_entry);
  const std::string queued =
      Ctl(d, absl::StrCat("outbound --conversation ", VisitorConversation(3)));
  EXPECT_EQ(std::count(queued.begin(), queued.end(), '\n'), 1) << queued;
  EXPECT_THAT(queued, HasSubstr("Your order ships today."));
  EXPECT_THAT(queued, HasSubstr("ROLE_AGENT"));

  Event customer = reply;
  customer.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  EXPECT_EQ(send(customer, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Event empty = reply;
  empty.clear_text();
  EXPECT_EQ(send(empty, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Event no_key = reply;
  no_key.clear_conversation_key();
  EXPECT_EQ(send(no_key, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace omnigate
