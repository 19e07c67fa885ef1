#include "lib/conversations/conversation_store.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/fake_redis.h"

namespace omnigate::conversations {
namespace {

using omnigate::v1::ConversationEvent;

constexpr char kKey[] = "whatsapp:acct:thread-1";
constexpr uint32_t kPartitions = 4;

struct Entry {
  std::string id;
  omnigate::v1::Event event;
  std::string mode;  // "" when the entry has no mode field
};

class ConversationStoreTest : public ::testing::Test {
 protected:
  ConversationStoreTest() : store_(Options(), &redis_, clock_) {}

  static ConversationStoreOptions Options() {
    ConversationStoreOptions options;
    options.partitions = kPartitions;
    options.stream_max_len = 1000;
    options.conversation_retention = absl::Hours(1);
    return options;
  }

  // The lifecycle entries of the conversation's partition stream.
  std::vector<Entry> Entries() {
    const uint32_t p = queue::PartitionOf(kKey, kPartitions);
    auto reply = redis_.Run({"XRANGE", queue::StreamKey(p), "-", "+"});
    std::vector<Entry> out;
    for (size_t i = 0; i < reply->size(); ++i) {
      const redisReply* e = reply->element(i);
      Entry entry;
      entry.id = std::string(redis::ElementStr(e->element[0]));
      const redisReply* fields = e->element[1];
      for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        const absl::string_view name = redis::ElementStr(fields->element[f]);
        const std::string value(redis::ElementStr(fields->element[f + 1]));
        if (name == "event") entry.event.ParseFromString(value);
        if (name == "mode") entry.mode = value;
      }
      out.push_back(std::move(entry));
    }
    return out;
  }

  omnigate::v1::Conversation SetMode(omnigate::v1::Mode mode, const std::string& reason = "") {
    omnigate::v1::SetModeRequest request;
    request.set_conversation_key(kKey);
    request.set_mode(mode);
    request.set_reason(reason);
    request.set_actor("bot-1");
    auto c = store_.SetMode(request);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : omnigate::v1::Conversation();
  }

  FakeClock clock_{1700000000000};
  redis::FakeRedis redis_{clock_};
  ConversationStore store_;
};

TEST_F(ConversationStoreTest, UnknownConversationIsInBotMode) {
  auto c = store_.Get(kKey);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->mode(), omnigate::v1::MODE_BOT);
  EXPECT_EQ(c->conversation_key(), kKey);
  EXPECT_EQ(c->channel(), omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_TRUE(Entries().empty());
}

TEST_F(ConversationStoreTest, HandoffAppendsOneStampedEvent) {
  auto c = SetMode(omnigate::v1::MODE_AGENT, "asked for a human");
  EXPECT_EQ(c.mode(), omnigate::v1::MODE_AGENT);
  EXPECT_EQ(c.handoff_reason(), "asked for a human");
  EXPECT_EQ(c.mode_changed_at_ms(), clock_.NowMs());
  std::vector<Entry> entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].id, "1700000000000-0");
  EXPECT_EQ(c.mode_entry_id(), entries[0].id);
  EXPECT_EQ(entries[0].mode, "agent");
  const ConversationEvent& ce = entries[0].event.conversation();
  EXPECT_EQ(ce.kind(), ConversationEvent::KIND_HANDOFF_REQUESTED);
  EXPECT_EQ(ce.reason(), "asked for a human");
  EXPECT_EQ(entries[0].event.sender().id(), "bot-1");
  EXPECT_EQ(entries[0].event.received_at_ms(), clock_.NowMs());

  // Asking again changes nothing and appends nothing.
  clock_.AdvanceMs(1000);
  auto again = SetMode(omnigate::v1::MODE_AGENT, "again");
  EXPECT_EQ(again.mode_changed_at_ms(), c.mode_changed_at_ms());
  EXPECT_EQ(again.handoff_reason(), "asked for a human");
  EXPECT_EQ(Entries().size(), 1u);
}

