// Customer experience measured end to end with every real binary (ingest,
// dispatcher, chatbot, agent router, sender) and a fake WhatsApp API: an
// Indonesian customer asks, the bot answers, the customer asks for a human,
// an agent who speaks Indonesian is assigned and replies, the agent
// resolves, the CSAT question reaches the customer and the answer "5" is
// read as a rating. Every customer-experience family counts the
// conversation exactly once, the agent's rating is 5, and History returns
// the conversation in order. Repeated with the dispatcher and the sender
// killed (kill -9) and restarted midway: nothing is counted twice.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <map>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "omnigate/v1/agents.grpc.pb.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/support/conversation_state.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tests/support/redis_test.h"
#include "tests/support/wait.h"
#include "tests/support/whatsapp_webhook.h"
#include "tools/fake_provider/fake_provider.h"

namespace omnigate {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using testing::WaitFor;

constexpr char kSecret[] = "cx-meta-secret";
constexpr char kCustomer[] = "628123450001";
constexpr char kConversation[] = "whatsapp:100000000000001:628123450001";

// Sum of the samples of `name` (a counter, or a histogram's _count/_sum
// series) over every label set containing `labels` (e.g. resolved_by="agent").
double SumOf(const std::string& exposition, const std::string& name,
             const std::string& labels = "") {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    const absl::string_view series = line.substr(0, space);
    const absl::string_view metric = series.substr(0, series.find('{'));
    if (metric != name) continue;
    if (!labels.empty() && series.find(labels) == absl::string_view::npos) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(space + 1), &v)) total += v;
  }
  return total;
}

class CxE2ETest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    auto fake = fakeprovider::FakeProvider::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    for (const char* name : {"ingest", "dispatcher", "chatbot", "router", "sender"}) {
      grpc_ports_[name] = testing::PickFreePort();
      metrics_ports_[name] = testing::PickFreePort();
    }
    http_port_ = testing::PickFreePort();
    const std::string source = OMNIGATE_SOURCE_DIR;
    const std::string yaml = absl::StrCat(R"(
connectors:
  - name: wa-main
    channel: whatsapp
    secret: )",
                                          kSecret, R"(
    verify_token: v
    outbound:
      api_base_url: )",
                                          fake_->api_base_url(fakeprovider::Provider::kWhatsApp),
                                          R"(
      token: cx-token
      account: "100000000000001"
sender:
  lease_ttl: 2s
  lease_renew: 500ms
  send_timeout: 2s
  drain_timeout: 3s
  backoff_initial: 100ms
  backoff_max: 500ms
sinks:
  - name: chatbot
    address: 127.0.0.1:)",
                                          grpc_ports_["chatbot"], R"(
  - name: agent-router
    address: 127.0.0.1:)",
                                          grpc_ports_["router"], R"(
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: 4
dispatcher:
  lease_ttl: 2s
  lease_renew: 500ms
  backoff_initial: 50ms
  backoff_max: 500ms
cx:
  csat:
    enabled: true
chatbot:
  faq_file: )",
                                          source, R"(/deploy/local/faq.yaml
  conversations_addr: 127.0.0.1:)",
                                          grpc_ports_["dispatcher"], R"(
