// Crash loops: kill -9 of ingest every 2 s under a webhook load with retrying
// clients, and of one of two dispatchers every 2 s under delivery. Nothing
// acknowledged may be lost or stored twice; per-conversation order holds.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/faults/fault_harness.h"
#include "tests/support/recording_sink.h"

namespace omnigate::faults {
namespace {

TEST(CrashLoopTest, IngestKilledEveryTwoSecondsLosesAndDuplicatesNothing) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string dir = testing::MakeTempDir();
  const std::string config = WriteConfig(dir, "127.0.0.1:1", "127.0.0.1:2", "");
  IngestProcess ingest(config, (*redis)->url(), dir);
  ASSERT_TRUE(ingest.Start());
  ASSERT_TRUE(ingest.WaitReady(absl::Seconds(10)));

  const absl::Duration run = Scaled(absl::Seconds(7), absl::Seconds(60));
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<int> retries{0}, abandoned{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string wamid = absl::StrCat("wamid.crash.", t, ".", i);
        const std::string body =
            WhatsAppBody(wamid, absl::StrCat("62811", t, i % 50), absl::StrCat("m", i));
        const int attempts = PostUntilAccepted(ingest.http_port(), body, 200);
        if (attempts == 0) {
          ++abandoned;
          continue;
        }
        retries += attempts - 1;
        std::lock_guard<std::mutex> lock(mu);
        acknowledged.insert(wamid);
      }
    });
  }
  int kills = 0;
  const absl::Time end = absl::Now() + run;
  while (absl::Now() < end) {
    absl::SleepFor(absl::Seconds(2));
    ASSERT_EQ(ingest.Kill(), 128 + SIGKILL);
    ++kills;
    ASSERT_TRUE(ingest.Start());
  }
  ASSERT_TRUE(ingest.WaitReady(absl::Seconds(10)));
  stop.store(true);
  for (auto& c : clients) c.join();

  const auto stored = StoredExternalIds((*redis)->url());
  size_t missing = 0, doubled = 0;
  for (const auto& id : acknowledged) {
    auto it = stored.find(id);
    if (it == stored.end()) ++missing;
  }
  for (const auto& [id, n] : stored) doubled += n > 1 ? 1 : 0;
  EXPECT_GT(acknowledged.size(), 100u);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(doubled, 0u);
  EXPECT_EQ(abandoned.load(), 0);
  Report("ingest kill -9 every 2 s",
         absl::StrCat(kills, " kills, ", acknowledged.size(), " requests answered 200, ",
                      retries.load(), " client retries, ", missing, " lost, ", doubled,
                      " stored twice, ", stored.size() - acknowledged.size(),
                      " stored but unanswered (client gave the answer up to a kill)"));
}

