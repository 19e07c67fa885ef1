// omnigate-ingest end to end: the real binary, a real redis-server, signed
// webhooks over HTTP and events over gRPC; the streams are read back.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <memory>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "lib/json/strict_json.h"
#include "lib/queue/stream_reader.h"
#include "lib/redis/redis_connection.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace omnigate {
namespace {

using ::testing::HasSubstr;
using testing::HttpRequest;

constexpr char kMetaSecret[] = "test-meta-app-secret-0001";
constexpr uint32_t kPartitions = 4;

struct Fixture {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Fixture LoadFixture(const std::string& name) {
  const std::string dir = testing::FixturesDir();
  auto body = testing::ReadFile(dir + "/" + name + ".json");
  auto expected = testing::ReadFile(dir + "/" + name + ".expected.json");
  // Missing fixtures are a broken checkout: fail loudly, never skip.
  EXPECT_TRUE(body.ok() && expected.ok()) << "fixtures not found in " << dir;
  Fixture f;
  if (!body.ok() || !expected.ok()) return f;
  f.body = *body;
  auto doc = json::ParseStrict(*expected);
  EXPECT_TRUE(doc.ok()) << doc.status();
  const json::Value* headers = json::Find(*json::Find(**doc, "request"), "headers");
  for (const auto& m : headers->GetObject())
    f.headers.emplace_back(m.name.GetString(), m.value.GetString());
  return f;
}

std::vector<std::pair<std::string, std::string>> MetaSigned(const std::string& body) {
  return {{"Content-Type", "application/json"},
          {"X-Hub-Signature-256", "sha256=" + HexEncode(crypto::HmacSha256(kMetaSecret, body))}};
}

class IngestE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    dir_ = new std::string(testing::MakeTempDir());
    ASSERT_TRUE(testing::WriteFile(*dir_ + "/omnigate.yaml", absl::StrCat(R"(
connectors:
  - name: wa-main
    channel: whatsapp
    secret: ${E2E_META_SECRET}
    verify_token: e2e-verify
ingest:
  partitions: )",
                                                                          kPartitions, R"(
  header_timeout: 2s
)"))
                    .ok());
    StartIngest();
  }

  static void StartIngest() {
    http_port_ = testing::PickFreePort();
    grpc_port_ = testing::PickFreePort();
    metrics_port_ = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-ingest"), "--config", *dir_ + "/omnigate.yaml", "--redis",
         redis_->url(), absl::StrCat("--http_addr=127.0.0.1:", http_port_),
         absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port_),
         absl::StrCat("--metrics_addr=127.0.0.1:", metrics_port_)},
        *dir_ + "/ingest.log", {absl::StrCat("E2E_META_SECRET=", kMetaSecret)});
    ASSERT_TRUE(proc.ok()) << proc.status();
    ingest_ = proc->release();
    ASSERT_TRUE(WaitReady(true)) << ingest_->ReadLog();
  }

  static void TearDownTestSuite() {
    delete ingest_;
    delete redis_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(redis_->running() || redis_->Restart().ok());
    ASSERT_TRUE(WaitReady(true));
    ASSERT_EQ(*redis_->Cli({"FLUSHALL"}), "OK");
  }

  static bool WaitReady(bool want) {
    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    while (absl::Now() < deadline) {
      auto r = HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Seconds(1));
      if (r.ok() && (r->status == 200) == want) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  absl::StatusOr<testing::HttpResult> Post(
      const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers,
      const std::string& connector = "wa-main") {
    return HttpRequest(http_port_, "POST", "/webhooks/" + connector, headers, body);
  }

  std::vector<queue::StoredEvent> StoredEvents(size_t max = 5000) {
    auto conn = redis::RedisConnection::Connect(*redis::ParseRedisUrl(redis_->url()),
                                                absl::Seconds(1), absl::Seconds(5));
    EXPECT_TRUE(conn.ok());
    if (!conn.ok()) return {};
    queue::StreamReader reader(conn->get());
    auto events = reader.Latest(kPartitions, -1, max);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<queue::StoredEvent>{};
  }

  int64_t QuarantineLength() {
    int64_t n = -1;
    EXPECT_TRUE(absl::SimpleAtoi(*redis_->Cli({"XLEN", "omnigate:quarantine"}), &n));
    return n;
  }

  std::unique_ptr<omnigate::v1::Ingest::Stub> Stub() {
    return omnigate::v1::Ingest::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                                             grpc::InsecureChannelCredentials()));
  }

  static testing::RedisServer* redis_;
  static testing::ChildProcess* ingest_;
  static std::string* dir_;
  static int http_port_, grpc_port_, metrics_port_;
};

testing::RedisServer* IngestE2ETest::redis_ = nullptr;
testing::ChildProcess* IngestE2ETest::ingest_ = nullptr;
std::string* IngestE2ETest::dir_ = nullptr;
int IngestE2ETest::http_port_ = 0;
int IngestE2ETest::grpc_port_ = 0;
int IngestE2ETest::metrics_port_ = 0;

