// The services on a Redis Cluster (3 masters + 3 replicas), end to end:
// omnigate-ingest stores events, omnigate-dispatcher (redis-cluster:// URL)
// leases every partition and delivers them to a recording sink in
// per-conversation order, the Conversations service changes a mode, and
// omnigatectl reads the partition streams across the nodes. The chatbot,
// the agent router and the sender start on the cluster and turn ready.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/support/arrivals.h"
#include "tests/support/grpc_health.h"
#include "tests/support/process.h"
#include "tests/support/recording_sink.h"
#include "tests/support/redis_cluster.h"
#include "tests/support/redis_server.h"
#include "tests/support/wait.h"

namespace omnigate {
namespace {

using omnigate::v1::Event;
using testing::VisitorConversation;
using testing::WaitFor;

constexpr int kPartitions = 8;

TEST(ClusterServicesE2ETest, IngestDispatcherAndCtlOnACluster) {
  auto cluster = testing::RedisCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::string url = (*cluster)->seed_url();
  auto bot = testing::SinkServer::Start();
  auto agents = testing::SinkServer::Start();
  ASSERT_TRUE(bot.ok() && agents.ok());
  const std::string dir = testing::MakeTempDir();
  ASSERT_TRUE(
      testing::WriteFile(
          dir + "/omnigate.yaml",
          absl::StrCat("sinks:\n  - name: chatbot\n    address: ", (*bot)->address(),
                       "\n  - name: agent-router\n    address: ", (*agents)->address(),
                       "\nrouting:\n  bot: chatbot\n  agent: agent-router\n"
                       "ingest:\n  partitions: ",
                       kPartitions, "\ndispatcher:\n  lease_ttl: 2s\n  lease_renew: 500ms\n"))
          .ok());

  const int ingest_port = testing::PickFreePort();
  auto ingest = testing::ChildProcess::Spawn(
      {testing::BinaryPath("omnigate-ingest"), "--config", dir + "/omnigate.yaml", "--redis", url,
       "--http_addr=127.0.0.1:0", absl::StrCat("--grpc_addr=127.0.0.1:", ingest_port),
       "--metrics_addr=127.0.0.1:0"},
      dir + "/ingest.log");
  ASSERT_TRUE(ingest.ok()) << ingest.status();
  auto ingest_channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", ingest_port),
                                            grpc::InsecureChannelCredentials());
  ASSERT_TRUE(ingest_channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10))))
      << (*ingest)->ReadLog();
  auto ingest_stub = omnigate::v1::Ingest::NewStub(ingest_channel);

  const int dispatcher_port = testing::PickFreePort();
  auto dispatcher = testing::ChildProcess::Spawn(
      {testing::BinaryPath("omnigate-dispatcher"), "--config", dir + "/omnigate.yaml", "--redis",
       url, absl::StrCat("--grpc_addr=127.0.0.1:", dispatcher_port), "--metrics_addr=127.0.0.1:0",
       "--instance_id", "d1"},
      dir + "/dispatcher.log");
  ASSERT_TRUE(dispatcher.ok()) << dispatcher.status();

  constexpr int kConversations = 40, kEach = 10;
  std::vector<Event> events;
  for (int seq = 0; seq < kEach; ++seq) {
    for (int c = 0; c < kConversations; ++c) events.push_back(testing::SeqMessage(c, seq));
  }
  omnigate::v1::PublishRequest request;
  for (const Event& e : events) *request.add_events() = e;
  omnigate::v1::PublishResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  const grpc::Status published = ingest_stub->Publish(&context, request, &response);
  ASSERT_TRUE(published.ok()) << published.error_message() << "\n" << (*ingest)->ReadLog();

  ASSERT_TRUE(
      WaitFor([&] { return (*bot)->sink().distinct_count() >= events.size(); }, absl::Seconds(60)))
      << (*bot)->sink().distinct_count() << "\n"
      << (*dispatcher)->ReadLog();
  const testing::Arrivals arrivals = testing::Analyze((*bot)->sink().events());
  EXPECT_TRUE(testing::InPublishOrder(arrivals, kConversations, kEach));

  // Conversations.SetMode on the cluster: the next event goes to the agents.
  auto conversations = omnigate::v1::Conversations::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", dispatcher_port), grpc::InsecureChannelCredentials()));
  omnigate::v1::SetModeRequest set_mode;
  set_mode.set_conversation_key(VisitorConversation(3));
  set_mode.set_mode(omnigate::v1::MODE_AGENT);
  set_mode.set_actor("test");
  omnigate::v1::Conversation changed;
  grpc::ClientContext mode_context;
  const grpc::Status mode_status = conversations->SetMode(&mode_context, set_mode, &changed);
  ASSERT_TRUE(mode_status.ok()) << mode_status.error_message();
  omnigate::v1::PublishRequest next;
  *next.add_events() = testing::SeqMessage(3, kEach);
  grpc::ClientContext next_context;
  ASSERT_TRUE(ingest_stub->Publish(&next_context, next, &response).ok());
  EXPECT_TRUE(WaitFor([&] { return (*agents)->sink().distinct_count() >= 1; }, absl::Seconds(20)))
      << (*dispatcher)->ReadLog();

  // omnigatectl reads every partition stream, wherever it lives.
  const std::string out = dir + "/ctl.out";
  const std::string command =
      absl::StrCat(testing::BinaryPath("omnigatectl"), " --redis ", url, " --partitions ",
                   kPartitions, " stats > ", out, " 2>&1");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  auto text = testing::ReadFile(out);
  ASSERT_TRUE(text.ok());
  // Every stored event, the mode change and the message after it.
  EXPECT_THAT(*text, ::testing::ContainsRegex(absl::StrCat("total +", kConversations * kEach + 2)))
      << *text;

  EXPECT_EQ((*dispatcher)->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
  EXPECT_EQ((*ingest)->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

TEST(ClusterServicesE2ETest, ChatbotAgentRouterAndSenderServeOnACluster) {
  auto cluster = testing::RedisCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::string url = (*cluster)->seed_url();
  const std::string dir = testing::MakeTempDir();
  ASSERT_TRUE(
      testing::WriteFile(dir + "/omnigate.yaml",
                         absl::StrCat("ingest:\n  partitions: ", kPartitions,
                                      "\nchatbot:\n  faq_file: ", OMNIGATE_SOURCE_DIR,
                                      "/deploy/local/faq.yaml\n  conversations_addr: 127.0.0.1:9\n"
                                      "agent_router:\n  conversations_addr: 127.0.0.1:9\n"
                                      "connectors:\n  - name: tg\n    channel: telegram\n"
                                      "    secret: s3cret\n    outbound:\n"
                                      "      api_base_url: http://127.0.0.1:9\n"
                                      "      token: \"999:X\"\n"
                                      "sender:\n  lease_ttl: 2s\n  lease_renew: 500ms\n"))
          .ok());
  std::vector<std::unique_ptr<testing::ChildProcess>> services;
  for (const char* name : {"omnigate-chatbot", "omnigate-agent-router", "omnigate-sender"}) {
    const int port = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath(name), "--config", dir + "/omnigate.yaml", "--redis", url,
         absl::StrCat("--grpc_addr=127.0.0.1:", port), "--metrics_addr=127.0.0.1:0"},
        absl::StrCat(dir, "/", name, ".log"));
    ASSERT_TRUE(proc.ok()) << proc.status();
    EXPECT_TRUE(testing::WaitForHealth(port, /*SERVING=*/1, absl::Seconds(20)))
        << name << ":\n"
        << (*proc)->ReadLog();
    services.push_back(*std::move(proc));
  }
  for (auto& service : services) {
    EXPECT_EQ(service->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0) << service->ReadLog();
  }
}

}  // namespace
}  // namespace omnigate
