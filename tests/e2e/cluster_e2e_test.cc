// The gateway on a real Redis Cluster (3 masters, each with replicas): the
// real omnigate-ingest, omnigate-dispatcher and omnigatectl given a
// redis-cluster:// URL, recording Sink servers over gRPC. Dead letters and
// replay work; signed webhooks acknowledged (with redis_wait_replicas: 1 for
// the kill) survive a master's kill -9 and a slot migration under load, and
// are delivered once each, in order. (Plain fan-out order on a cluster:
// cluster_services_e2e_test.)

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/queue/keys.h"
#include "lib/redis/cluster_slot.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/support/arrivals.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/recording_sink.h"
#include "tests/support/redis_cluster.h"
#include "tests/support/redis_server.h"
#include "tests/support/wait.h"
#include "tests/support/whatsapp_webhook.h"

namespace omnigate {
namespace {

using omnigate::v1::Event;
using ::testing::HasSubstr;
using testing::VisitorConversation;
using testing::WaitFor;

constexpr int kPartitions = 16;
constexpr char kMetaSecret[] = "cluster-e2e-meta-secret";

class ClusterE2ETest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) {
      for (auto* p : {ingest_.get(), dispatcher_.get()}) {
        if (p != nullptr) ADD_FAILURE() << p->ReadLog();
      }
    }
    dispatcher_.reset();
    ingest_.reset();
  }

  void Start(int replicas_per_master, int wait_replicas, const std::string& dispatcher_yaml = "") {
    testing::RedisCluster::Options options;
    options.replicas_per_master = replicas_per_master;
    auto cluster = testing::RedisCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    auto bot = testing::SinkServer::Start();
    auto agents = testing::SinkServer::Start();
    ASSERT_TRUE(bot.ok() && agents.ok());
    bot_ = *std::move(bot);
    agents_ = *std::move(agents);
    dir_ = testing::MakeTempDir();
    // Leases of 2 s, shorter than a failover (2-3 s): the dispatcher loses
    // them when a master dies, and renewals answered late must not leave a
    // partition held with no worker reading it (Dispatcher::EnsureWorking).
    ASSERT_TRUE(
        testing::WriteFile(
            dir_ + "/omnigate.yaml",
            absl::StrCat("redis_wait_replicas: ", wait_replicas, R"(
redis_wait_timeout_ms: 500
connectors:
  - name: wa-main
    channel: whatsapp
    secret: ${E2E_META_SECRET}
sinks:
  - name: chatbot
    address: )",
                         bot_->address(),
                         "\n  - name: agent-router\n    address: ", agents_->address(), R"(
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: )",
                         kPartitions, "\ndispatcher:\n  lease_ttl: 2s\n  lease_renew: 500ms\n",
                         dispatcher_yaml))
            .ok());
    http_port_ = testing::PickFreePort();
    grpc_port_ = testing::PickFreePort();
    auto ingest = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-ingest"), "--config", dir_ + "/omnigate.yaml", "--redis",
         cluster_->seed_url(), absl::StrCat("--http_addr=127.0.0.1:", http_port_),
         absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port_), "--metrics_addr=127.0.0.1:0"},
        dir_ + "/ingest.log", {absl::StrCat("E2E_META_SECRET=", kMetaSecret)});
    ASSERT_TRUE(ingest.ok()) << ingest.status();
    ingest_ = *std::move(ingest);
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = testing::HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Seconds(1));
          return r.ok() && r->status == 200;
        },
        absl::Seconds(20)))
        << ingest_->ReadLog();
    ingest_stub_ = omnigate::v1::Ingest::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
    dispatcher_port_ = testing::PickFreePort();
    auto dispatcher = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-dispatcher"), "--config", dir_ + "/omnigate.yaml", "--redis",
         cluster_->seed_url(), absl::StrCat("--grpc_addr=127.0.0.1:", dispatcher_port_),
         "--metrics_addr=127.0.0.1:0", "--instance_id", "d1"},
        dir_ + "/dispatcher.log", {absl::StrCat("E2E_META_SECRET=", kMetaSecret)});
    ASSERT_TRUE(dispatcher.ok()) << dispatcher.status();
    dispatcher_ = *std::move(dispatcher);
  }

  void Publish(const std::vector<Event>& events) {
    for (size_t start = 0; start < events.size(); start += 100) {
      omnigate::v1::PublishRequest request;
      for (size_t i = start; i < std::min(events.size(), start + 100); ++i) {
        *request.add_events() = events[i];
      }
      // UNAVAILABLE means "retry", as for any client (dedupe absorbs a
      // repeat): right after start a cluster may still be settling.
      grpc::Status status;
      const absl::Time give_up = absl::Now() + absl::Seconds(10);
      do {
        omnigate::v1::PublishResponse response;
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        status = ingest_stub_->Publish(&context, request, &response);
        if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
        std::printf("Publish UNAVAILABLE, retrying: %s\n", status.error_message().c_str());
        absl::SleepFor(absl::Milliseconds(100));
      } while (absl::Now() < give_up);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }

  std::string Ctl(const std::string& args) {
    const std::string out = dir_ + "/ctl.out";
    const std::string command =
        absl::StrCat(testing::BinaryPath("omnigatectl"), " --redis ", cluster_->seed_url(),
                     " --dispatcher 127.0.0.1:", dispatcher_port_, " --partitions ", kPartitions,
                     " ", args, " > ", out, " 2>&1");
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    auto text = testing::ReadFile(out);
    return text.ok() ? *text : "";
  }

  // The master port of every partition's stream.
  std::set<int> MastersOfPartitions() {
    std::set<int> out;
    for (int p = 0; p < kPartitions; ++p) {
      auto port = cluster_->MasterOfSlot(redis::KeySlot(queue::StreamKey(p)));
      if (port.ok()) out.insert(*port);
    }
    return out;
  }

  // Per partition: where its stream lives, its length and the chatbot
  // group's view (for a failure message).
  std::string GroupsReport() {
    std::string out;
    for (int p = 0; p < kPartitions; ++p) {
      auto port = cluster_->MasterOfSlot(redis::KeySlot(queue::StreamKey(p)));
      if (!port.ok()) continue;
      auto len = cluster_->Run(*port, {"XLEN", queue::StreamKey(p)});
      auto groups = cluster_->Run(*port, {"XINFO", "GROUPS", queue::StreamKey(p)});
      absl::StrAppend(&out, "partition ", p, " on ", *port, ": XLEN ", len.value_or("?"),
                      "; groups ", groups.value_or("?"), "\n");
    }
    return out;
  }

  // A customer writing N messages one after the other, as a channel does:
  // a 503 is retried (same message id) until 200 or the deadline.
  struct Load {
    std::atomic<bool> stop{false};
    std::atomic<int> refused{0};
    std::map<std::string, std::vector<std::string>> acked;  // customer -> bodies
    absl::Time first_refusal = absl::InfiniteFuture();
    absl::Time last_refusal = absl::InfinitePast();
  };

  void RunLoad(Load* load, int customers) {
    for (int i = 0; !load->stop.load() && i < 20000; ++i) {
      const std::string customer = absl::StrCat("62812", 1000000 + i % customers);
      const std::string body = absl::StrCat("m", i);
      const std::string webhook =
          testing::WhatsAppTextWebhook(customer, absl::StrCat("wamid.load-", i), body);
      const absl::Time give_up = absl::Now() + absl::Seconds(30);
      while (absl::Now() < give_up) {
        auto status = testing::PostSignedWhatsApp(http_port_, "wa-main", kMetaSecret, webhook);
        if (status.ok() && *status == 200) {
          load->acked[customer].push_back(body);
          break;
        }
        ++load->refused;
        if (load->first_refusal == absl::InfiniteFuture()) load->first_refusal = absl::Now();
        load->last_refusal = absl::Now();
        absl::SleepFor(absl::Milliseconds(50));
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  }

  // Every acknowledged message delivered to the bot exactly once per body
  // (repeats of an event id aside) and in each customer's order.
  void ExpectDeliveredInOrder(const Load& load) {
    size_t want = 0;
    for (const auto& [customer, bodies] : load.acked) want += bodies.size();
    ASSERT_TRUE(WaitFor([&] { return bot_->sink().distinct_count() >= want; }, absl::Seconds(60)))
        << bot_->sink().distinct_count() << " of " << want << "\n"
        << GroupsReport();
    std::map<std::string, std::vector<std::string>> seen;  // customer -> first deliveries
    std::set<std::string> ids;
    for (const Event& e : bot_->sink().events()) {
      if (!e.has_text() || !ids.insert(e.id()).second) continue;
      seen[e.sender().id()].push_back(e.text().body());
    }
    for (const auto& [customer, bodies] : load.acked) {
      std::map<std::string, int> count;
      for (const auto& b : seen[customer]) ++count[b];
      size_t at = 0;
      const std::vector<std::string>& got = seen[customer];
      for (const std::string& body : bodies) {
        EXPECT_EQ(count[body], 1) << customer << " " << body;
        while (at < got.size() && got[at] != body) ++at;
        ASSERT_LT(at, got.size()) << customer << " " << body << " missing or out of order";
      }
    }
  }

  std::unique_ptr<testing::RedisCluster> cluster_;
  std::unique_ptr<testing::SinkServer> bot_;
  std::unique_ptr<testing::SinkServer> agents_;
  std::unique_ptr<testing::ChildProcess> ingest_;
  std::unique_ptr<testing::ChildProcess> dispatcher_;
  std::unique_ptr<omnigate::v1::Ingest::Stub> ingest_stub_;
  std::string dir_;
  int http_port_ = 0;
  int grpc_port_ = 0;
  int dispatcher_port_ = 0;
};

TEST_F(ClusterE2ETest, DeadLettersAreListedAndReplayedOnACluster) {
  ASSERT_NO_FATAL_FAILURE(Start(1, 0,
                                "  backoff_initial: 20ms\n  backoff_max: 100ms\n"
                                "  max_attempts: 3\n"));
  bot_->sink().SetPoison("POISON", grpc::StatusCode::UNAVAILABLE);
  ASSERT_NO_FATAL_FAILURE(
      Publish({testing::SeqMessage(1, 0), testing::SeqMessage(1, 1, "POISON"),
               testing::SeqMessage(1, 2), testing::SeqMessage(2, 0), testing::SeqMessage(2, 1)}));
  ASSERT_TRUE(WaitFor([&] { return bot_->sink().distinct_count() == 4; }, absl::Seconds(30)));
  ASSERT_TRUE(WaitFor([&] { return Ctl("dlq list").find("POISON") != std::string::npos; },
                      absl::Seconds(20)));
  bot_->sink().SetPoison("", grpc::StatusCode::OK);
  EXPECT_THAT(Ctl(absl::StrCat("dlq replay --conversation ", VisitorConversation(1))),
              HasSubstr("{\"replayed\":1}"));
  ASSERT_TRUE(WaitFor([&] { return bot_->sink().distinct_count() == 5; }, absl::Seconds(20)));
  EXPECT_EQ(Ctl("dlq list"), "");
}

// kill -9 of the master serving the most partitions while signed webhooks
// keep coming, with redis_wait_replicas: 1 (two replicas per master, so the
// promoted one still has a replica to confirm to).
TEST_F(ClusterE2ETest, AcknowledgedWebhooksSurviveAMasterKill) {
  ASSERT_NO_FATAL_FAILURE(Start(/*replicas_per_master=*/2, /*wait_replicas=*/1));
  std::map<int, int> partitions_per_master;
  for (int p = 0; p < kPartitions; ++p) {
    auto port = cluster_->MasterOfSlot(redis::KeySlot(queue::StreamKey(p)));
    ASSERT_TRUE(port.ok());
    ++partitions_per_master[*port];
  }
  const int victim = std::max_element(partitions_per_master.begin(), partitions_per_master.end(),
                                      [](auto& a, auto& b) { return a.second < b.second; })
                         ->first;
  Load load;
  std::thread producer([&] { RunLoad(&load, /*customers=*/40); });
  absl::SleepFor(absl::Seconds(1));
  const absl::Time killed = absl::Now();
  ASSERT_TRUE(cluster_->Kill(victim).ok());
  ASSERT_TRUE(cluster_->WaitForFailover(victim).ok());
  const absl::Time failed_over = absl::Now();
  absl::SleepFor(absl::Seconds(2));
  load.stop = true;
  producer.join();
  size_t acked = 0;
  for (const auto& [c, b] : load.acked) acked += b.size();
  std::printf(
      "master kill under webhook load: %zu acknowledged, %d answered 503 (retried), failover "
      "%.0f ms, last 503 %.0f ms after the kill\n",
      acked, load.refused.load(), absl::ToDoubleMilliseconds(failed_over - killed),
      load.last_refusal > killed ? absl::ToDoubleMilliseconds(load.last_refusal - killed) : 0.0);
  ASSERT_NO_FATAL_FAILURE(ExpectDeliveredInOrder(load));
}

TEST_F(ClusterE2ETest, AcknowledgedWebhooksSurviveASlotMigration) {
  ASSERT_NO_FATAL_FAILURE(Start(/*replicas_per_master=*/1, /*wait_replicas=*/0));
  // Partition of the first customer's conversation is busiest; move a
  // partition's slot while webhooks come.
  const int slot = redis::KeySlot(queue::StreamKey(3));
  auto from = cluster_->MasterOfSlot(slot);
  ASSERT_TRUE(from.ok());
  int to = 0;
  for (int port : MastersOfPartitions()) {
    if (port != *from) to = port;
  }
  ASSERT_NE(to, 0);
  Load load;
  std::thread producer([&] { RunLoad(&load, /*customers=*/40); });
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE(cluster_->MigrateSlot(slot, to).ok());
  absl::SleepFor(absl::Seconds(1));
  load.stop = true;
  producer.join();
  auto now_at = cluster_->MasterOfSlot(slot);
  ASSERT_TRUE(now_at.ok());
  EXPECT_EQ(*now_at, to);
  size_t acked = 0;
  for (const auto& [c, b] : load.acked) acked += b.size();
  std::printf("slot migration under webhook load: %zu acknowledged, %d answered 503\n", acked,
              load.refused.load());
  ASSERT_NO_FATAL_FAILURE(ExpectDeliveredInOrder(load));
}

}  // namespace
}  // namespace omnigate
