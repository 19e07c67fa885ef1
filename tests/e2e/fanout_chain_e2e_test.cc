// The whole fan-out with every real binary: a signed WhatsApp webhook enters
// omnigate-ingest, omnigate-dispatcher delivers it to omnigate-chatbot, which
// answers from its FAQ; asking for a human hands the conversation off and
// omnigate-agent-router assigns an agent; omnigate-sender delivers the bot's
// and the agent's replies to a fake WhatsApp API. Real Redis, real gRPC, real
// HTTP.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/queue/stream_reader.h"
#include "lib/redis/redis_connection.h"
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

using testing::WaitFor;

using ::testing::HasSubstr;

constexpr char kSecret[] = "chain-meta-secret";
constexpr int kPartitions = 4;
constexpr char kConversation[] = "whatsapp:100000000000001:628123456789";

class FanoutChainE2ETest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    auto fake = fakeprovider::FakeProvider::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    http_port_ = testing::PickFreePort();
    dispatcher_port_ = testing::PickFreePort();
    sender_port_ = testing::PickFreePort();
    const int bot_port = testing::PickFreePort();
    const int router_port = testing::PickFreePort();
    const std::string source = OMNIGATE_SOURCE_DIR;
    ASSERT_TRUE(
        testing::WriteFile(dir_ + "/omnigate.yaml",
                           absl::StrCat(R"(
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
      token: chain-token
      account: "100000000000001"
sender:
  lease_ttl: 2s
  lease_renew: 500ms
  send_timeout: 2s
  drain_timeout: 3s
sinks:
  - name: chatbot
    address: 127.0.0.1:)",
                                        bot_port, R"(
  - name: agent-router
    address: 127.0.0.1:)",
                                        router_port, R"(
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: )",
                                        kPartitions, R"(
dispatcher:
  lease_ttl: 2s
  lease_renew: 500ms
  backoff_initial: 50ms
  backoff_max: 500ms
chatbot:
  faq_file: )",
                                        source, R"(/deploy/local/faq.yaml
  conversations_addr: 127.0.0.1:)",
                                        dispatcher_port_, R"(
agent_router:
  agents_file: )",
                                        source, R"(/deploy/local/agents.yaml
  conversations_addr: 127.0.0.1:)",
                                        dispatcher_port_, "\n"))
            .ok());
    const std::string config = dir_ + "/omnigate.yaml";
    Spawn("ingest", {testing::BinaryPath("omnigate-ingest"), "--config", config, "--redis",
                     redis_->url(), absl::StrCat("--http_addr=127.0.0.1:", http_port_),
                     "--grpc_addr=127.0.0.1:0", "--metrics_addr=127.0.0.1:0"});
    Spawn("dispatcher",
          {testing::BinaryPath("omnigate-dispatcher"), "--config", config, "--redis", redis_->url(),
           absl::StrCat("--grpc_addr=127.0.0.1:", dispatcher_port_), "--metrics_addr=127.0.0.1:0"});
    Spawn("chatbot",
          {testing::BinaryPath("omnigate-chatbot"), "--config", config, "--redis", redis_->url(),
           absl::StrCat("--grpc_addr=127.0.0.1:", bot_port), "--metrics_addr=127.0.0.1:0"});
    Spawn("router", {testing::BinaryPath("omnigate-agent-router"), "--config", config, "--redis",
                     redis_->url(), absl::StrCat("--grpc_addr=127.0.0.1:", router_port),
                     "--metrics_addr=127.0.0.1:0"});
    Spawn("sender",
          {testing::BinaryPath("omnigate-sender"), "--config", config, "--redis", redis_->url(),
           absl::StrCat("--grpc_addr=127.0.0.1:", sender_port_), "--metrics_addr=127.0.0.1:0"});
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = testing::HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Seconds(1));
          return r.ok() && r->status == 200;
        },
        absl::Seconds(15)));
    conversations_ = omnigate::v1::Conversations::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", dispatcher_port_), grpc::InsecureChannelCredentials()));
  }

  void Spawn(const std::string& name, const std::vector<std::string>& argv) {
    auto proc = testing::ChildProcess::Spawn(argv, dir_ + "/" + name + ".log");
    ASSERT_TRUE(proc.ok()) << proc.status();
    processes_.push_back(*std::move(proc));
  }

  void PostWebhook(const std::string& id, const std::string& text) {
    auto status = testing::PostSignedWhatsApp(
        http_port_, "wa-main", kSecret, testing::WhatsAppTextWebhook("628123456789", id, text));
    ASSERT_TRUE(status.ok()) << status.status();
    ASSERT_EQ(*status, 200);
  }

  // Bot replies to the conversation, oldest first.
  std::vector<omnigate::v1::Event> Replies() {
    std::vector<omnigate::v1::Event> out;
    auto conn = redis::RedisConnection::Connect(*redis::ParseRedisUrl(redis_->url()),
                                                absl::Seconds(1), absl::Seconds(2));
    if (!conn.ok()) return out;
    queue::StreamReader reader(conn->get());
    auto raw = reader.LatestRaw(
        queue::OutboundStreamKey(queue::PartitionOf(kConversation, kPartitions)), 100);
    if (!raw.ok()) return out;
    for (const auto& entry : *raw) {
      for (const auto& [field, value] : entry.fields) {
        omnigate::v1::Event e;
        if (field == "event" && e.ParseFromString(value)) out.push_back(e);
      }
    }
    return out;
  }

  omnigate::v1::Conversation State() {
    return testing::GetConversation(*conversations_, kConversation);
  }

  std::string Logs() {
    std::string all;
    for (const auto& p : processes_) absl::StrAppend(&all, p->ReadLog());
    return all;
  }

  // WhatsApp sends that reached the fake provider, oldest first.
  std::vector<std::string> Sent() {
    std::vector<std::string> bodies;
    for (const auto& r : fake_->requests_for(fakeprovider::Provider::kWhatsApp)) {
      bodies.push_back(r.body);
    }
    return bodies;
  }

  std::unique_ptr<fakeprovider::FakeProvider> fake_;
  int http_port_ = 0;
  int dispatcher_port_ = 0;
  int sender_port_ = 0;
  std::vector<std::unique_ptr<testing::ChildProcess>> processes_;
  std::unique_ptr<omnigate::v1::Conversations::Stub> conversations_;
};

