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

class ChannelsE2ETest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    const std::string dir = testing::MakeTempDir();
    ASSERT_TRUE(testing::WriteFile(dir + "/omnigate.yaml", Config()).ok());
    http_port_ = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-ingest"), "--config", dir + "/omnigate.yaml", "--redis",
         redis_->url(), absl::StrCat("--http_addr=127.0.0.1:", http_port_),
         absl::StrCat("--grpc_addr=127.0.0.1:", testing::PickFreePort()),
         absl::StrCat("--metrics_addr=127.0.0.1:", testing::PickFreePort())},
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
};

testing::RedisServer* ChannelsE2ETest::redis_ = nullptr;
testing::ChildProcess* ChannelsE2ETest::ingest_ = nullptr;
int ChannelsE2ETest::http_port_ = 0;

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
  auto again = HttpRequest(http_port_, "POST", target, headers, body);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200) << again->body;

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
