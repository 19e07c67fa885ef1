// OutboundStatusStore (reply delivery status) against FakeRedis.
#include "lib/conversations/outbound_status_store.h"

#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/fake_redis.h"

namespace omnigate::conversations {
namespace {

constexpr uint32_t kPartitions = 4;
constexpr char kConv[] = "whatsapp:100:6281234";

class OutboundStatusStoreTest : public ::testing::Test {
 protected:
  FakeClock clock_{1700000000000};
  redis::FakeRedis redis_{clock_};
  OutboundStatusStore store_{&redis_, kPartitions, absl::Hours(1), clock_};
  const uint32_t partition_ = queue::PartitionOf(kConv, kPartitions);
};

TEST_F(OutboundStatusStoreTest, QueuedThenSentWithTheProviderId) {
  EXPECT_EQ(store_.Get("r1").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_.RecordQueued(kConv, "r1", "wa-main").ok());
  auto queued = store_.Get("r1");
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(queued->state, DeliveryState::kQueued);
  EXPECT_EQ(queued->connector, "wa-main");

  clock_.AdvanceMs(250);
  auto sent = store_.RecordSent(kConv, "r1", "wa-main", "wamid.1");
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->state, DeliveryState::kSent);
  auto status = store_.Get("r1");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->state, DeliveryState::kSent);
  EXPECT_EQ(status->provider_message_id, "wamid.1");
  EXPECT_EQ(status->updated_ms, clock_.NowMs());
  // Ingest finds the reply by the provider's id.
  auto owner = redis_.Run({"GET", queue::ProviderMessageKey(partition_, "wa-main", "wamid.1")});
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(owner->str(), "r1");
  // A repeated Send does not move it back to queued.
  ASSERT_TRUE(store_.RecordQueued(kConv, "r1", "wa-main").ok());
  EXPECT_EQ(store_.Get("r1")->state, DeliveryState::kSent);
}

TEST_F(OutboundStatusStoreTest, ReceiptsThatCameFirstAreApplied) {
  // Ingest stored "read" before the sender recorded the provider id.
  ASSERT_TRUE(
      redis_
          .Run({"HSET", queue::EarlyReceiptKey(partition_, "wa-main", "wamid.2"), "state", "read"})
          .ok());
  auto sent = store_.RecordSent(kConv, "r2", "wa-main", "wamid.2");
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->state, DeliveryState::kRead);
  EXPECT_EQ(store_.Get("r2")->state, DeliveryState::kRead);
  auto early = redis_.Run({"EXISTS", queue::EarlyReceiptKey(partition_, "wa-main", "wamid.2")});
  EXPECT_EQ(early->integer(), 0) << "applied once, then dropped";
}

TEST_F(OutboundStatusStoreTest, FailureIsFinalAndKeepsTheProviderError) {
  ASSERT_TRUE(store_.RecordQueued(kConv, "r3", "tg").ok());
  ASSERT_TRUE(store_.RecordFailed(kConv, "r3", "tg", "403", "Forbidden: bot was blocked").ok());
  auto status = store_.Get("r3");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->state, DeliveryState::kFailed);
  EXPECT_EQ(status->error_code, "403");
  EXPECT_EQ(status->error_message, "Forbidden: bot was blocked");
}

TEST_F(OutboundStatusStoreTest, RecordsExpireAfterTheRetention) {
  ASSERT_TRUE(store_.RecordSent(kConv, "r4", "wa-main", "wamid.4").ok());
  clock_.AdvanceMs(absl::ToInt64Milliseconds(absl::Hours(1)) + 1);
  EXPECT_EQ(store_.Get("r4").status().code(), absl::StatusCode::kNotFound);
  auto owner = redis_.Run({"EXISTS", queue::ProviderMessageKey(partition_, "wa-main", "wamid.4")});
  EXPECT_EQ(owner->integer(), 0);
}

}  // namespace
}  // namespace omnigate::conversations