TEST_F(IngestE2ETest, SignedWebhookIsStoredOnceAcrossRedeliveries) {
  const Fixture f = LoadFixture("whatsapp__text_basic");
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto r = Post(f.body, f.headers);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200) << r->body;
  }
  const auto events = StoredEvents();
  ASSERT_EQ(events.size(), 1u);
  const auto& e = events[0].event;
  EXPECT_EQ(e.channel(), omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(e.connector(), "wa-main");
  EXPECT_EQ(e.external_id(), "wamid.FQIAEhgUN0I4NTc0QzY1OUQxREM3RDRENTMA");
  EXPECT_EQ(e.idempotency_key(), "whatsapp:msg:wamid.FQIAEhgUN0I4NTc0QzY1OUQxREM3RDRENTMA");
  EXPECT_EQ(e.conversation_key(), "whatsapp:100000000000001:12025550143");
  EXPECT_EQ(e.text().body(), "Hi, is my order INV-2026-0042 shipped yet?");
  EXPECT_EQ(e.sent_at_ms(), 1770091506000);
  EXPECT_GT(e.received_at_ms(), 1770091506000);
  EXPECT_EQ(e.id().size(), 36u);
}

TEST_F(IngestE2ETest, WholeBatchOfAThousandUpdatesIsQueued) {
  const Fixture f = LoadFixture("whatsapp__large_batch_1000_updates");
  auto r = Post(f.body, f.headers);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_THAT(r->body, HasSubstr("\"events\":1000"));
  const auto events = StoredEvents();
  EXPECT_EQ(events.size(), 1000u);
  std::set<std::string> keys;
  for (const auto& e : events) keys.insert(e.event.idempotency_key());
  EXPECT_EQ(keys.size(), 1000u);
  // A redelivery of the whole batch adds nothing.
  r = Post(f.body, f.headers);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->body, HasSubstr("\"duplicates\":1000"));
  EXPECT_EQ(StoredEvents().size(), 1000u);
}

TEST_F(IngestE2ETest, BadOrMissingSignatureIs401AndStoresNothing) {
  const Fixture f = LoadFixture("whatsapp__text_basic");
  auto tampered = Post(f.body + " ", f.headers);
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered->status, 401);
  auto unsigned_post = Post(f.body, {{"Content-Type", "application/json"}});
  ASSERT_TRUE(unsigned_post.ok());
  EXPECT_EQ(unsigned_post->status, 401);
  EXPECT_EQ(*redis_->Cli({"DBSIZE"}), "0");
}

TEST_F(IngestE2ETest, MalformedRequestIsQuarantinedWithItsReason) {
  const Fixture f = LoadFixture("whatsapp__bad_bom_trailing_data");
  auto r = Post(f.body, f.headers);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(r->body, HasSubstr("json_trailing_data"));
  EXPECT_EQ(QuarantineLength(), 1);
  const std::string entry = *redis_->Cli({"XRANGE", "omnigate:quarantine", "-", "+"});
  EXPECT_THAT(entry, HasSubstr("json_trailing_data"));
  EXPECT_THAT(entry, HasSubstr("wa-main"));
  EXPECT_TRUE(StoredEvents().empty());
  // The operator CLI shows it too.
  FILE* pipe = popen(
      absl::StrCat(testing::BinaryPath("omnigatectl"), " --redis ", redis_->url(), " quarantine")
          .c_str(),
      "r");
  ASSERT_NE(pipe, nullptr);
  char buf[8192];
  std::string out;
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0);
  EXPECT_THAT(out, HasSubstr("\"reason\":\"json_trailing_data\""));
}