agent_router:
  agents_file: )",
                                          source, R"(/deploy/local/agents.yaml
  conversations_addr: 127.0.0.1:)",
                                          grpc_ports_["dispatcher"], "\n");
    config_ = dir_ + "/omnigate.yaml";
    ASSERT_TRUE(testing::WriteFile(config_, yaml).ok());
    for (const char* name : {"ingest", "dispatcher", "chatbot", "router", "sender"}) Start(name);
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = testing::HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Seconds(1));
          return r.ok() && r->status == 200;
        },
        absl::Seconds(15)));
    auto channel = [](int port) {
      return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                 grpc::InsecureChannelCredentials());
    };
    conversations_ = omnigate::v1::Conversations::NewStub(channel(grpc_ports_["dispatcher"]));
    agents_ = omnigate::v1::Agents::NewStub(channel(grpc_ports_["router"]));
    outbound_ = omnigate::v1::Outbound::NewStub(channel(grpc_ports_["sender"]));
  }

  void Start(const std::string& name) {
    static const std::map<std::string, std::string> kBinaries = {
        {"ingest", "omnigate-ingest"},
        {"dispatcher", "omnigate-dispatcher"},
        {"chatbot", "omnigate-chatbot"},
        {"router", "omnigate-agent-router"},
        {"sender", "omnigate-sender"}};
    std::vector<std::string> argv = {
        testing::BinaryPath(kBinaries.at(name)),
        "--config",
        config_,
        "--redis",
        redis_->url(),
        absl::StrCat("--grpc_addr=127.0.0.1:", grpc_ports_[name]),
        absl::StrCat("--metrics_addr=127.0.0.1:", metrics_ports_[name])};
    if (name == "ingest") argv.push_back(absl::StrCat("--http_addr=127.0.0.1:", http_port_));
    auto proc =
        testing::ChildProcess::Spawn(argv, absl::StrCat(dir_, "/", name, ++spawned_, ".log"));
    ASSERT_TRUE(proc.ok()) << proc.status();
    processes_[name] = *std::move(proc);
  }

  // kill -9, then a fresh process with the same ports and Redis.
  void KillAndRestart(const std::string& name) {
    ASSERT_TRUE(processes_[name]->Signal(SIGKILL, absl::Seconds(5)).ok());
    logs_ += processes_[name]->ReadLog();
    Start(name);
  }

  void Customer(const std::string& id, const std::string& text) {
    auto status = testing::PostSignedWhatsApp(http_port_, "wa-main", kSecret,
                                              testing::WhatsAppTextWebhook(kCustomer, id, text));
    ASSERT_TRUE(status.ok()) << status.status();
    ASSERT_EQ(*status, 200);
  }

  // What reached the fake WhatsApp, oldest first.
  std::vector<std::string> Sent() {
    std::vector<std::string> bodies;
    for (const auto& r : fake_->requests_for(fakeprovider::Provider::kWhatsApp))
      bodies.push_back(r.body);
    return bodies;
  }

  omnigate::v1::Conversation State() {
    return testing::GetConversation(*conversations_, kConversation);
  }

  omnigate::v1::Agent AgentNamed(const std::string& id) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    omnigate::v1::ListAgentsResponse all;
    EXPECT_TRUE(agents_->ListAgents(&context, {}, &all).ok());
    for (const auto& a : all.agents())
      if (a.id() == id) return a;
    return {};
  }

  // Every live service's metrics, concatenated.
  std::string Metrics() {
    std::string all;
    for (const auto& [name, port] : metrics_ports_) {
      auto r = testing::HttpRequest(port, "GET", "/metrics", {}, "", absl::Seconds(2));
      if (r.ok() && r->status == 200) absl::StrAppend(&all, r->body, "\n");
    }
    return all;
  }

  std::vector<omnigate::v1::Event> History() {
    std::vector<omnigate::v1::Event> events;
    std::string token;
    do {
      omnigate::v1::HistoryRequest request;
      request.set_conversation_key(kConversation);
      request.set_page_size(5);  // several pages
      request.set_page_token(token);
      omnigate::v1::HistoryResponse page;
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
      grpc::Status s = conversations_->History(&context, request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      events.insert(events.end(), page.events().begin(), page.events().end());
      token = page.next_page_token();
    } while (!token.empty());
    return events;
  }

  std::string Logs() {
    std::string all = logs_;
    for (const auto& [name, p] : processes_) absl::StrAppend(&all, p->ReadLog());
    return all;
  }

  // The whole conversation; `midway` runs after the agent is assigned and
  // `before_resolve` after the agent's reply was queued.
  void RunConversation(const std::function<void()>& midway,
                       const std::function<void()>& before_resolve) {
    Customer("wamid.cx.1", "Halo, jam buka toko kapan ya?");
    ASSERT_TRUE(WaitFor([&] { return Sent().size() == 1; }, absl::Seconds(20))) << Logs();
    Customer("wamid.cx.2", "Saya ingin bicara dengan petugas");
    ASSERT_TRUE(WaitFor([&] { return !State().agent_id().empty(); }, absl::Seconds(20))) << Logs();
    agent_ = State().agent_id();
    // The conversation is Indonesian: an agent who speaks it (not claire).
    EXPECT_THAT(agent_, AnyOf("ana", "budi", "dimas"));
    EXPECT_EQ(State().language(), "id");
    midway();

    omnigate::v1::SendRequest send;
    omnigate::v1::Event* reply = send.mutable_event();
    reply->set_channel(omnigate::v1::CHANNEL_WHATSAPP);
    reply->set_connector("wa-main");
    reply->set_conversation_key(kConversation);
    reply->mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
    reply->mutable_sender()->set_id(agent_);
    reply->mutable_text()->set_body("Halo Dewi, toko buka jam 9 pagi");
    ASSERT_TRUE(WaitFor(
        [&] {
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
          omnigate::v1::SendResponse sent;
          return outbound_->Send(&context, send, &sent).ok();
        },
        absl::Seconds(20)));
    before_resolve();
    ASSERT_TRUE(WaitFor([&] { return SentCount("toko buka jam 9") >= 1; }, absl::Seconds(30)))
        << Logs();
    // The agent resolves once the reply is out: the sender recorded it (a
    // sender killed between the provider's answer and its record sends it
    // again, and records it then).
    ASSERT_TRUE(WaitFor([&] { return State().timeline().first_agent_reply_at_ms() > 0; },
                        absl::Seconds(20)))
        << Logs();

    omnigate::v1::ResolveAssignmentRequest resolve;
    resolve.set_conversation_key(kConversation);
    resolve.set_agent_id(agent_);
    ASSERT_TRUE(WaitFor(
        [&] {
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
          omnigate::v1::ResolveAssignmentResponse resolved;
          return agents_->Resolve(&context, resolve, &resolved).ok();
        },
        absl::Seconds(20)));
    // The CSAT question reaches the customer, in Indonesian.
    ASSERT_TRUE(WaitFor([&] { return SentCount("Seberapa puas") == 1; }, absl::Seconds(20)))
        << Logs();
    Customer("wamid.cx.3", "5");
    ASSERT_TRUE(WaitFor([&] { return State().timeline().csat_score() == 5; }, absl::Seconds(20)))
        << Logs();
    // The thanks for the rating goes out too: all work is done.
    ASSERT_TRUE(
        WaitFor([&] { return SentCount("Terima kasih atas penilaian") == 1; }, absl::Seconds(20)))
        << Logs();
  }

  // Sends to WhatsApp whose body contains `text`.
  int SentCount(const std::string& text) {
    int n = 0;
    for (const auto& body : Sent()) n += body.find(text) != std::string::npos ? 1 : 0;
    return n;
  }

  std::unique_ptr<fakeprovider::FakeProvider> fake_;
  std::map<std::string, int> grpc_ports_;
  std::map<std::string, int> metrics_ports_;
  int http_port_ = 0;
  int spawned_ = 0;
  std::string config_;
  std::string logs_;
  std::string agent_;
  std::map<std::string, std::unique_ptr<testing::ChildProcess>> processes_;
  std::unique_ptr<omnigate::v1::Conversations::Stub> conversations_;
  std::unique_ptr<omnigate::v1::Agents::Stub> agents_;
  std::unique_ptr<omnigate::v1::Outbound::Stub> outbound_;
};