TEST_F(ConversationStoreTest, AssignTransferResolveLifecycle) {
  omnigate::v1::AssignRequest assign;
  assign.set_conversation_key(kKey);
  assign.set_agent_id("alice");
  auto assigned = store_.Assign(assign);
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  EXPECT_EQ(assigned->mode(), omnigate::v1::MODE_AGENT);  // assignment implies agent mode
  EXPECT_EQ(assigned->agent_id(), "alice");
  ASSERT_TRUE(store_.Assign(assign).ok());  // idempotent

  clock_.AdvanceMs(10);
  omnigate::v1::TransferRequest transfer;
  transfer.set_conversation_key(kKey);
  transfer.set_from_agent_id("alice");
  transfer.set_to_agent_id("bob");
  auto moved = store_.Transfer(transfer);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->agent_id(), "bob");
  EXPECT_EQ(moved->last_agent_id(), "bob");

  clock_.AdvanceMs(10);
  omnigate::v1::ResolveRequest resolve;
  resolve.set_conversation_key(kKey);
  resolve.set_agent_id("bob");
  auto closed = store_.Resolve(resolve);
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->mode(), omnigate::v1::MODE_CLOSED);
  EXPECT_EQ(closed->agent_id(), "");
  EXPECT_EQ(closed->last_agent_id(), "bob");

  std::vector<Entry> entries = Entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].event.conversation().kind(), ConversationEvent::KIND_ASSIGNED);
  EXPECT_EQ(entries[1].event.conversation().kind(), ConversationEvent::KIND_TRANSFERRED);
  EXPECT_EQ(entries[2].event.conversation().kind(), ConversationEvent::KIND_RESOLVED);
  EXPECT_EQ(entries[2].mode, "closed");
  EXPECT_EQ(closed->mode_entry_id(), entries[2].id);
  EXPECT_EQ(closed->mode_changed_at_ms(), clock_.NowMs());
}

TEST_F(ConversationStoreTest, BackToBotEntriesCarryNoMode) {
  SetMode(omnigate::v1::MODE_AGENT);
  auto bot = SetMode(omnigate::v1::MODE_BOT);
  EXPECT_EQ(bot.mode(), omnigate::v1::MODE_BOT);
  std::vector<Entry> entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].mode, "");
  EXPECT_EQ(entries[1].event.conversation().kind(), ConversationEvent::KIND_MODE_CHANGED);
}

TEST_F(ConversationStoreTest, IdleConversationStartsOverAfterRetention) {
  SetMode(omnigate::v1::MODE_AGENT);
  clock_.AdvanceMs(absl::ToInt64Milliseconds(absl::Hours(1)) - 1);
  EXPECT_EQ(store_.Get(kKey)->mode(), omnigate::v1::MODE_AGENT);
  clock_.AdvanceMs(1);
  EXPECT_EQ(store_.Get(kKey)->mode(), omnigate::v1::MODE_BOT);
}

TEST_F(ConversationStoreTest, RejectsBadRequests) {
  omnigate::v1::SetModeRequest no_key;
  no_key.set_mode(omnigate::v1::MODE_AGENT);
  EXPECT_TRUE(absl::IsInvalidArgument(store_.SetMode(no_key).status()));
  omnigate::v1::SetModeRequest no_mode;
  no_mode.set_conversation_key(kKey);
  EXPECT_TRUE(absl::IsInvalidArgument(store_.SetMode(no_mode).status()));
  omnigate::v1::AssignRequest no_agent;
  no_agent.set_conversation_key(kKey);
  EXPECT_TRUE(absl::IsInvalidArgument(store_.Assign(no_agent).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_.Get(std::string(513, 'k')).status()));
  EXPECT_TRUE(Entries().empty());
}

TEST_F(ConversationStoreTest, RedisDownIsUnavailable) {
  redis_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(store_.Get(kKey).status()));
  omnigate::v1::SetModeRequest request;
  request.set_conversation_key(kKey);
  request.set_mode(omnigate::v1::MODE_AGENT);
  EXPECT_TRUE(absl::IsUnavailable(store_.SetMode(request).status()));
}

}  // namespace
}  // namespace omnigate::conversations
