// Every Lua script and multi-key command of the modules must touch keys of
// one Redis Cluster hash slot, or a cluster answers CROSSSLOT. The modules
// run here on FakeRedis behind a decorator that checks each command they
// send (slot_checking_redis.h), so a key someone adds to a script call is
// checked with the keys the module really builds. Each test also counts the
// distinct scripts it saw, so a module that stopped running one (or a test
// that stopped reaching it) fails instead of passing vacuously.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/agents/agent_store.h"
#include "lib/agents/keys.h"
#include "lib/chatbot/bot_memory.h"
#include "lib/common/clock.h"
#include "lib/conversations/conversation_store.h"
#include "lib/conversations/history_reader.h"
#include "lib/conversations/outbound_service.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/dispatch/dead_letter_store.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/dispatch/lease_manager.h"
#include "lib/dispatch/partition_reader.h"
#include "lib/outbound/rate_limiter.h"
#include "lib/queue/enqueue_call.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/cluster_slot.h"
#include "lib/redis/fake_redis.h"
#include "lib/sender/reply_tokens.h"
#include "lib/webchat/redis_transcript.h"
#include "prometheus/registry.h"
#include "tests/integration/slot_checking_redis.h"

namespace omnigate {
namespace {

constexpr uint32_t kPartitions = 16;
constexpr char kConv[] = "telegram:bot1:chat-42";

class ClusterScriptKeysTest : public ::testing::Test {
 protected:
  void ExpectOneSlotEach(size_t scripts) {
    EXPECT_TRUE(checker_.violations().empty()) << "cross-slot: " << checker_.violations().front();
    EXPECT_EQ(checker_.scripts(), scripts) << "distinct scripts run";
  }

