// The ingest pipeline with the adapter services omnigate-ingest wires in
// (RedisAdapterServices) over a real redis-server: a replayed Mailgun token
// is refused 401 and nothing more is queued; an e-mail's files are stored
// under omnigate:attachment:<ref>, named by the queued event.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/channels/adapter.h"
#include "lib/channels/redis_adapter_services.h"
#include "lib/common/clock.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "lib/ingest/ingest_pipeline.h"
#include "lib/redis/connection_pool.h"
#include "prometheus/registry.h"
#include "tests/support/fixture_delivery.h"
#include "tests/support/fixture_loader.h"
#include "tests/support/redis_test.h"

namespace omnigate::ingest {
namespace {

// Keeps what the pipeline queues, deduping by idempotency key.
class MemoryQueue final : public queue::EventQueue {
 public:
  void Enqueue(std::vector<queue::EventToStore> events, queue::EnqueueCallback done) override {
    std::vector<queue::EnqueueOutcome> out;
    for (auto& e : events) {
      queue::EnqueueOutcome outcome;
      outcome.duplicate = !keys_.insert(e.idempotency_key).second;
      if (!outcome.duplicate) stored.push_back(std::move(e));
      out.push_back(outcome);
    }
    done(std::move(out));
  }
  void Quarantine(queue::QuarantineRecord, queue::StatusCallback done) override {
    done(absl::OkStatus());
  }
  bool healthy() const override { return true; }

  std::vector<queue::EventToStore> stored;

 private:
  std::set<std::string> keys_;
};

constexpr char kMailgunKey[] = "key-test-mailgun-signing-0000000001";

class IngestChannelServicesTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_unique<redis::ConnectionPool>(*redis::ParseRedisUrl(redis_->url()),
                                                    absl::Seconds(2), absl::Seconds(2));
    services_ = std::make_unique<channels::RedisAdapterServices>(pool_.get());
    metrics_ = std::make_unique<IngestMetrics>(registry_, std::vector<std::string>{"mg", "sg"});
    std::vector<Connector> connectors;
    for (const auto& [name, provider] :
         {std::pair<std::string, std::string>{"mg", "mailgun"}, {"sg", "sendgrid"}}) {
      connectors::ConnectorSettings settings;
      settings.name = name;
      settings.channel = omnigate::v1::CHANNEL_EMAIL;
      settings.provider = provider;
      settings.secret = kMailgunKey;
      if (provider == "sendgrid") settings.basic_auth = "parse:s3cret";
      auto adapter = channels::CreateAdapter(settings, SystemClock::Get(), services_->services());
      ASSERT_TRUE(adapter.ok()) << adapter.status();
      connectors.push_back(Connector{settings, *std::move(adapter)});
    }
    pipeline_ = std::make_unique<IngestPipeline>(IngestOptions{}, std::move(connectors), &queue_,
                                                 SystemClock::Get(), metrics_.get());
  }

  WebhookAnswer Post(const std::string& connector, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
    WebhookCall call;
    call.connector = connector;
    call.body = body;
    for (const auto& [name, value] : headers) call.headers.Add(name, value);
    WebhookAnswer out;
    pipeline_->HandleWebhook(std::move(call), Transport::kHttp,
                             [&](WebhookAnswer a) { out = std::move(a); });
    return out;
  }

  prometheus::Registry registry_;
  std::unique_ptr<redis::ConnectionPool> pool_;
  std::unique_ptr<channels::RedisAdapterServices> services_;
  std::unique_ptr<IngestMetrics> metrics_;
  MemoryQueue queue_;
  std::unique_ptr<IngestPipeline> pipeline_;
};

TEST_F(IngestChannelServicesTest, AReplayedMailgunTokenIsRefusedAndNothingMoreIsQueued) {
  const channels::testing::ChannelFixture fixture =
      channels::testing::LoadChannelFixture("email__mailgun_forward_urlencoded");
  const testing::FixtureDelivery delivery =
      testing::DeliveryOf("email__mailgun_forward_urlencoded", fixture, absl::Now());
  const WebhookAnswer first = Post("mg", delivery.body, delivery.headers);
  ASSERT_EQ(first.http_status, 200) << first.body;
  ASSERT_EQ(queue_.stored.size(), 1u);
  const WebhookAnswer replay = Post("mg", delivery.body, delivery.headers);
  EXPECT_EQ(replay.http_status, 401);
  EXPECT_NE(replay.body.find("signature_replayed"), std::string::npos) << replay.body;
  EXPECT_EQ(queue_.stored.size(), 1u);
}

TEST_F(IngestChannelServicesTest, EmailFilesAreStoredAndNamedByTheEvent) {
  const std::string name = "email__sendgrid_parsed_attachments";
  const channels::testing::ChannelFixture fixture = channels::testing::LoadChannelFixture(name);
  const testing::FixtureDelivery delivery = testing::DeliveryOf(name, fixture, absl::Now());
  const WebhookAnswer answer = Post("sg", delivery.body, delivery.headers);
  ASSERT_EQ(answer.http_status, 200) << answer.body;
  ASSERT_EQ(queue_.stored.size(), 1u);
  omnigate::v1::Event event;
  ASSERT_TRUE(event.ParseFromString(queue_.stored[0].payload));
  ASSERT_EQ(event.media().items_size(), 2);
  for (const auto& item : event.media().items()) {
    ASSERT_FALSE(item.media_id().empty()) << event.ShortDebugString();
    auto conn = redis::RedisConnection::Connect(*redis::ParseRedisUrl(redis_->url()),
                                                absl::Seconds(1), absl::Seconds(2));
    ASSERT_TRUE(conn.ok());
    auto bytes = (*conn)->Run({"GET", "omnigate:attachment:" + item.media_id()});
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(HexEncode(crypto::Sha256(bytes->str())), item.sha256());
    EXPECT_EQ(bytes->str().size(), item.size_bytes());
  }
}

}  // namespace
}  // namespace omnigate::ingest
