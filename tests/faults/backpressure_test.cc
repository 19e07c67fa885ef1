// A failing sink: the dispatcher holds a bounded amount of work and retries;
// ingest keeps accepting until a partition's undelivered backlog passes
// ingest.max_backlog, then refuses explicitly (RESOURCE_EXHAUSTED / 503 with
// Retry-After); after the sink recovers the backlog drains, nothing accepted
// is lost, and ingest accepts again.

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
  // The dispatcher held a bounded amount of that work.
  EXPECT_EQ((*sink)->sink().distinct_count(), 0u);

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
                      "Retry-After); after recovery all accepted delivered (",
                      lost, " lost) and ingest accepted again"));
  EXPECT_EQ(dispatcher->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

}  // namespace
}  // namespace omnigate::faults