  FakeClock clock_{1700000000000};
  redis::FakeRedis fake_{clock_};
  testing::SlotChecker checker_;
  testing::SlotCheckingClient redis_{&fake_, &checker_};
};

// The decorator itself: a script call or a multi-key command spanning slots
// is reported; a pipeline spanning slots is not (a cluster splits it).
TEST_F(ClusterScriptKeysTest, CheckerFlagsCrossSlotCalls) {
  (void)redis_.Run({"EVALSHA", "0123", "2", queue::StreamKey(0), queue::StreamKey(1)});
  (void)redis_.Run({"DEL", queue::LeaseKey(0), queue::LeaseKey(1)});
  (void)redis_.RunPipeline({{"GET", queue::LeaseKey(0)}, {"GET", queue::LeaseKey(1)}});
  (void)redis_.Run({"MGET", queue::LeaseKey(3), queue::StreamKey(3)});
  EXPECT_EQ(checker_.violations().size(), 2u);
  EXPECT_EQ(checker_.scripts(), 1u);
}

// Keys of one partition share its hash tag; partitions spread over slots.
TEST_F(ClusterScriptKeysTest, PartitionKeysShareOneSlotPerPartition) {
  std::set<int> slots;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    const int slot = redis::KeySlot(queue::StreamKey(p));
    slots.insert(slot);
    const std::vector<std::string> keys = {
        queue::DedupeBaseKey(p),
        queue::DedupeBaseKey(p) + ":19700",  // a bucket: the script derives it
        queue::ConversationStateKey(p, kConv),
        queue::HistoryKey(p, kConv),
        queue::OutboundStreamKey(p),
        queue::DeadLetterKey(p),
        queue::LeaseKey(p),
        queue::OutboundDeadLetterKey(p),
        queue::SenderLeaseKey(p),
        queue::OutboundStatusKey(p, "reply-1"),
        queue::ProviderMessageKey(p, "tg", "pm-1"),
        queue::EarlyReceiptKey(p, "tg", "pm-1"),
        chatbot::SeenKey(p, "event-1"),
        chatbot::UnansweredKey(p, kConv),
        chatbot::BotIdleKey(p),
    };
    for (const std::string& key : keys) EXPECT_EQ(redis::KeySlot(key), slot) << key;
    // The dispatcher's and the sender's scripts: fenced read and claim
    // {lease, stream}; dead letter and replay {dead letters, stream}.
    for (const queue::ConsumerKeys* k : {&queue::kDispatcherKeys, &queue::kSenderKeys}) {
      EXPECT_EQ(redis::KeySlot(k->lease(p)), redis::KeySlot(k->stream(p))) << k->lease(p);
      EXPECT_EQ(redis::KeySlot(k->dead_letter(p)), redis::KeySlot(k->stream(p)))
          << k->dead_letter(p);
    }
  }
  EXPECT_EQ(slots.size(), kPartitions);
}

// Ingest's enqueue script: one call per partition, every kind of event.
TEST_F(ClusterScriptKeysTest, EnqueueCallsStayInTheirPartitionsSlot) {
  queue::EnqueueCallBuilder builder{queue::EnqueueSettings{}};
  for (uint32_t p = 0; p < kPartitions; ++p) {
    std::vector<queue::EventToStore> events(3);
    events[0].history = true;
    events[2].receipt = queue::EventToStore::Receipt{"tg", "pm-1", "read", "", ""};
    for (size_t i = 0; i < events.size(); ++i) {
      events[i].partition = p;
      events[i].idempotency_key = absl::StrCat("idem-", i);
      events[i].payload = "event";
      events[i].conversation_key = kConv;
      queue::EnqueueCall call = builder.Build(std::move(events[i]), clock_.NowMs());
      ASSERT_FALSE(call.keys.empty());
      for (const std::string& key : call.keys) {
        EXPECT_EQ(redis::KeySlot(key), redis::KeySlot(queue::StreamKey(p))) << key;
      }
    }
  }
}

TEST_F(ClusterScriptKeysTest, LeasesDeadLettersAndFencedReads) {
  prometheus::Registry registry;
  dispatch::DispatchMetrics metrics(registry, {"sink"});
  struct Listener : dispatch::LeaseListener {
    void OnAcquired(uint32_t) override {}
    void OnLost(uint32_t) override {}
    bool Busy(uint32_t) override { return false; }
  } listener;
  dispatch::LeaseOptions lease_options;
  lease_options.partitions = 4;
  lease_options.instance_id = "d1";
  int64_t steady_ms = 1000;
  dispatch::LeaseManager leases(lease_options, &redis_, &listener, &metrics, clock_,
                                [&] { return steady_ms; });
  leases.RunCycle();  // acquires
  leases.RunCycle();  // renews (script)
  ASSERT_EQ(leases.owned(), 4);

  // A fenced reader of partition 0 on a connection of its own.
  std::mutex mu;
  std::condition_variable cv;
  size_t read = 0;
  const dispatch::ReaderOptions reader_options{
      queue::StreamKey(0), "sink", "d1", queue::LeaseKey(0), "d1", 10, absl::Milliseconds(50)};
  ASSERT_TRUE(fake_.Run({"XADD", queue::StreamKey(0), "*", "event", "e1"}).ok());
  {
    dispatch::PartitionReader reader(
        reader_options, testing::SlotCheckingFactory(&fake_, &checker_), &metrics,
        [] { return absl::Seconds(60); },
        [](const dispatch::EntryFields&, dispatch::StreamEntry*) { return true; },
        [&](std::vector<dispatch::StreamEntry> entries) {
          std::lock_guard<std::mutex> lock(mu);
          read += entries.size();
          cv.notify_all();
        });
    reader.Grant(10);
    reader.Start();
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return read >= 1; });
  }
  EXPECT_EQ(read, 1u);

  // A dead letter of partition 2, replayed, listed, dropped.
  dispatch::DeadLetterStore dead_letters(4, 1000, &redis_);
  auto added = fake_.Run(
      {"XADD", queue::DeadLetterKey(2), "*", "event", "e2", "sink", "sink", "dead_at_ms", "1"});
  ASSERT_TRUE(added.ok() && added->is_string());
  omnigate::v1::DeadLetterSelector selector;
  selector.add_ids(dispatch::DeadLetterId(2, std::string(added->str())));
  auto replayed = dead_letters.Replay(selector);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(*replayed, 1u);
  ASSERT_TRUE(
      fake_.Run({"XADD", queue::DeadLetterKey(3), "*", "event", "e3", "sink", "sink"}).ok());
  auto dropped = dead_letters.Drop(omnigate::v1::DeadLetterSelector());
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(*dropped, 1u);

  leases.Stop(absl::ZeroDuration());  // releases (script)
  // renew, release, fenced claim, fenced read, replay.
  ExpectOneSlotEach(5);
}

TEST_F(ClusterScriptKeysTest, BotMemory) {
  chatbot::BotMemory memory(&redis_, chatbot::BotMemoryOptions{});
  const uint32_t p = queue::PartitionOf(kConv, kPartitions);
  ASSERT_TRUE(memory.Read(p, "event-1", kConv).ok());
  chatbot::BotEffect effect;
  effect.partition = p;
  effect.event_id = "event-1";
  effect.conversation_key = kConv;
  effect.reply = "reply";
  effect.idle = chatbot::IdleMark::kTrack;
  effect.now_ms = clock_.NowMs();
  auto applied = memory.Apply(effect);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(applied->has_value());
  ASSERT_TRUE(memory.ClaimIdle(p, clock_.NowMs() + 1, 10).ok());
  ASSERT_TRUE(memory.Unclaim(p, kConv, clock_.NowMs()).ok());
  // The claim script reads state keys it builds from a prefix (not in
  // KEYS): they must share the idle set's slot.
  EXPECT_EQ(redis::KeySlot(queue::ConversationStateKey(p, kConv)),
            redis::KeySlot(chatbot::BotIdleKey(p)));
  ExpectOneSlotEach(2);  // apply, claim
}

