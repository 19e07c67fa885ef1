// A failing or slow sink: the dispatcher holds a bounded amount of work and
// retries; ingest keeps accepting until a partition's undelivered backlog
// passes ingest.max_backlog, then refuses explicitly (RESOURCE_EXHAUSTED / 503
// with Retry-After); after the sink recovers the backlog drains (in
// per-conversation order), nothing accepted is lost, and ingest accepts again.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/faults/fault_harness.h"
#include "tests/support/http_client.h"
#include "tests/support/recording_sink.h"

namespace omnigate::faults {
namespace {

TEST(BackpressureTest, IngestShedsAtTheBacklogLimitAndTheBacklogDrainsAfterRecovery) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto sink = testing::SinkServer::Start();
  ASSERT_TRUE(sink.ok());
  (*sink)->sink().FailUntil(grpc::StatusCode::UNAVAILABLE, absl::InfiniteFuture());
  const std::string dir = testing::MakeTempDir();
  constexpr int kMaxBacklog = 200;
  const std::string config =
      WriteConfig(dir, (*sink)->address(), "127.0.0.1:2",
                  absl::StrCat("  stream_max_len: 1000\n  max_backlog: ", kMaxBacklog,
                               "\ndispatcher:\n  max_attempts: 1000\n  backoff_initial: 20ms\n"
                               "  backoff_max: 200ms\n  max_buffered_per_partition: 50\n"
                               "  lease_ttl: 2s\n  lease_renew: 500ms\n"));
  IngestProcess ingest(config, (*redis)->url(), dir);
  ASSERT_TRUE(ingest.Start());
  ASSERT_TRUE(ingest.WaitReady(absl::Seconds(10)));
  auto dispatcher = StartDispatcher(config, (*redis)->url(), dir, "d1");
  ASSERT_TRUE(dispatcher != nullptr);