TEST(CrashLoopTest, OneOfTwoDispatchersKilledEveryTwoSecondsKeepsOrderAndLosesNothing) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto sink = testing::SinkServer::Start();
  ASSERT_TRUE(sink.ok());
  (*sink)->sink().SetDelay(absl::Milliseconds(5));
  const std::string dir = testing::MakeTempDir();
  const std::string config =
      WriteConfig(dir, (*sink)->address(), "127.0.0.1:2",
                  "dispatcher:\n  lease_ttl: 1s\n  lease_renew: 250ms\n  batch_events: 10\n"
                  "  backoff_initial: 20ms\n  backoff_max: 200ms\n  max_attempts: 100\n");
  IngestProcess ingest(config, (*redis)->url(), dir);
  ASSERT_TRUE(ingest.Start());
  ASSERT_TRUE(ingest.WaitReady(absl::Seconds(10)));
  auto start_dispatcher = [&](const std::string& id) {
    return StartDispatcher(config, (*redis)->url(), dir, id);
  };
  auto survivor = start_dispatcher("survivor");
  auto victim = start_dispatcher("victim");

  const int conversations = 200;
  // About 8 s of traffic (60 s in the long form): several kills land mid-run.
  const int each = ScaledCount(160, 1200);
  auto stub = omnigate::v1::Ingest::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ingest.grpc_port()), grpc::InsecureChannelCredentials()));
  std::thread producer(
      [&] { EXPECT_TRUE(PublishRounds(*stub, conversations, each, absl::Milliseconds(50))); });
  const size_t total = static_cast<size_t>(conversations) * each;
  int kills = 0;
  while ((*sink)->sink().distinct_count() < total * 9 / 10 && kills < 60) {
    absl::SleepFor(absl::Seconds(2));
    ASSERT_EQ(victim->Signal(SIGKILL, absl::Seconds(5)).value_or(-1), 128 + SIGKILL);
    ++kills;
    victim = start_dispatcher("victim");
  }
  producer.join();
  ASSERT_TRUE(WaitFor([&] { return (*sink)->sink().distinct_count() >= total; }, absl::Seconds(60)))
      << (*sink)->sink().distinct_count() << " of " << total;
  // Per conversation, first deliveries in publish order.
  const Arrivals arrivals = Analyze((*sink)->sink().events());
  ASSERT_TRUE(InPublishOrder(arrivals, conversations, each));
  const size_t repeats = arrivals.repeats;
  EXPECT_GE(kills, 2);
  Report("dispatcher kill -9 every 2 s (1 of 2)",
         absl::StrCat(kills, " kills, ", total, " events, 0 lost, order kept, ", repeats,
                      " redelivered (", absl::StrFormat("%.2f", 100.0 * repeats / total), "%)"));
  EXPECT_EQ(survivor->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

TEST(DrainTest, SigtermOfOneOfTwoDispatchersUnderLoadHandsOverWithoutRepeats) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto sink = testing::SinkServer::Start();
  ASSERT_TRUE(sink.ok());
  (*sink)->sink().SetDelay(absl::Milliseconds(5));
  const std::string dir = testing::MakeTempDir();
  const std::string config =
      WriteConfig(dir, (*sink)->address(), "127.0.0.1:2",
                  "dispatcher:\n  lease_ttl: 2s\n  lease_renew: 250ms\n  batch_events: 10\n");
  IngestProcess ingest(config, (*redis)->url(), dir);
  ASSERT_TRUE(ingest.Start());
  ASSERT_TRUE(ingest.WaitReady(absl::Seconds(10)));
  auto spawn = [&](const std::string& id) {
    return StartDispatcher(config, (*redis)->url(), dir, id);
  };
  auto stays = spawn("stays");
  auto leaves = spawn("leaves");
  ASSERT_TRUE(WaitFor(
      [&] {
        std::set<std::string> owners;
        for (int p = 0; p < kPartitions; ++p)
          owners.insert(
              (*redis)->Cli({"GET", absl::StrCat("omnigate:lease:{", p, "}")}).value_or(""));
        return owners.count("stays") == 1 && owners.count("leaves") == 1;
      },
      absl::Seconds(20)));
  auto stub = omnigate::v1::Ingest::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ingest.grpc_port()), grpc::InsecureChannelCredentials()));
  const int conversations = 100, each = 60;
  std::thread producer(
      [&] { EXPECT_TRUE(PublishRounds(*stub, conversations, each, absl::Milliseconds(30))); });
  const size_t total = static_cast<size_t>(conversations) * each;
  ASSERT_TRUE(
      WaitFor([&] { return (*sink)->sink().distinct_count() >= total / 3; }, absl::Seconds(30)));
  const absl::Time signalled = absl::Now();
  auto status = leaves->Signal(SIGTERM, absl::Seconds(10));
  const absl::Duration exited_after = absl::Now() - signalled;
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, 0);
  EXPECT_LT(exited_after, absl::Seconds(5));
  producer.join();
  ASSERT_TRUE(
      WaitFor([&] { return (*sink)->sink().distinct_count() >= total; }, absl::Seconds(30)));
  // A graceful hand-over finishes and acknowledges what was sent: the sink
  // sees every event once, in order.
  const Arrivals arrivals = Analyze((*sink)->sink().events());
  const size_t repeats = arrivals.repeats;
  EXPECT_EQ(repeats, 0u);
  ASSERT_TRUE(InPublishOrder(arrivals, conversations, each));
  // The leases were handed back at once, not left to expire.
  for (int p = 0; p < kPartitions; ++p)
    EXPECT_EQ((*redis)->Cli({"GET", absl::StrCat("omnigate:lease:{", p, "}")}).value_or(""),
              "stays");
  Report("dispatcher SIGTERM under load (1 of 2)",
         absl::StrCat("exit 0 after ", absl::FormatDuration(exited_after), ", ", total,
                      " events, 0 lost, order kept, ", repeats, " delivered twice"));
  EXPECT_EQ(stays->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

}  // namespace
}  // namespace omnigate::faults