TEST_F(CxE2ETest, EveryFamilyCountsTheConversationOnceAndTheAgentGetsTheRating) {
  RunConversation([] {}, [] {});
  const omnigate::v1::Timeline t = State().timeline();
  EXPECT_GT(t.opened_at_ms(), 0);
  EXPECT_GE(t.first_reply_at_ms(), t.opened_at_ms());
  EXPECT_GE(t.handoff_at_ms(), t.first_reply_at_ms());
  EXPECT_GE(t.assigned_at_ms(), t.handoff_at_ms());
  EXPECT_GE(t.first_agent_reply_at_ms(), t.assigned_at_ms());
  EXPECT_GE(t.resolved_at_ms(), t.first_agent_reply_at_ms());
  EXPECT_EQ(t.resolved_by(), "agent");
  EXPECT_EQ(t.resolved_agent_id(), agent_);

  // Each family counted this conversation once, with plausible values (the
  // whole run takes seconds; WhatsApp timestamps have second precision).
  std::string m;
  ASSERT_TRUE(WaitFor(
      [&] {
        m = Metrics();
        return SumOf(m, "omnigate_cx_csat_score_count") == 1;
      },
      absl::Seconds(10)));
  EXPECT_EQ(SumOf(m, "omnigate_cx_conversations_opened_total"), 1);
  EXPECT_EQ(SumOf(m, "omnigate_cx_first_response_seconds_count"), 1);
  EXPECT_LT(SumOf(m, "omnigate_cx_first_response_seconds_sum"), 30);
  EXPECT_EQ(SumOf(m, "omnigate_cx_agent_first_response_seconds_count"), 1);
  EXPECT_LT(SumOf(m, "omnigate_cx_agent_first_response_seconds_sum"), 60);
  EXPECT_EQ(SumOf(m, "omnigate_cx_queue_wait_seconds_count"), 1);
  EXPECT_LT(SumOf(m, "omnigate_cx_queue_wait_seconds_sum"), 30);
  EXPECT_EQ(SumOf(m, "omnigate_cx_resolution_seconds_count", R"(resolved_by="agent")"), 1);
  EXPECT_EQ(SumOf(m, "omnigate_cx_conversations_resolved_total", R"(resolved_by="agent")"), 1);
  EXPECT_EQ(SumOf(m, "omnigate_cx_conversations_resolved_total", R"(resolved_by="bot")"), 0);
  EXPECT_EQ(SumOf(m, "omnigate_cx_csat_surveys_total"), 1);
  EXPECT_EQ(SumOf(m, "omnigate_cx_csat_score_sum"), 5);
  EXPECT_EQ(SumOf(m, "omnigate_cx_sla_breaches_total"), 0);
  EXPECT_EQ(SumOf(m, "omnigate_cx_reopened_total"), 0);

  const omnigate::v1::Agent agent = AgentNamed(agent_);
  EXPECT_EQ(agent.rating_count(), 1);
  EXPECT_EQ(agent.rating_average(), 5);
  EXPECT_EQ(agent.handled(), 1);
  EXPECT_EQ(agent.resolved(), 1);

  // History: the customer's, the bot's and the agent's messages in order.
  std::vector<std::string> said;
  for (const auto& e : History()) {
    const char* who = e.sender().role() == omnigate::v1::ROLE_CUSTOMER ? "customer"
                      : e.sender().role() == omnigate::v1::ROLE_BOT    ? "bot"
                      : e.sender().role() == omnigate::v1::ROLE_AGENT  ? "agent"
                                                                       : nullptr;
    if (who == nullptr) continue;  // lifecycle changes
    said.push_back(absl::StrCat(who, e.has_rating() ? " rating" : ""));
  }
  EXPECT_THAT(said, ::testing::ElementsAre("customer", "bot", "customer", "bot", "agent", "bot",
                                           "customer", "customer rating", "bot"));

  // The operator sees the rating.
  const std::string out = dir_ + "/agents.out";
  const std::string command =
      absl::StrCat(testing::BinaryPath("omnigatectl"),
                   " agents --agent_router 127.0.0.1:", grpc_ports_["router"], " > ", out, " 2>&1");
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto ctl = testing::ReadFile(out);
  ASSERT_TRUE(ctl.ok()) << ctl.status();
  EXPECT_THAT(*ctl, HasSubstr(agent_));
  EXPECT_THAT(*ctl, HasSubstr("5.00"));
  for (auto& [name, p] : processes_)
    EXPECT_EQ(p->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

TEST_F(CxE2ETest, KillingTheDispatcherAndTheSenderMidwayCountsNothingTwice) {
  RunConversation([&] { KillAndRestart("dispatcher"); }, [&] { KillAndRestart("sender"); });
  // What lives in Redis is exact: the agent's counts and rating, the
  // conversation's moments. Metrics of a killed process are gone with it,
  // so each family is at most one, never two.
  const omnigate::v1::Agent agent = AgentNamed(agent_);
  EXPECT_EQ(agent.rating_count(), 1);
  EXPECT_EQ(agent.rating_average(), 5);
  EXPECT_EQ(agent.handled(), 1);
  EXPECT_EQ(agent.resolved(), 1);
  const omnigate::v1::Timeline t = State().timeline();
  EXPECT_GT(t.first_agent_reply_at_ms(), 0);
  EXPECT_EQ(t.resolved_by(), "agent");
  EXPECT_EQ(t.csat_score(), 5);
  const std::string m = Metrics();
  for (const char* family :
       {"omnigate_cx_conversations_opened_total", "omnigate_cx_first_response_seconds_count",
        "omnigate_cx_agent_first_response_seconds_count", "omnigate_cx_queue_wait_seconds_count",
        "omnigate_cx_resolution_seconds_count", "omnigate_cx_conversations_resolved_total",
        "omnigate_cx_csat_surveys_total", "omnigate_cx_csat_score_count"}) {
    EXPECT_LE(SumOf(m, family), 1) << family;
  }
  // Observed after the restarts, so exactly once: the resolve (dispatcher),
  // the survey and the rating (chatbot, never killed).
  EXPECT_EQ(SumOf(m, "omnigate_cx_conversations_resolved_total"), 1);
  EXPECT_EQ(SumOf(m, "omnigate_cx_csat_surveys_total"), 1);
  EXPECT_EQ(SumOf(m, "omnigate_cx_csat_score_count"), 1);
  // The customer got every message; the sender repeats at most what was in
  // flight when it was killed (the agent's reply, at most once more).
  EXPECT_GE(Sent().size(), 5u) << Logs();
  EXPECT_LE(Sent().size(), 6u) << Logs();
  EXPECT_EQ(SentCount("Seberapa puas"), 1);
}

}  // namespace
}  // namespace omnigate
