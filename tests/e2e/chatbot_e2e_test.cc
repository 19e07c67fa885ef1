// omnigate-chatbot end to end: the real binary, a real redis-server and an
// in-test Conversations gRPC server; Deliver is called over gRPC like the
// dispatcher does, and the outbound stream is read back.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <mutex>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/grpcutil/server.h"
#include "lib/queue/partitioner.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/sink.grpc.pb.h"
#include "tests/support/fake_conversations.h"
#include "tests/support/grpc_health.h"
#include "tests/support/http_client.h"
#include "tests/support/outbound_stream.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace omnigate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint32_t kPartitions = 4;
constexpr char kConversation[] = "webchat:site1:visitor-42";

omnigate::v1::Event CustomerText(const std::string& id, const std::string& body) {
  omnigate::v1::Event e;
  e.set_id(id);
  e.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
  e.set_connector("webchat-main");
  e.set_account_id("site1");
  e.set_external_id("msg-" + id);
  e.set_conversation_key(kConversation);
  e.mutable_sender()->set_id("visitor-42");
  e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  e.mutable_text()->set_body(body);
  return e;
}

class ChatbotE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    conversations_ = new testing::FakeConversations();
    grpcutil::GrpcServerOptions options;
    options.address = "127.0.0.1:0";
    auto server = grpcutil::GrpcServer::Start(options, {conversations_});
    ASSERT_TRUE(server.ok()) << server.status();
    conversations_server_ = server->release();
    dir_ = new std::string(testing::MakeTempDir());
    ASSERT_TRUE(testing::WriteFile(*dir_ + "/omnigate.yaml",
                                   absl::StrCat("ingest:\n  partitions: ", kPartitions,
                                                "\nchatbot:\n  faq_file: ", OMNIGATE_SOURCE_DIR,
                                                "/deploy/local/faq.yaml\n  max_unanswered: 2\n"
                                                "  conversations_addr: 127.0.0.1:",
                                                conversations_server_->port(), "\n"))
                    .ok());
    StartChatbot();
  }

  static void StartChatbot() {
    grpc_port_ = testing::PickFreePort();
    metrics_port_ = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-chatbot"), "--config", *dir_ + "/omnigate.yaml", "--redis",
         redis_->url(), absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port_),
         absl::StrCat("--metrics_addr=127.0.0.1:", metrics_port_)},
        *dir_ + "/chatbot.log");
    ASSERT_TRUE(proc.ok()) << proc.status();
    chatbot_ = proc->release();
    ASSERT_TRUE(WaitServing()) << chatbot_->ReadLog();
  }

  static bool WaitServing() { return WaitHealth(/*SERVING=*/1); }

  // True once grpc.health.v1 reports `status` (bounded).
  static bool WaitHealth(int status) {
    return testing::WaitForHealth(grpc_port_, status, absl::Seconds(15));
  }

  static void TearDownTestSuite() {
    delete chatbot_;
    delete conversations_server_;
    delete conversations_;
    delete redis_;
    delete dir_;
  }

  void SetUp() override { ASSERT_EQ(*redis_->Cli({"FLUSHALL"}), "OK"); }

  grpc::Status Deliver(const std::vector<omnigate::v1::Event>& events) {
    auto stub = omnigate::v1::Sink::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
    omnigate::v1::DeliverRequest request;
    for (const auto& e : events) *request.add_events() = e;
    request.set_partition(queue::PartitionOf(kConversation, kPartitions));
    request.set_sink("chatbot");
    request.set_attempt(1);
    omnigate::v1::DeliverResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->Deliver(&context, request, &response);
  }

  std::vector<omnigate::v1::Event> Replies() {
    auto events =
        testing::ReadOutbound(redis_->port(), queue::PartitionOf(kConversation, kPartitions));
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<omnigate::v1::Event>{};
  }

  static testing::RedisServer* redis_;
  static testing::FakeConversations* conversations_;
  static grpcutil::GrpcServer* conversations_server_;
  static testing::ChildProcess* chatbot_;
  static std::string* dir_;
  static int grpc_port_, metrics_port_;
};

testing::RedisServer* ChatbotE2ETest::redis_ = nullptr;
testing::FakeConversations* ChatbotE2ETest::conversations_ = nullptr;
grpcutil::GrpcServer* ChatbotE2ETest::conversations_server_ = nullptr;
testing::ChildProcess* ChatbotE2ETest::chatbot_ = nullptr;
std::string* ChatbotE2ETest::dir_ = nullptr;
int ChatbotE2ETest::grpc_port_ = 0;
int ChatbotE2ETest::metrics_port_ = 0;

