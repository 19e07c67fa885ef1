// Replicated acknowledgement end to end (redis_wait_replicas: 1) on a real
// master + replica; the replica is paused with SIGSTOP to stand for a lagging
// or partitioned one.
// - omnigate-ingest: a signed webhook is answered 200 only once the replica
//   has the event; while the replica is paused the answer is 503 and the
//   channel retries; after it resumes the retry is answered 200 and the event
//   is stored exactly once.
// - omnigate-dispatcher: Outbound.Send (pooled connection) the same way.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/queue/keys.h"
#include "lib/queue/stream_reader.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/integration/replica_pair.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/whatsapp_webhook.h"

namespace omnigate {
namespace {

using ::testing::HasSubstr;

constexpr char kMetaSecret[] = "replicated-ack-meta-secret";
constexpr uint32_t kPartitions = 4;
constexpr int kWaitTimeoutMs = 1000;

class ReplicatedAckE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = testing::ReplicaPair::Start();
    ASSERT_TRUE(pair.ok()) << pair.status();
    pair_ = *std::move(pair);
    dir_ = testing::MakeTempDir();
    // Nothing listens on the sinks: these tests never deliver.
    ASSERT_TRUE(testing::WriteFile(dir_ + "/omnigate.yaml",
                                   absl::StrCat("redis_wait_replicas: 1\n",
                                                "redis_wait_timeout_ms: ", kWaitTimeoutMs, R"(
connectors:
  - name: wa-main
    channel: whatsapp
    secret: ${E2E_META_SECRET}
sinks:
  - name: chatbot
    address: 127.0.0.1:9
  - name: agent-router
    address: 127.0.0.1:9
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: )",
                                                kPartitions, "\n"))
                    .ok());
  }

  void TearDown() override {
    // Resume first: a stopped replica must not outlive a failed assertion.
    if (pair_ != nullptr) pair_->Resume().IgnoreError();
    if (HasFailure() && pair_ != nullptr) {
      for (testing::RedisServer* server : {&pair_->master(), &pair_->replica()}) {
        auto log = testing::ReadFile(server->dir() + "/redis.log");
        ADD_FAILURE() << "redis on port " << server->port() << ":\n" << log.value_or("");
      }
      for (const auto* proc : {ingest_.get(), dispatcher_.get()}) {
        if (proc != nullptr) ADD_FAILURE() << proc->ReadLog();
      }
    }
    ingest_.reset();
    dispatcher_.reset();
  }

  void StartIngest() {
    http_port_ = testing::PickFreePort();
    grpc_port_ = testing::PickFreePort();
    metrics_port_ = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-ingest"), "--config", dir_ + "/omnigate.yaml", "--redis",
         pair_->master().url(), absl::StrCat("--http_addr=127.0.0.1:", http_port_),
         absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port_),
         absl::StrCat("--metrics_addr=127.0.0.1:", metrics_port_)},
        dir_ + "/ingest.log", {absl::StrCat("E2E_META_SECRET=", kMetaSecret)});
    ASSERT_TRUE(proc.ok()) << proc.status();
    ingest_ = *std::move(proc);
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          auto r = testing::HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Seconds(1));
          return r.ok() && r->status == 200;
        },
        absl::Seconds(15)));
  }

  std::unique_ptr<omnigate::v1::Outbound::Stub> StartDispatcher() {
    const int port = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-dispatcher"), "--config", dir_ + "/omnigate.yaml", "--redis",
         pair_->master().url(), absl::StrCat("--grpc_addr=127.0.0.1:", port),
         "--metrics_addr=127.0.0.1:0", "--instance_id", "d1"},
        dir_ + "/dispatcher.log", {absl::StrCat("E2E_META_SECRET=", kMetaSecret)});
    EXPECT_TRUE(proc.ok()) << proc.status();
    if (proc.ok()) dispatcher_ = *std::move(proc);
    return omnigate::v1::Outbound::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  // Signed POST; the HTTP status and how long the answer took.
  std::pair<int, absl::Duration> Post(const std::string& body) {
    const absl::Time start = absl::Now();
    auto status = testing::PostSignedWhatsApp(http_port_, "wa-main", kMetaSecret, body);
    EXPECT_TRUE(status.ok()) << status.status();
    return {status.ok() ? *status : 0, absl::Now() - start};
  }

  // Events in the partitioned streams `key_of` on `server` that `match`.
  int CountStored(testing::RedisServer& server, const std::function<bool(const v1::Event&)>& match,
                  const std::function<std::string(uint32_t)>& key_of = queue::StreamKey) {
    auto conn = redis::RedisConnection::Connect(*redis::ParseRedisUrl(server.url()),
                                                absl::Seconds(1), absl::Seconds(5));
    EXPECT_TRUE(conn.ok()) << conn.status();
    if (!conn.ok()) return -1;
    queue::StreamReader reader(conn->get());
    auto events = reader.Latest(kPartitions, -1, 1000, key_of);
    EXPECT_TRUE(events.ok()) << events.status();
    if (!events.ok()) return -1;
    int n = 0;
    for (const auto& e : *events) n += match(e.event) ? 1 : 0;
    return n;
  }
  static std::function<bool(const v1::Event&)> ExternalId(const std::string& id) {
    return [id](const v1::Event& e) { return e.external_id() == id; };
  }

  std::unique_ptr<testing::ReplicaPair> pair_;
  std::unique_ptr<testing::ChildProcess> ingest_;
  std::unique_ptr<testing::ChildProcess> dispatcher_;
  std::string dir_;
  int http_port_ = 0;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
};

