// Redis faults under load: graceful restart (SHUTDOWN) and kill -9 with AOF
// always and everysec. Every event acknowledged by ingest must survive a
// restart and a kill with `always`; with `everysec` the loss window is
// measured. Ingest and the dispatcher must recover by themselves and the
// consumer groups must survive.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/queue/keys.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/faults/fault_harness.h"
#include "tests/support/recording_sink.h"

namespace omnigate::faults {
namespace {

enum class Fault { kShutdown, kKill };

struct Outcome {
  size_t acknowledged = 0;
  size_t lost = 0;
  size_t delivered = 0;
  int failed_publishes = 0;
  int64_t dead_letters_before = 0;
  int64_t dead_letters_after = 0;
};

// Dead letters in every partition's dead-letter stream.
int64_t DeadLetters(testing::RedisServer& redis) {
  int64_t total = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    int64_t n = 0;
    auto len = redis.Cli({"XLEN", queue::DeadLetterKey(p)});
    if (len.ok() && absl::SimpleAtoi(*len, &n)) total += n;
  }
  return total;
}

// Publishes unique events in a loop while Redis is stopped once and started
// again; returns what was acknowledged and what survived.
Outcome RunFault(const std::string& appendfsync, Fault fault) {
  Outcome out;
  testing::RedisServer::Options options;
  options.appendonly = true;
  options.appendfsync = appendfsync;
  auto redis = testing::RedisServer::Start(options);
  EXPECT_TRUE(redis.ok()) << redis.status();
  if (!redis.ok()) return out;
  auto sink = testing::SinkServer::Start();
  EXPECT_TRUE(sink.ok());
  const std::string dir = testing::MakeTempDir();
  const std::string config =
      WriteConfig(dir, (*sink)->address(), "127.0.0.1:2",
                  "dispatcher:\n  lease_ttl: 2s\n  lease_renew: 500ms\n  backoff_initial: 20ms\n"
                  "  backoff_max: 200ms\n  max_attempts: 100\n");
  IngestProcess ingest(config, (*redis)->url(), dir);
  EXPECT_TRUE(ingest.Start());
  EXPECT_TRUE(ingest.WaitReady(absl::Seconds(10)));
  auto dispatcher = StartDispatcher(config, (*redis)->url(), dir, "d1");
  EXPECT_TRUE(dispatcher != nullptr);

  auto stub = omnigate::v1::Ingest::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ingest.grpc_port()), grpc::InsecureChannelCredentials()));
  // One event the sink refuses for good: a dead letter that must survive.
  (*sink)->sink().SetPoison("poison", grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(WaitFor(
      [&] {
        omnigate::v1::PublishRequest request;
        auto* e = request.add_events();
        e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
        e->set_conversation_key("webchat:site:poison");
        e->set_external_id("poison-1");
        e->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
        e->mutable_text()->set_body("poison");
        omnigate::v1::PublishResponse response;
        grpc::ClientContext context;
        return stub->Publish(&context, request, &response).ok();
      },
      absl::Seconds(10)));
  EXPECT_TRUE(WaitFor([&] { return DeadLetters(**redis) == 1; }, absl::Seconds(10)));
  out.dead_letters_before = DeadLetters(**redis);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<int> failures{0};
  std::thread producer([&] {
    for (int i = 0; !stop.load(); ++i) {
      omnigate::v1::PublishRequest request;
      auto* e = request.add_events();
      e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
      e->set_conversation_key(absl::StrCat("webchat:site:", i % 50));
      e->set_external_id(absl::StrCat("r", i));
      e->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
      e->mutable_text()->set_body("x");
      omnigate::v1::PublishResponse response;
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
      if (stub->Publish(&context, request, &response).ok()) {
        std::lock_guard<std::mutex> lock(mu);
        acknowledged.insert(e->external_id());
      } else {
        ++failures;
        absl::SleepFor(absl::Milliseconds(10));
      }
    }
  });
  absl::SleepFor(Scaled(absl::Milliseconds(1500), absl::Seconds(15)));
  EXPECT_TRUE(fault == Fault::kShutdown ? (*redis)->Stop().ok() : (*redis)->Kill().ok());
  // While Redis is away ingest answers errors (never OK) and is not ready.
  EXPECT_TRUE(WaitFor([&] { return !ingest.Ready(); }, absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_TRUE((*redis)->Restart().ok());
  EXPECT_TRUE(ingest.WaitReady(absl::Seconds(15)));
  absl::SleepFor(Scaled(absl::Milliseconds(1500), absl::Seconds(15)));
  stop.store(true);
  producer.join();

  const auto stored = StoredExternalIds((*redis)->url());
  for (const auto& id : acknowledged) out.lost += stored.count(id) == 0 ? 1 : 0;
  out.acknowledged = acknowledged.size();
  out.failed_publishes = failures.load();
  // Delivery resumes by itself; everything stored reaches the sink.
  const size_t deliverable = stored.size() - stored.count("poison-1");
  EXPECT_TRUE(
      WaitFor([&] { return (*sink)->sink().distinct_count() >= deliverable; }, absl::Seconds(30)))
      << (*sink)->sink().distinct_count() << " of " << deliverable;
  out.delivered = (*sink)->sink().distinct_count();
  // The consumer group survived (or was recreated at 0, which would
  // redeliver everything: the sink would see far more than stored).
  auto groups = (*redis)->Cli({"XINFO", "GROUPS", "omnigate:stream:{0}"});
  EXPECT_TRUE(groups.ok() && groups->find("chatbot") != std::string::npos);
  out.dead_letters_after = DeadLetters(**redis);
  EXPECT_EQ(out.dead_letters_after, out.dead_letters_before) << "dead letters intact";
  if (dispatcher != nullptr) {
    EXPECT_EQ(dispatcher->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
  }
  return out;
}

TEST(RedisFaultTest, GracefulRestartLosesNothing) {
  const Outcome o = RunFault("everysec", Fault::kShutdown);
  EXPECT_GT(o.acknowledged, 50u);
  EXPECT_EQ(o.lost, 0u);
  Report("redis SHUTDOWN + restart (AOF everysec)",
         absl::StrCat(o.acknowledged, " acknowledged, ", o.lost, " lost, ", o.failed_publishes,
                      " publishes refused while down, ", o.delivered,
                      " delivered after, dead letters ", o.dead_letters_before, " before and ",
                      o.dead_letters_after, " after"));
}

TEST(RedisFaultTest, KillWithAofAlwaysLosesNothingAcknowledged) {
  const Outcome o = RunFault("always", Fault::kKill);
  EXPECT_GT(o.acknowledged, 50u);
  EXPECT_EQ(o.lost, 0u);
  Report("redis kill -9 + restart (AOF always)",
         absl::StrCat(o.acknowledged, " acknowledged, ", o.lost, " lost, ", o.failed_publishes,
                      " publishes refused while down, ", o.delivered,
                      " delivered after, dead letters ", o.dead_letters_before, " before and ",
                      o.dead_letters_after, " after"));
}

TEST(RedisFaultTest, KillWithAofEverysecLosesAtMostAboutOneSecond) {
  const Outcome o = RunFault("everysec", Fault::kKill);
  EXPECT_GT(o.acknowledged, 50u);
  // fsync once a second: at most the last second of writes may go. The
  // producer is sequential, so one second is bounded by its rate; a loss of
  // more than half of everything would mean the AOF was not used at all.
  EXPECT_LT(o.lost, o.acknowledged / 2);
  Report("redis kill -9 + restart (AOF everysec)",
         absl::StrCat(o.acknowledged, " acknowledged, ", o.lost, " lost (the everysec window), ",
                      o.failed_publishes, " publishes refused while down, ", o.delivered,
                      " delivered after, dead letters ", o.dead_letters_before, " before and ",
                      o.dead_letters_after, " after"));
}

}  // namespace
}  // namespace omnigate::faults