TEST_F(FanoutChainE2ETest, WebhookReachesTheBotWhichHandsOffToAnAssignedAgent) {
  PostWebhook("wamid.chain.1", "What are your opening hours?");
  ASSERT_TRUE(WaitFor([&] { return Replies().size() == 1; }, absl::Seconds(20))) << Logs();
  const omnigate::v1::Event answer = Replies()[0];
  EXPECT_EQ(answer.sender().role(), omnigate::v1::ROLE_BOT);
  EXPECT_EQ(answer.conversation_key(), kConversation);
  EXPECT_EQ(answer.reply_to_external_id(), "wamid.chain.1");
  EXPECT_EQ(answer.attributes().at("faq_id"), "opening_hours");
  EXPECT_EQ(State().mode(), omnigate::v1::MODE_BOT);
  // The bot's answer leaves for WhatsApp, to the customer.
  ASSERT_TRUE(WaitFor([&] { return Sent().size() == 1; }, absl::Seconds(20))) << Logs();
  EXPECT_THAT(Sent()[0], HasSubstr(R"("to":"628123456789")"));
  EXPECT_THAT(Sent()[0], HasSubstr(answer.text().body().substr(0, 20)));

  PostWebhook("wamid.chain.2", "I want to talk to a human please");
  ASSERT_TRUE(WaitFor([&] { return !State().agent_id().empty(); }, absl::Seconds(20))) << Logs();
  const omnigate::v1::Conversation state = State();
  EXPECT_EQ(state.mode(), omnigate::v1::MODE_AGENT);
  EXPECT_EQ(state.handoff_reason(), "customer_request");
  // English speaker: one of the agents with English (ana, claire, dimas).
  EXPECT_THAT(state.agent_id(), ::testing::AnyOf("ana", "claire", "dimas"));
  ASSERT_EQ(Replies().size(), 2u);  // the handoff message
  // The agent answers through the sender's Outbound.Send; it reaches WhatsApp
  // after the handoff message.
  omnigate::v1::SendRequest send;
  omnigate::v1::Event* reply = send.mutable_event();
  reply->set_channel(omnigate::v1::CHANNEL_WHATSAPP);
  reply->set_connector("wa-main");
  reply->set_conversation_key(kConversation);
  reply->mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
  reply->mutable_sender()->set_id(state.agent_id());
  // No recipient: the conversation's customer, as ingest recorded them.
  reply->mutable_text()->set_body("Hi, this is your agent speaking");
  omnigate::v1::SendResponse sent;
  grpc::ClientContext send_context;
  send_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  auto outbound = omnigate::v1::Outbound::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", sender_port_), grpc::InsecureChannelCredentials()));
  grpc::Status send_status = outbound->Send(&send_context, send, &sent);
  ASSERT_TRUE(send_status.ok()) << send_status.error_message() << " (the customer wrote just now)";
  ASSERT_TRUE(WaitFor([&] { return Sent().size() == 3; }, absl::Seconds(20))) << Logs();
  EXPECT_THAT(Sent()[2], HasSubstr("your agent speaking"));
  EXPECT_THAT(Sent()[2], HasSubstr(R"("to":"628123456789")"));
  // From now on the customer's messages go to the agent router, not the bot.
  PostWebhook("wamid.chain.3", "What are your opening hours?");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto conn = redis::RedisConnection::Connect(*redis::ParseRedisUrl(redis_->url()),
                                                    absl::Seconds(1), absl::Seconds(2));
        if (!conn.ok()) return false;
        auto pending = (*conn)->Run(
            {"XINFO", "GROUPS", queue::StreamKey(queue::PartitionOf(kConversation, kPartitions))});
        // Both groups have read and acknowledged everything.
        if (!pending.ok() || pending->size() != 2) return false;
        for (size_t g = 0; g < pending->size(); ++g) {
          const redisReply* info = pending->element(g);
          for (size_t i = 0; i + 1 < info->elements; i += 2) {
            const absl::string_view f = redis::ElementStr(info->element[i]);
            if ((f == "pending" || f == "lag") && info->element[i + 1]->integer != 0) return false;
          }
        }
        return true;
      },
      absl::Seconds(20)));
  // The bot did not answer the third message (the agent's reply is the third).
  EXPECT_EQ(Replies().size(), 3u);
  const std::string logs = Logs();
  EXPECT_THAT(logs, HasSubstr("acquired partition"));
  EXPECT_THAT(logs, HasSubstr(state.agent_id()));
  // Message text never reaches info-level logs.
  EXPECT_THAT(logs, ::testing::Not(HasSubstr("opening hours?")));
  EXPECT_THAT(logs, ::testing::Not(HasSubstr("talk to a human")));
  for (auto& p : processes_) EXPECT_EQ(p->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

}  // namespace
}  // namespace omnigate