TEST_F(ReplicatedAckE2ETest, WebhookIs503WhileTheReplicaLagsAndTheRetryIsStoredOnce) {
  ASSERT_NO_FATAL_FAILURE(StartIngest());
  // A live replica: 200, and the replica already has the event.
  const std::string first = testing::WhatsAppTextWebhook("6281200000001", "wamid.ack-1", "halo");
  auto [status, took] = Post(first);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(CountStored(pair_->replica(), ExternalId("wamid.ack-1")), 1);

  // Replica paused: written on the master, not acknowledged.
  ASSERT_TRUE(pair_->Pause().ok());
  const std::string second =
      testing::WhatsAppTextWebhook("6281200000002", "wamid.ack-2", "apa kabar");
  std::tie(status, took) = Post(second);
  EXPECT_EQ(status, 503);
  EXPECT_GE(took, absl::Milliseconds(kWaitTimeoutMs - 50));
  EXPECT_LT(took, absl::Milliseconds(kWaitTimeoutMs) + absl::Seconds(2));
  // Readiness does not flap: the master is fine, only acknowledgement waits.
  auto ready = testing::HttpRequest(http_port_, "GET", "/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200);

  // gRPC producers see UNAVAILABLE the same way.
  auto stub = omnigate::v1::Ingest::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
  omnigate::v1::PublishRequest publish;
  auto* event = publish.add_events();
  event->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
  event->set_conversation_key("webchat:site1:ack");
  event->set_external_id("publish-ack-1");
  omnigate::v1::PublishResponse published;
  grpc::ClientContext paused_call;
  paused_call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  EXPECT_EQ(stub->Publish(&paused_call, publish, &published).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  // Resumed: the channel's retry of the same request is answered 200 and the
  // event exists once, on the master and on the replica.
  ASSERT_TRUE(pair_->Resume().ok());
  std::tie(status, took) = Post(second);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(CountStored(pair_->master(), ExternalId("wamid.ack-2")), 1);
  EXPECT_EQ(CountStored(pair_->replica(), ExternalId("wamid.ack-2")), 1);
  grpc::ClientContext resumed_call;
  resumed_call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  EXPECT_TRUE(stub->Publish(&resumed_call, publish, &published).ok());
  EXPECT_EQ(CountStored(pair_->replica(), ExternalId("publish-ack-1")), 1);

  auto metrics = testing::HttpRequest(metrics_port_, "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body,
              HasSubstr("omnigate_redis_wait_unconfirmed_total{service=\"ingest\"} 2"));
  EXPECT_THAT(metrics->body, HasSubstr("# TYPE omnigate_redis_wait_seconds histogram"));
}

TEST_F(ReplicatedAckE2ETest, OutboundSendIsUnavailableWhileTheReplicaLagsThenQueuedOnce) {
  auto outbound = StartDispatcher();
  auto send = [&](const std::string& key, omnigate::v1::SendResponse* response) {
    omnigate::v1::SendRequest request;
    v1::Event* e = request.mutable_event();
    e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e->set_connector("site");
    e->set_conversation_key("webchat:site-1:visitor-7");
    e->mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
    e->mutable_sender()->set_id("ana");
    e->mutable_recipient()->set_id("visitor-7");
    e->mutable_text()->set_body("Your order ships today.");
    e->set_idempotency_key(key);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return outbound->Send(&context, request, response);
  };
  auto with_key = [](const std::string& key) {
    return [key](const v1::Event& e) { return e.idempotency_key() == key; };
  };
  omnigate::v1::SendResponse response;
  ASSERT_TRUE(
      testing::WaitFor([&] { return send("desk:reply-1", &response).ok(); }, absl::Seconds(15)));
  EXPECT_EQ(CountStored(pair_->replica(), with_key("desk:reply-1"), queue::OutboundStreamKey), 1);

  ASSERT_TRUE(pair_->Pause().ok());
  const absl::Time start = absl::Now();
  const grpc::Status paused = send("desk:reply-2", &response);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(paused.error_code(), grpc::StatusCode::UNAVAILABLE) << paused.error_message();
  EXPECT_THAT(paused.error_message(), HasSubstr("confirmed by 0 of 1 replicas"));
  EXPECT_GE(took, absl::Milliseconds(kWaitTimeoutMs - 50));
  EXPECT_LT(took, absl::Milliseconds(kWaitTimeoutMs) + absl::Seconds(2));

  // Resumed: the caller's retry is OK and the reply is queued once.
  ASSERT_TRUE(pair_->Resume().ok());
  const grpc::Status retried = send("desk:reply-2", &response);
  EXPECT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_EQ(CountStored(pair_->master(), with_key("desk:reply-2"), queue::OutboundStreamKey), 1);
  EXPECT_EQ(CountStored(pair_->replica(), with_key("desk:reply-2"), queue::OutboundStreamKey), 1);
}

}  // namespace
}  // namespace omnigate
