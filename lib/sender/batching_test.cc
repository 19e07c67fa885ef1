// The sender's batched Redis paths give what one call per send gives:
// reservations folded per connector decide and book as the same
// reservations made one by one; sent records folded per partition (or all
// together on one Redis) record and answer as OutboundStatusStore does.
// Each side runs on its own FakeRedis (the real scripts) and the keys are
// compared.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/outbound/rate_limiter.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/fake_redis.h"
#include "lib/sender/fake_group_commit_writer.h"
#include "lib/sender/sent_recorder.h"

namespace omnigate::sender {
namespace {

using outbound::RateDecision;

constexpr int64_t kStart = 1700000000000;

// A key's hash fields and remaining life, for comparing two Redis.
std::string Dump(redis::FakeRedis& redis, const std::string& key) {
  auto all = redis.Run({"HGETALL", key});
  auto ttl = redis.Run({"PTTL", key});
  std::string out;
  if (all.ok()) {
    for (size_t i = 0; i < all->size(); ++i) {
      absl::StrAppend(&out, redis::ElementStr(all->element(i)), ";");
    }
  }
  if (ttl.ok()) absl::StrAppend(&out, "ttl=", ttl->integer());
  return out;
}

struct Send {
  std::string connector;
  std::string recipient;
  outbound::RateDefaults limits;
};

class BatchingTest : public ::testing::Test {
 protected:
  FakeClock clock_{kStart};
  redis::FakeRedis one_by_one_{clock_};
  redis::FakeRedis batched_{clock_};
};

TEST_F(BatchingTest, FoldedReservationsDecideAndBookAsOneByOne) {
  redis::PipelineWriterOptions options;
  outbound::RateLimiter::AddScripts(&options);
  FakeGroupCommitWriter writer(&batched_, options, /*auto_flush=*/false);
  outbound::RateLimiter single(&one_by_one_, clock_);
  outbound::RateLimiter folded(&batched_, clock_, {}, &writer);
  // A recipient paused on both sides beforehand.
  ASSERT_TRUE(single.Pause("wa", "paused", kStart + 5000, "429").ok());
  ASSERT_TRUE(folded.Pause("wa", "paused", kStart + 5000, "429").ok());

  outbound::RateDefaults wa{10, 3, 1, 1};  // 10/s burst 3; 1/s per recipient
  outbound::RateDefaults tg{30, 1, 0, 1};  // no recipient limit
  outbound::RateDefaults off{0, 1, 0, 1};  // no limit at all
  const std::vector<Send> sends = {
      {"wa", "a", wa},   {"wa", "b", wa},      {"wa", "a", wa}, {"tg", "x", tg},
      {"wa", "", wa},    {"wa", "paused", wa}, {"wa", "c", wa}, {"tg", "x", tg},
      {"off", "y", off}, {"wa", "d", wa},      {"tg", "", tg},  {"wa", "b", wa},
  };
  for (int round = 0; round < 3; ++round) {
    std::vector<std::optional<absl::StatusOr<RateDecision>>> got(sends.size());
    for (size_t i = 0; i < sends.size(); ++i) {
      folded.ReserveAsync(sends[i].connector, sends[i].recipient, sends[i].limits, clock_.NowMs(),
                          [&got, i](absl::StatusOr<RateDecision> d) { got[i] = std::move(d); });
    }
    // One call per connector carries all of its sends.
    EXPECT_EQ(writer.Flush(), 3u);
    for (size_t i = 0; i < sends.size(); ++i) {
      auto want =
          single.Reserve(sends[i].connector, sends[i].recipient, sends[i].limits, clock_.NowMs());
      ASSERT_TRUE(want.ok()) << want.status();
      ASSERT_TRUE(got[i].has_value()) << i;
      ASSERT_TRUE(got[i]->ok()) << got[i]->status();
      EXPECT_EQ((*got[i])->kind, want->kind) << "round " << round << " send " << i;
      EXPECT_EQ((*got[i])->wait, want->wait) << "round " << round << " send " << i;
    }
    for (const std::string& key :
         {outbound::ConnectorBucketKey("wa"), outbound::ConnectorBucketKey("tg"),
          outbound::ConnectorBucketKey("off"), outbound::RecipientBucketKey("wa", "a"),
          outbound::RecipientBucketKey("wa", "b"), outbound::RecipientBucketKey("wa", "paused"),
          outbound::RecipientBucketKey("tg", "x")}) {
      EXPECT_EQ(Dump(batched_, key), Dump(one_by_one_, key)) << key << " round " << round;
    }
    clock_.AdvanceMs(170);
  }
}

class RecordBatchingTest : public BatchingTest, public ::testing::WithParamInterface<bool> {};

TEST_P(RecordBatchingTest, FoldedRecordsMatchOneByOne) {
  const bool cluster = GetParam();
  constexpr uint32_t kPartitions = 4;
  redis::PipelineWriterOptions options;
  SentRecorder::AddScripts(&options, cluster);
  FakeGroupCommitWriter writer(&batched_, options, /*auto_flush=*/false);
  SentRecorder recorder(&writer, kPartitions, absl::Hours(1), clock_, cluster);
  conversations::OutboundStatusStore single(&one_by_one_, kPartitions, absl::Hours(1), clock_);
  conversations::OutboundStatusStore batched_statuses(&batched_, kPartitions, absl::Hours(1),
                                                      clock_);

  const std::vector<std::string> conversations = {"tg:bot:1", "tg:bot:2", "tg:bot:3", "tg:bot:4",
                                                  "tg:bot:5"};
  for (redis::FakeRedis* r : {&one_by_one_, &batched_}) {
    // Open conversations (response times), one with a handoff to an agent.
    for (const std::string& conv : conversations) {
      const uint32_t p = queue::PartitionOf(conv, kPartitions);
      ASSERT_TRUE(r->Run({"HSET", queue::ConversationStateKey(p, conv), "opened_ms",
                          absl::StrCat(kStart - 1000), "priority", "high"})
                      .ok());
    }
    const uint32_t p2 = queue::PartitionOf("tg:bot:2", kPartitions);
    ASSERT_TRUE(r->Run({"HSET", queue::ConversationStateKey(p2, "tg:bot:2"), "handoff_ms",
                        absl::StrCat(kStart - 500)})
                    .ok());
    // A delivered receipt that came before its send was recorded.
    const uint32_t p3 = queue::PartitionOf("tg:bot:3", kPartitions);
    ASSERT_TRUE(
        r->Run({"HSET", queue::EarlyReceiptKey(p3, "tg", "pm-r3"), "state", "delivered"}).ok());
  }
  struct Record {
    std::string conv, id, provider_id;
    omnigate::v1::Role role;
  };
  const std::vector<Record> records = {
      {"tg:bot:1", "r1", "pm-r1", omnigate::v1::ROLE_BOT},
      {"tg:bot:2", "r2", "pm-r2", omnigate::v1::ROLE_AGENT},
      {"tg:bot:3", "r3", "pm-r3", omnigate::v1::ROLE_BOT},
      {"tg:bot:1", "r4", "pm-r4", omnigate::v1::ROLE_BOT},
      {"tg:bot:4", "r5", "pm-r5", omnigate::v1::ROLE_UNSPECIFIED},
      {"tg:bot:5", "r6", "pm-r6", omnigate::v1::ROLE_AGENT},
  };
  std::vector<std::optional<absl::StatusOr<conversations::SentRecord>>> got(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    recorder.RecordSent(r.conv, r.id, "tg", r.provider_id, r.role,
                        [&got, i](absl::StatusOr<conversations::SentRecord> s) { got[i] = s; });
  }
  const size_t written = writer.Flush();
  // Six index SETs plus the record calls: one per partition on a cluster,
  // one in all on one Redis.
  std::vector<uint32_t> partitions;
  for (const Record& r : records) {
    const uint32_t p = queue::PartitionOf(r.conv, kPartitions);
    if (std::find(partitions.begin(), partitions.end(), p) == partitions.end())
      partitions.push_back(p);
  }
  EXPECT_EQ(written, records.size() + (cluster ? partitions.size() : 1));
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    auto want = single.RecordSent(r.conv, r.id, "tg", r.provider_id, r.role);
    ASSERT_TRUE(want.ok()) << want.status();
    ASSERT_TRUE(got[i].has_value()) << i;
    ASSERT_TRUE(got[i]->ok()) << got[i]->status();
    const conversations::SentRecord& g = **got[i];
    EXPECT_EQ(g.state, want->state) << r.id;
    EXPECT_EQ(g.first_response, want->first_response) << r.id;
    EXPECT_EQ(g.agent_first_response, want->agent_first_response) << r.id;
    EXPECT_EQ(g.priority, want->priority) << r.id;
    auto a = single.Get(r.id);
    auto b = batched_statuses.Get(r.id);
    ASSERT_TRUE(a.ok() && b.ok()) << r.id;
    EXPECT_EQ(b->state, a->state) << r.id;
    EXPECT_EQ(b->provider_message_id, r.provider_id);
    const uint32_t p = queue::PartitionOf(r.conv, kPartitions);
    const std::string map = queue::ProviderMessageKey(p, "tg", r.provider_id);
    EXPECT_EQ(batched_.Run({"GET", map})->str(), r.id);
    EXPECT_EQ(batched_.Run({"EXISTS", queue::EarlyReceiptKey(p, "tg", r.provider_id)})->integer(),
              0);
  }
  EXPECT_EQ(batched_statuses.Get("r3")->state, conversations::DeliveryState::kDelivered);
  for (const std::string& conv : conversations) {
    const std::string key =
        queue::ConversationStateKey(queue::PartitionOf(conv, kPartitions), conv);
    EXPECT_EQ(Dump(batched_, key), Dump(one_by_one_, key)) << conv;
  }
}

// omnigate-sender's one writer for both (no replica wait): the two folders
// chained, each caller still answered with its own reply.
TEST_F(BatchingTest, OneWriterFoldsReservationsAndRecordsTogether) {
  redis::PipelineWriterOptions options;
  outbound::RateLimiter::AddScripts(&options);
  SentRecorder::AddScripts(&options, /*cluster=*/false);
  FakeGroupCommitWriter writer(&batched_, options, /*auto_flush=*/false);
  outbound::RateLimiter limiter(&batched_, clock_, {}, &writer);
  SentRecorder recorder(&writer, 4, absl::Hours(1), clock_, /*cluster=*/false);
  std::vector<absl::StatusOr<RateDecision>> decisions;
  std::vector<absl::StatusOr<conversations::SentRecord>> records;
  const outbound::RateDefaults limits{10, 2, 0, 1};
  for (const char* to : {"a", "b", "c"}) {
    limiter.ReserveAsync("tg", to, limits, clock_.NowMs(),
                         [&](absl::StatusOr<RateDecision> d) { decisions.push_back(d); });
  }
  for (const std::string id : {"r1", "r2"}) {
    recorder.RecordSent("tg:bot:" + id, id, "tg", "pm-" + id, omnigate::v1::ROLE_BOT,
                        [&](absl::StatusOr<conversations::SentRecord> r) { records.push_back(r); });
  }
  // One reservation call, one record call, the two index SETs.
  EXPECT_EQ(writer.Flush(), 4u);
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(decisions[0]->kind, RateDecision::kGo);
  EXPECT_EQ(decisions[0]->wait, absl::ZeroDuration());
  EXPECT_EQ(decisions[1]->wait, absl::ZeroDuration());  // the burst of 2
  EXPECT_EQ(decisions[2]->wait, absl::Milliseconds(100));
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->state, conversations::DeliveryState::kSent);
  }
  conversations::OutboundStatusStore statuses(&batched_, 4, absl::Hours(1), clock_);
  EXPECT_EQ(statuses.Get("r2")->provider_message_id, "pm-r2");
}

INSTANTIATE_TEST_SUITE_P(Folding, RecordBatchingTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "PerPartition" : "AllTogether";
                         });

}  // namespace
}  // namespace omnigate::sender