TEST_F(ClusterScriptKeysTest, ConversationsOutboundAndHistory) {
  conversations::ConversationStoreOptions store_options;
  store_options.partitions = kPartitions;
  conversations::ConversationStore store(store_options, &redis_, clock_);
  omnigate::v1::SetModeRequest set_mode;
  set_mode.set_conversation_key(kConv);
  set_mode.set_mode(omnigate::v1::MODE_AGENT);
  set_mode.set_actor("bot-1");
  auto changed = store.SetMode(set_mode);
  ASSERT_TRUE(changed.ok()) << changed.status();

  conversations::OutboundStatusStore statuses(&redis_, kPartitions, absl::Hours(1), clock_);
  conversations::OutboundOptions outbound_options;
  outbound_options.partitions = kPartitions;
  conversations::OutboundService outbound(outbound_options, &redis_, clock_, nullptr, &statuses);
  omnigate::v1::SendRequest send;
  omnigate::v1::Event* reply = send.mutable_event();
  reply->set_channel(omnigate::v1::CHANNEL_TELEGRAM);
  reply->set_connector("tg");
  reply->set_conversation_key(kConv);
  reply->set_idempotency_key("reply-idem-1");
  reply->mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
  reply->mutable_recipient()->set_id("chat-42");
  reply->mutable_text()->set_body("hello");
  grpc::ServerContext context;
  omnigate::v1::SendResponse sent;
  const grpc::Status status = outbound.Send(&context, &send, &sent);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_TRUE(statuses.RecordQueued(kConv, "reply-1", "tg").ok());
  ASSERT_TRUE(statuses.RecordSent(kConv, "reply-1", "tg", "pm-1").ok());
  ASSERT_TRUE(statuses.RecordFailed(kConv, "reply-2", "tg", "E1", "refused").ok());
  ASSERT_TRUE(statuses.Get("reply-1").ok());

  conversations::HistoryReader history(&redis_, kPartitions);
  ASSERT_TRUE(history.Page(kConv, 10, "").ok());
  // change, outbound append, queued, sent, failed, history page.
  ExpectOneSlotEach(6);
}

TEST_F(ClusterScriptKeysTest, AgentRouter) {
  agents::AgentStore store(&redis_);
  for (const char* id : {"ann", "bob"}) {
    agents::Agent agent;
    agent.id = id;
    agent.capacity = 1;
    ASSERT_TRUE(store.Upsert(agent, /*seed=*/false).ok());
  }
  ASSERT_TRUE(store.SetPresence("bob", agents::Presence::kOnline).ok());
  agents::AssignInput input;
  input.conversation_key = kConv;
  input.candidates = {"ann", "bob"};
  input.now_ms = clock_.NowMs();
  auto assigned = store.Assign(input);
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  ASSERT_FALSE(assigned->agent_id.empty());
  const std::string other = assigned->agent_id == "ann" ? "bob" : "ann";
  ASSERT_TRUE(store.Transfer(kConv, other, clock_.NowMs()).ok());
  ASSERT_TRUE(store.Release(kConv, "", /*resolved=*/true).ok());
  ASSERT_TRUE(store.CreditRating(other, "rating-1", 5).ok());
  // A waiting conversation whose details expired is pruned (script).
  agents::AssignInput waiting;
  waiting.conversation_key = "telegram:bot1:chat-43";
  waiting.now_ms = clock_.NowMs();
  ASSERT_TRUE(store.Assign(waiting).ok());
  ASSERT_TRUE(fake_.Run({"DEL", agents::keys::Queued(waiting.conversation_key)}).ok());
  std::string cursor = "0";
  auto pruned = store.PruneQueue(&cursor, 100);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 1);
  // upsert, presence, assign, transfer, release, credit rating, prune.
  ExpectOneSlotEach(7);
}

TEST_F(ClusterScriptKeysTest, WebChatReplyTokensAndRateLimits) {
  webchat::RedisTranscript transcript(&redis_, 100, absl::Hours(1));
  // FakeRedis has no PUBLISH, so the script fails there; its keys were
  // checked on the way.
  (void)transcript.Append({"web", "visitor-1"}, "m1", R"({"text":"hi"})");

  sender::ReplyTokens tokens(&redis_, kPartitions, clock_);
  omnigate::v1::Event reply;
  reply.set_id("reply-1");
  reply.set_conversation_key("line:acct:user-1");
  (*reply.mutable_attributes())[std::string(sender::kReplyTokenAttribute)] = "token-1";
  (*reply.mutable_attributes())[std::string(sender::kReplyTokenAtAttribute)] =
      absl::StrCat(clock_.NowMs());
  auto claimed = tokens.Claim(reply);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_TRUE(*claimed);

  outbound::RateLimiter limiter(&redis_, clock_);
  ASSERT_TRUE(limiter.Reserve("tg", "chat-42", 30, 30, 1, 1, clock_.NowMs()).ok());
  ASSERT_TRUE(limiter.Pause("tg", "", clock_.NowMs() + 1000, "429").ok());
  clock_.AdvanceMs(5000);
  ASSERT_TRUE(limiter.PausedConnectors().ok());  // forgets the ended pause (script)
  // transcript append, token claim, reserve, pause, forget pause.
  ExpectOneSlotEach(5);
}

}  // namespace
}  // namespace omnigate