TEST_F(ChatbotE2ETest, AnswersThenHandsOffOverGrpcAndIgnoresRedelivery) {
  const std::vector<omnigate::v1::Event> batch = {
      CustomerText("e2e-1", "Which payment methods do you accept?"),
      CustomerText("e2e-2", "Can I talk to a real person please")};
  const size_t calls_before = conversations_->set_mode_requests().size();
  grpc::Status s = Deliver(batch);
  ASSERT_TRUE(s.ok()) << s.error_message() << chatbot_->ReadLog();
  auto replies = Replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].attributes().at("faq_id"), "payment_methods");
  EXPECT_EQ(replies[0].sender().role(), omnigate::v1::ROLE_BOT);
  EXPECT_EQ(replies[0].reply_to_external_id(), "msg-e2e-1");
  EXPECT_EQ(replies[1].recipient().id(), "visitor-42");
  EXPECT_THAT(replies[1].text().body(), HasSubstr("human agent"));

  auto calls = conversations_->set_mode_requests();
  ASSERT_EQ(calls.size(), calls_before + 1);
  EXPECT_EQ(calls.back().conversation_key(), kConversation);
  EXPECT_EQ(calls.back().mode(), omnigate::v1::MODE_AGENT);
  EXPECT_EQ(calls.back().reason(), "customer_request");
  EXPECT_EQ(calls.back().actor(), "chatbot");

  ASSERT_TRUE(Deliver(batch).ok());
  EXPECT_EQ(Replies().size(), 2u);
  EXPECT_EQ(conversations_->set_mode_requests().size(), calls_before + 1);
}

TEST_F(ChatbotE2ETest, MetricsAreServed) {
  ASSERT_TRUE(Deliver({CustomerText("e2e-m1", "what are your opening hours")}).ok());
  auto metrics = testing::HttpRequest(metrics_port_, "GET", "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("# TYPE omnigate_chatbot_events_total counter"));
  EXPECT_THAT(metrics->body, HasSubstr(R"(omnigate_chatbot_events_total{outcome="answered"})"));
  EXPECT_THAT(metrics->body, HasSubstr(R"(omnigate_chatbot_handoffs_total{reason="unanswered"})"));
  EXPECT_THAT(metrics->body, HasSubstr("omnigate_chatbot_deliver_seconds_bucket"));
  EXPECT_THAT(metrics->body,
              HasSubstr(R"(omnigate_chatbot_deliver_errors_total{code="unavailable"} 0)"));
  EXPECT_THAT(metrics->body, HasSubstr("omnigate_process_resident_memory_bytes"));
}

// Without Redis the bot cannot work, so its health says so (load balancers
// and Kubernetes readiness look elsewhere) and comes back with Redis.
TEST_F(ChatbotE2ETest, HealthFollowsRedis) {
  ASSERT_TRUE(redis_->Stop().ok());
  const absl::Time stopped = absl::Now();
  const bool not_serving = WaitHealth(/*NOT_SERVING=*/2);
  const absl::Duration noticed = absl::Now() - stopped;
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_TRUE(not_serving) << chatbot_->ReadLog();
  EXPECT_LT(noticed, absl::Seconds(5));
  EXPECT_TRUE(WaitServing()) << chatbot_->ReadLog();
}

// Last: it stops the shared process.
TEST_F(ChatbotE2ETest, ZSigtermExitsZeroAndLogsNoMessageText) {
  ASSERT_TRUE(Deliver({CustomerText("e2e-z1", "operator")}).ok());
  auto status = chatbot_->Signal(SIGTERM, absl::Seconds(10));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, 0) << chatbot_->ReadLog();
  const std::string log = chatbot_->ReadLog();
  EXPECT_THAT(log, HasSubstr("reason=customer_request"));
  EXPECT_THAT(log, Not(HasSubstr("real person")));
  EXPECT_THAT(log, Not(HasSubstr("payment methods")));
  // Restart for any test that runs after (e.g. with --gtest_repeat).
  delete chatbot_;
  chatbot_ = nullptr;
  StartChatbot();
}

}  // namespace
}  // namespace omnigate