TEST_F(IngestE2ETest, RoutingAndSizeErrors) {
  auto unknown = Post("{}", MetaSigned("{}"), "nope");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  const std::string big(2 << 20, 'x');
  auto too_large = Post(big, MetaSigned(big));
  ASSERT_TRUE(too_large.ok()) << too_large.status();
  EXPECT_EQ(too_large->status, 413);
  auto health = HttpRequest(http_port_, "GET", "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
}

TEST_F(IngestE2ETest, MetaHandshakeEchoesTheChallenge) {
  auto ok = HttpRequest(
      http_port_, "GET",
      "/webhooks/wa-main?hub.mode=subscribe&hub.verify_token=e2e-verify&hub.challenge=1158201444");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "1158201444");
  auto wrong =
      HttpRequest(http_port_, "GET",
                  "/webhooks/wa-main?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 403);
}

TEST_F(IngestE2ETest, GrpcReceivePublishAndPublishStream) {
  auto stub = Stub();
  // Receive: the same checks as the webhook.
  const Fixture f = LoadFixture("whatsapp__image_with_caption");
  omnigate::v1::ReceiveRequest receive;
  receive.set_connector("wa-main");
  receive.set_body(f.body);
  for (const auto& [k, v] : f.headers) (*receive.mutable_headers())[k] = v;
  omnigate::v1::ReceiveResponse received;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub->Receive(&c1, receive, &received).ok());
  EXPECT_EQ(received.http_status(), 200);
  ASSERT_EQ(received.results_size(), 1);
  (*receive.mutable_headers())["X-Hub-Signature-256"] = "sha256=00";
  grpc::ClientContext c2;
  EXPECT_EQ(stub->Receive(&c2, receive, &received).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // Publish: canonical events from a backend, deduplicated.
  omnigate::v1::PublishRequest publish;
  publish.set_request_id("r1");
  for (int i = 0; i < 2; ++i) {
    auto* e = publish.add_events();
    e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e->set_account_id("site1");
    e->set_external_id(absl::StrCat("m", i));
    e->set_conversation_key("webchat:site1:s1");
    e->mutable_text()->set_body("hello");
  }
  omnigate::v1::PublishResponse published;
  grpc::ClientContext c3;
  ASSERT_TRUE(stub->Publish(&c3, publish, &published).ok());
  ASSERT_EQ(published.results_size(), 2);
  EXPECT_FALSE(published.results(0).duplicate());
  grpc::ClientContext c4;
  ASSERT_TRUE(stub->Publish(&c4, publish, &published).ok());
  EXPECT_TRUE(published.results(1).duplicate());
  omnigate::v1::PublishRequest invalid;
  invalid.add_events()->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
  grpc::ClientContext c5;
  EXPECT_EQ(stub->Publish(&c5, invalid, &published).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // PublishStream: one response per request, in order; a bad request does
  // not end the stream.
  grpc::ClientContext c6;
  auto stream = stub->PublishStream(&c6);
  constexpr int kRequests = 200;
  for (int i = 0; i < kRequests; ++i) {
    omnigate::v1::PublishRequest req;
    req.set_request_id(absl::StrCat("s", i));
    auto* e = req.add_events();
    e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e->set_external_id(absl::StrCat("stream-", i));
    if (i != 7) e->set_conversation_key(absl::StrCat("webchat:site1:c", i % 10));
    ASSERT_TRUE(stream->Write(req));
  }
  stream->WritesDone();
  omnigate::v1::PublishResponse resp;
  int n = 0;
  while (stream->Read(&resp)) {
    EXPECT_EQ(resp.request_id(), absl::StrCat("s", n));
    if (n == 7) {
      EXPECT_EQ(resp.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    } else {
      EXPECT_EQ(resp.code(), 0) << resp.message();
      EXPECT_EQ(resp.results_size(), 1);
    }
    ++n;
  }
  EXPECT_EQ(n, kRequests);
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(StoredEvents().size(), 1u + 2u + (kRequests - 1));
}

TEST_F(IngestE2ETest, RedisDownAnswers503ThenRecovers) {
  const Fixture f = LoadFixture("whatsapp__text_basic");
  ASSERT_TRUE(redis_->Stop().ok());
  auto during = Post(f.body, f.headers);
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->status, 503);
  ASSERT_TRUE(WaitReady(false));
  auto still = Post(f.body, f.headers);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->status, 503);

  ASSERT_TRUE(redis_->Restart().ok());
  ASSERT_TRUE(WaitReady(true)) << ingest_->ReadLog();
  auto after = Post(f.body, f.headers);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 200) << after->body;
  EXPECT_EQ(StoredEvents().size(), 1u);
}

TEST_F(IngestE2ETest, MetricsAreServedInPrometheusTextFormat) {
  const Fixture f = LoadFixture("whatsapp__text_basic");
  ASSERT_EQ(Post(f.body, f.headers)->status, 200);
  auto metrics = HttpRequest(metrics_port_, "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("# TYPE omnigate_ingest_requests_total counter"));
  EXPECT_THAT(
      metrics->body,
      HasSubstr(
          R"(omnigate_ingest_requests_total{connector="wa-main",outcome="accepted",transport="http"})"));
  EXPECT_THAT(metrics->body,
              HasSubstr(R"(omnigate_ingest_events_total{channel="whatsapp",kind="text"})"));
  EXPECT_THAT(metrics->body, HasSubstr("omnigate_redis_roundtrip_seconds_bucket"));
  EXPECT_THAT(metrics->body, HasSubstr("omnigate_redis_up{service=\"ingest\"} 1"));
  EXPECT_THAT(metrics->body, HasSubstr("omnigate_process_resident_memory_bytes"));
}

// Last: it stops the shared process.
TEST_F(IngestE2ETest, ZSigtermDrainsAndExitsZero) {
  auto status = ingest_->Signal(SIGTERM, absl::Seconds(5));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, 0) << ingest_->ReadLog();
  // Restart for any test that runs after (e.g. with --gtest_repeat).
  delete ingest_;
  ingest_ = nullptr;
  StartIngest();
}

}  // namespace
}  // namespace omnigate