  auto stub = omnigate::v1::Ingest::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ingest.grpc_port()), grpc::InsecureChannelCredentials()));
  std::set<std::string> accepted;
  int shed = 0, other = 0, next = 0;
  std::string other_error;
  auto publish = [&]() {
    omnigate::v1::PublishRequest request;
    auto* e = request.add_events();
    e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e->set_conversation_key(absl::StrCat("webchat:site:", next % 40));
    e->set_external_id(absl::StrCat("b", next++));
    e->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
    e->mutable_text()->set_body("x");
    omnigate::v1::PublishResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub->Publish(&context, request, &response);
    if (status.ok()) {
      accepted.insert(e->external_id());
    } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++shed;
    } else {
      ++other;
      other_error = status.error_message();
    }
    return status;
  };
  // The gRPC channel connects first (calls fail fast while it connects).
  ASSERT_TRUE(WaitFor([&] { return publish().ok(); }, absl::Seconds(10)))
      << other_error << "\n"
      << ingest.process()->ReadLog();
  other = 0;
  // Fill until ingest refuses (bounded in count and time).
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (shed < 100 && next < 20000 && absl::Now() < deadline) publish();
  ASSERT_GE(shed, 100) << accepted.size() << " accepted; other error: " << other_error;
  EXPECT_EQ(other, 0) << other_error;
  // What was let in is bounded by the limit per partition plus what arrives
  // within one sampling period (0.5 s) of crossing it.
  EXPECT_LT(accepted.size(), static_cast<size_t>(kPartitions) * 1000);
  // Webhooks get 503 with Retry-After for an overloaded partition.
  {
    int status = 0;
    bool retry_after = false;
    for (int i = 0; i < 40 && status != 503; ++i) {  // until its partition is one of the full ones
      const std::string b =
          WhatsAppBody(absl::StrCat("wamid.shed.", i), absl::StrCat("62811999", i), "x");
      auto r = testing::HttpRequest(
          ingest.http_port(), "POST", "/webhooks/wa-main",
          {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", MetaSignature(b)}}, b);
      ASSERT_TRUE(r.ok());
      status = r->status;
      if (status == 200) accepted.insert(absl::StrCat("wamid.shed.", i));
      for (const auto& [name, value] : r->headers) retry_after |= name == "retry-after";
    }
    EXPECT_EQ(status, 503);
    EXPECT_TRUE(retry_after);
  }
  // The dispatcher held a bounded amount of that work: its buffer is capped
  // per partition (max_buffered_per_partition: 50); the rest waits in Redis.
  EXPECT_EQ((*sink)->sink().distinct_count(), 0u);
  int metrics_port = LoggedNumber(dispatcher->ReadLog(), "metrics_port");
  const double buffered =
      ScrapeSample(metrics_port, "omnigate_dispatcher_buffered_events{sink=\"chatbot\"}");
  EXPECT_GE(buffered, 1) << "metrics port " << metrics_port;
  EXPECT_LE(buffered, kPartitions * 50);

  // Recovery: everything accepted is delivered; ingest accepts again.
  (*sink)->sink().FailUntil(grpc::StatusCode::OK, absl::InfinitePast());
  ASSERT_TRUE(WaitFor([&] { return (*sink)->sink().distinct_count() >= accepted.size(); },
                      absl::Seconds(60)))
      << (*sink)->sink().distinct_count() << " of " << accepted.size();
  ASSERT_TRUE(WaitFor([&] { return publish().ok(); }, absl::Seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return (*sink)->sink().distinct_count() >= accepted.size(); },
                      absl::Seconds(10)));
  std::set<std::string> delivered;
  for (const auto& e : (*sink)->sink().events()) delivered.insert(e.external_id());
  size_t lost = 0;
  for (const auto& id : accepted) lost += delivered.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u);
  Report("failing sink, ingest backlog limit",
         absl::StrCat("max_backlog ", kMaxBacklog, " per partition: ", accepted.size(),
                      " accepted, then ", shed,
                      " refused (RESOURCE_EXHAUSTED; webhooks 503 + "
                      "Retry-After); the dispatcher buffered ",
                      buffered, " (cap ", kPartitions * 50,
                      "); after recovery all accepted delivered (", lost,
                      " lost) and ingest accepted again"));
  EXPECT_EQ(dispatcher->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

// A sink that answers every call after 1 s: the backlog builds in Redis,
// not in the dispatcher (its buffered-events gauge stays within
// max_buffered_per_partition per partition and its memory flat) until ingest
// refuses at the backlog limit; once the sink is fast again everything
// accepted arrives, in each conversation's order.
TEST(BackpressureTest, SlowSinkKeepsTheDispatcherBoundedAndTheBacklogDrainsInOrder) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto sink = testing::SinkServer::Start();
  ASSERT_TRUE(sink.ok());
  (*sink)->sink().SetDelay(absl::Seconds(1));
  const std::string dir = testing::MakeTempDir();
  constexpr int kMaxBacklog = 200;
  constexpr int kMaxBufferedPerPartition = 50;
  constexpr int kConversations = 8;
  const std::string config = WriteConfig(
      dir, (*sink)->address(), "127.0.0.1:2",
      absl::StrCat("  stream_max_len: 1000\n  max_backlog: ", kMaxBacklog,
                   "\ndispatcher:\n  max_buffered_per_partition: ", kMaxBufferedPerPartition,
                   "\n  lease_ttl: 2s\n  lease_renew: 500ms\n"));
  IngestProcess ingest(config, (*redis)->url(), dir);
  ASSERT_TRUE(ingest.Start());
  ASSERT_TRUE(ingest.WaitReady(absl::Seconds(10)));
  auto dispatcher = StartDispatcher(config, (*redis)->url(), dir, "d1");
  ASSERT_TRUE(dispatcher != nullptr);
  int metrics_port = 0;
  ASSERT_TRUE(WaitFor(
      [&] { return (metrics_port = LoggedNumber(dispatcher->ReadLog(), "metrics_port")) > 0; },
      absl::Seconds(10)));
  const double rss_start = RssMib(dispatcher->pid());

  auto stub = omnigate::v1::Ingest::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ingest.grpc_port()), grpc::InsecureChannelCredentials()));
  auto publish_round = [&](int seq) { return PublishRound(*stub, kConversations, seq); };
  ASSERT_TRUE(WaitFor([&] { return publish_round(0) == grpc::StatusCode::OK; }, absl::Seconds(10)));

  // Fill at ~800 events/s (8 per round, 10 ms apart: slow enough that the
  // backlog monitor, sampling every 0.5 s, stops it long before a partition
  // reaches stream_max_len) while sampling the dispatcher, until ingest
  // refuses (bounded in count and time).
  double buffered_max = 0, rss_max = rss_start;
  auto sample = [&] {
    buffered_max = std::max(
        buffered_max,
        ScrapeSample(metrics_port, "omnigate_dispatcher_buffered_events{sink=\"chatbot\"}"));
    rss_max = std::max(rss_max, RssMib(dispatcher->pid()));
  };
  int rounds = 1;
  grpc::StatusCode refused = grpc::StatusCode::OK;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (rounds < 5000 && absl::Now() < deadline) {
    refused = publish_round(rounds);
    if (refused != grpc::StatusCode::OK) break;
    if (++rounds % 20 == 0) sample();
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(refused, grpc::StatusCode::RESOURCE_EXHAUSTED) << rounds << " rounds accepted";
  const int accepted_before_refusal = rounds * kConversations;
  // Mostly still refused while the slow sink works the backlog off (a round
  // let in when a sample found every partition below the limit is kept).
  int refusals = 1;
  for (int i = 0; i < 10; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    sample();
    const grpc::StatusCode code = publish_round(rounds);
    if (code == grpc::StatusCode::OK) ++rounds;
    refusals += code == grpc::StatusCode::RESOURCE_EXHAUSTED ? 1 : 0;
  }
  const size_t delivered_while_slow = (*sink)->sink().events().size();
  EXPECT_GE(refusals, 5);
  EXPECT_GE(buffered_max, 1) << "the gauge was never read";
  EXPECT_LE(buffered_max, kPartitions * kMaxBufferedPerPartition);
  EXPECT_LT(rss_max, rss_start + 32) << "dispatcher memory grew with the backlog";

  // The sink is fast again: the backlog drains, ingest accepts the refused
  // round and more, and every conversation gets every round in order.
  (*sink)->sink().SetDelay(absl::ZeroDuration());
  ASSERT_TRUE(
      WaitFor([&] { return publish_round(rounds) == grpc::StatusCode::OK; }, absl::Seconds(30)));
  for (int extra = 1; extra <= 4; ++extra)
    ASSERT_EQ(publish_round(rounds + extra), grpc::StatusCode::OK);
  const int total_rounds = rounds + 5;
  const size_t want = static_cast<size_t>(kConversations) * total_rounds;
  ASSERT_TRUE(WaitFor([&] { return (*sink)->sink().distinct_count() >= want; }, absl::Seconds(60)))
      << (*sink)->sink().distinct_count() << " of " << want;
  const Arrivals arrivals = Analyze((*sink)->sink().events());
  EXPECT_TRUE(InPublishOrder(arrivals, kConversations, total_rounds));
  Report("slow sink (1 s per call), ingest backlog limit",
         absl::StrCat(
             accepted_before_refusal, " events accepted before ingest refused at max_backlog ",
             kMaxBacklog, " per partition (", delivered_while_slow,
             " delivered meanwhile); dispatcher buffered at most ", buffered_max, " events (cap ",
             kPartitions * kMaxBufferedPerPartition, "), RSS ", static_cast<int>(rss_start),
             " -> peak ", static_cast<int>(rss_max), " MiB; ", refusals,
             " of 11 retries refused while slow; after the sink sped up ", want,
             " events delivered, ", arrivals.repeats, " repeats, every conversation in order"));
  EXPECT_EQ(dispatcher->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

}  // namespace
}  // namespace omnigate::faults
