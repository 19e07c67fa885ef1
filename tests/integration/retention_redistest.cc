// Conversation retention against a real redis-server: every per-conversation
// key expires after the retention unless activity renews it, so Redis stays
// flat while conversations come and go.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/agents/agent_directory.h"
#include "lib/agents/agent_router.h"
#include "lib/agents/agent_store.h"
#include "lib/agents/keys.h"
#include "lib/agents/router_metrics.h"
#include "lib/chatbot/bot_memory.h"
#include "lib/common/clock.h"
#include "lib/common/log.h"
#include "lib/conversations/conversation_store.h"
#include "lib/conversations/conversations_client.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/queue/redis_stream_queue.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/redis_url.h"
#include "prometheus/registry.h"
#include "tests/support/redis_test.h"

namespace omnigate {
namespace {

constexpr uint32_t kPartitions = 4;
constexpr char kAgent[] = "a1";

// The agent router records assignments straight in the conversation store,
// as the dispatcher's Conversations service would.
class StoreConversations final : public conversations::ConversationsClient {
 public:
  explicit StoreConversations(conversations::ConversationStore* store) : store_(store) {}

  absl::Status Assign(const std::string& conv, const std::string& agent) override {
    omnigate::v1::AssignRequest request;
    request.set_conversation_key(conv);
    request.set_agent_id(agent);
    return store_->Assign(request).status();
  }
  absl::Status Resolve(const std::string& conv, const std::string& agent,
                       const std::string& reason) override {
    omnigate::v1::ResolveRequest request;
    request.set_conversation_key(conv);
    request.set_agent_id(agent);
    request.set_reason(reason);
    return store_->Resolve(request).status();
  }
  absl::Status Transfer(const std::string& conv, const std::string& from, const std::string& to,
                        const std::string& reason) override {
    omnigate::v1::TransferRequest request;
    request.set_conversation_key(conv);
    request.set_from_agent_id(from);
    request.set_to_agent_id(to);
    request.set_reason(reason);
    return store_->Transfer(request).status();
  }

 private:
  conversations::ConversationStore* const store_;
};

// Ingest, dispatcher store, chatbot memory and agent router on one Redis,
// all with the same retention.
class RetentionRedisTest : public testing::RedisTest {
 protected:
  void Start(absl::Duration retention) {
    retention_ = retention;
    auto endpoint = redis::ParseRedisUrl(redis_->url());
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    pool_ = std::make_unique<redis::ConnectionPool>(*endpoint, absl::Seconds(1), absl::Seconds(2));

    redis::PipelineWriterOptions writer_options;
    writer_options.endpoint = *endpoint;
    writer_options.lanes = 1;
    queue::RedisStreamQueue::AddScripts(&writer_options);
    writer_ = std::make_unique<redis::RedisPipelineWriter>(writer_options, nullptr);
    writer_->Start();
    // Submit fails fast until the lane is connected.
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (!writer_->healthy() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    ASSERT_TRUE(writer_->healthy());
    queue::RedisStreamQueueOptions queue_options;
    queue_options.dedupe_ttl_seconds = 1;
    queue_options.stream_max_len = 100;
    queue_options.conversation_retention = retention;
    // A conversation's history is kept by its own retention (days in
    // production): here as short as the state's, so it must go too.
    queue_options.history_retention = retention;
    queue_ = std::make_unique<queue::RedisStreamQueue>(queue_options, writer_.get());

    conversations::ConversationStoreOptions store_options;
    store_options.partitions = kPartitions;
    store_options.stream_max_len = 100;
    store_options.conversation_retention = retention;
    store_options.history_retention = retention;
    store_ = std::make_unique<conversations::ConversationStore>(store_options, pool_.get(), clock_);

    chatbot::BotMemoryOptions memory_options;
    memory_options.seen_ttl_seconds = 1;
    memory_options.unanswered_ttl_seconds = std::max<int64_t>(1, absl::ToInt64Seconds(retention));
    memory_options.history_retention_ms = absl::ToInt64Milliseconds(retention);
    memory_ = std::make_unique<chatbot::BotMemory>(pool_.get(), memory_options);

    agent_pool_ =
        std::make_unique<redis::ConnectionPool>(*endpoint, absl::Seconds(1), absl::Seconds(2));
    agent_store_ = std::make_unique<agents::AgentStore>(agent_pool_.get(),
                                                        agents::AgentStoreOptions{retention});
    directory_ = std::make_unique<agents::AgentDirectory>(agent_store_.get(), clock_);
    metrics_ = std::make_unique<agents::RouterMetrics>(registry_);
    recorder_ = std::make_unique<StoreConversations>(store_.get());
    agents::RouterOptions router_options;
    router_options.drain_batch = 1000;
    router_ =
        std::make_unique<agents::AgentRouter>(agent_store_.get(), directory_.get(), recorder_.get(),
                                              metrics_.get(), clock_, router_options);
    agents::Agent agent;
    agent.id = kAgent;
    agent.capacity = 1000;
    ASSERT_TRUE(router_->UpsertAgent(agent).ok());
  }

  // A customer message through ingest's enqueue script.
  void Inbound(const std::string& conv) {
    omnigate::v1::Event e;
    e.set_id(absl::StrCat("in-", ++inbound_seq_));
    e.set_conversation_key(conv);
    e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
    e.mutable_text()->set_body("hello, is anyone there?");
    std::promise<absl::StatusOr<std::vector<queue::EnqueueOutcome>>> done;
    auto result = done.get_future();
    queue::EventToStore item;
    item.partition = queue::PartitionOf(conv, kPartitions);
    item.idempotency_key = e.id();
    item.payload = e.SerializeAsString();
    item.conversation_key = conv;
    queue_->Enqueue({std::move(item)}, [&](auto r) { done.set_value(std::move(r)); });
    auto outcome = result.get();
    ASSERT_TRUE(outcome.ok()) << outcome.status();
  }

  // The bot could not answer, counts it and hands off.
  void BotHandsOff(const std::string& conv) {
    chatbot::BotEffect effect;
    effect.partition = queue::PartitionOf(conv, kPartitions);
    effect.event_id = absl::StrCat("in-", inbound_seq_);
    effect.conversation_key = conv;
    effect.count_unanswered = true;
    ASSERT_TRUE(memory_->Apply(effect).ok());
    omnigate::v1::SetModeRequest handoff;
    handoff.set_conversation_key(conv);
    handoff.set_mode(omnigate::v1::MODE_AGENT);
    handoff.set_reason("unanswered");
    handoff.set_actor("chatbot");
    ASSERT_TRUE(store_->SetMode(handoff).ok());
  }

  agents::AssignOutcome Route(const std::string& conv) {
    agents::RouteRequest request;
    request.conversation_key = conv;
    auto routed = router_->Route(request);
    EXPECT_TRUE(routed.ok()) << routed.status();
    return routed.ok() ? routed->outcome : agents::AssignOutcome::kUnassigned;
  }

  redis::RedisReply Run(const redis::RedisCommand& command) {
    auto reply = pool_->Run(command);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *std::move(reply) : redis::RedisReply();
  }

  int64_t Pttl(const std::string& key) { return Run({"PTTL", key}).integer(); }

  // Keys matching `pattern`; SCAN also drops expired keys it meets, so
  // a full walk leaves DBSIZE exact.
  int64_t CountKeys(const std::string& pattern) {
    int64_t n = 0;
    std::string cursor = "0";
    do {
      redis::RedisReply page = Run({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      if (page.size() != 2) return -1;
      cursor = std::string(redis::ElementStr(page.element(0)));
      n += static_cast<int64_t>(page.element(1)->elements);
    } while (cursor != "0");
    return n;
  }

  int64_t UsedMemory() {
    const std::string info(Run({"INFO", "memory"}).str());
    for (absl::string_view line : absl::StrSplit(info, "\r\n")) {
      int64_t v = 0;
      if (absl::ConsumePrefix(&line, "used_memory:") && absl::SimpleAtoi(line, &v)) return v;
    }
    return -1;
  }

  // Every per-conversation key kind.
  struct ConversationKeys {
    int64_t state, sticky, assigned, queued, unanswered;
    int64_t total() const { return state + sticky + assigned + queued + unanswered; }
  };
  ConversationKeys CountConversationKeys() {
    const std::string agents_prefix(agents::keys::kPrefix);
    return {CountKeys("omnigate:conv:*"), CountKeys(agents_prefix + "last:*"),
            CountKeys(agents_prefix + "assign:*"), CountKeys(agents_prefix + "queued:*"),
            CountKeys("omnigate:bot:*:unanswered:*")};
  }

  const Clock& clock_ = SystemClock::Get();
  absl::Duration retention_;
  int64_t inbound_seq_ = 0;
  std::unique_ptr<redis::ConnectionPool> pool_;
  std::unique_ptr<redis::RedisPipelineWriter> writer_;
  std::unique_ptr<queue::RedisStreamQueue> queue_;
  std::unique_ptr<conversations::ConversationStore> store_;
  std::unique_ptr<chatbot::BotMemory> memory_;
  std::unique_ptr<redis::ConnectionPool> agent_pool_;
  std::unique_ptr<agents::AgentStore> agent_store_;
  std::unique_ptr<agents::AgentDirectory> directory_;
  prometheus::Registry registry_;
  std::unique_ptr<agents::RouterMetrics> metrics_;
  std::unique_ptr<StoreConversations> recorder_;
  std::unique_ptr<agents::AgentRouter> router_;
};

TEST_F(RetentionRedisTest, EveryConversationKeyExpiresAndActivityRenewsIt) {
  Start(absl::Seconds(60));
  const int64_t keep = 60000;
  // Stays with the bot: no state at all, and a message creates none.
  Inbound("webchat:s:bot-only");
  EXPECT_EQ(Run({"EXISTS",
                 queue::ConversationStateKey(queue::PartitionOf("webchat:s:bot-only", kPartitions),
                                             "webchat:s:bot-only")})
                .integer(),
            0);

  const std::string served = "webchat:s:served";
  const uint32_t p = queue::PartitionOf(served, kPartitions);
  Inbound(served);
  BotHandsOff(served);
  ASSERT_EQ(Route(served), agents::AssignOutcome::kAssigned);
  const std::string state = queue::ConversationStateKey(p, served);
  for (const std::string& key :
       {state, agents::keys::LastAgent(served), chatbot::UnansweredKey(p, served)}) {
    const int64_t ttl = Pttl(key);
    EXPECT_GT(ttl, 0) << key;
    EXPECT_LE(ttl, keep) << key;
  }
  // Holds a unit of the agent's load until released: never expires.
  EXPECT_EQ(Pttl(agents::keys::Assignment(served)), -1);

  // An inbound message renews the state; a routing request renews the
  // sticky agent.
  ASSERT_EQ(Run({"PEXPIRE", state, "5000"}).integer(), 1);
  ASSERT_EQ(Run({"PEXPIRE", agents::keys::LastAgent(served), "5000"}).integer(), 1);
  Inbound(served);
  EXPECT_GT(Pttl(state), 5000);
  ASSERT_EQ(Route(served), agents::AssignOutcome::kAlreadyAssigned);
  EXPECT_GT(Pttl(agents::keys::LastAgent(served)), 5000);

  // Resolved: the closed state and the sticky agent stay for the retention.
  ASSERT_TRUE(router_->Resolve(served, "", "done").ok());
  EXPECT_EQ(Pttl(agents::keys::Assignment(served)), -2);
  EXPECT_GT(Pttl(state), 5000);

  // Waiting: the details expire, renewed while the customer writes.
  ASSERT_TRUE(router_->SetPresence(kAgent, agents::Presence::kAway).ok());
  const std::string waiting = "webchat:s:waiting";
  Inbound(waiting);
  BotHandsOff(waiting);
  ASSERT_EQ(Route(waiting), agents::AssignOutcome::kQueued);
  const int64_t queued_ttl = Pttl(agents::keys::Queued(waiting));
  EXPECT_GT(queued_ttl, 0);
  EXPECT_LE(queued_ttl, keep);
  ASSERT_EQ(Run({"PEXPIRE", agents::keys::Queued(waiting), "5000"}).integer(), 1);
  ASSERT_EQ(Route(waiting), agents::AssignOutcome::kStillQueued);
  EXPECT_GT(Pttl(agents::keys::Queued(waiting)), 5000);

  // Details gone (expired): the sweep drops the member even with no agent
  // free, and a later request queues it again at the back.
  ASSERT_EQ(Run({"DEL", agents::keys::Queued(waiting)}).integer(), 1);
  ASSERT_EQ(Route(waiting), agents::AssignOutcome::kQueued);
  ASSERT_EQ(Run({"DEL", agents::keys::Queued(waiting)}).integer(), 1);
  std::string cursor = "0";
  auto dropped = agent_store_->PruneQueue(&cursor, 100);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(*dropped, 1);
  EXPECT_EQ(cursor, "0");
  EXPECT_EQ(Run({"ZCARD", agents::keys::Queue()}).integer(), 0);
}

// Rounds of fresh conversations: half served (handoff, assign, resolve),
// half abandoned in the queue. After each round, past the retention, every
// per-conversation key is gone and Redis memory is back where it was.
TEST_F(RetentionRedisTest, SoakMemoryStaysFlatWhileConversationsComeAndGo) {
  log::SetMinLevel(log::Level::kWARNING);  // one info line per routing
  const absl::Duration retention = absl::Seconds(1);
  Start(retention);
  constexpr int kRounds = 4;
  constexpr int kPerGroup = 150;
  // Writes all along: activity keeps its state across every round.
  const std::string regular = "webchat:soak:regular";
  Inbound(regular);
  BotHandsOff(regular);
  absl::Time regular_written = absl::Now();
  auto keep_regular = [&] {
    if (absl::Now() - regular_written < absl::Milliseconds(200)) return;
    Inbound(regular);
    regular_written = absl::Now();
  };

  // Streams are capped, not emptied, and pooled connections come and go:
  // allow that much. One round's keys, had they stayed, are far more.
  constexpr int64_t kMargin = 64 * 1024;
  std::vector<int64_t> memory;
  std::vector<int64_t> live_growth;
  std::vector<int64_t> keys_left;
  for (int round = 0; round < kRounds; ++round) {
    const absl::Time start = absl::Now();
    ASSERT_TRUE(router_->SetPresence(kAgent, agents::Presence::kOnline).ok());
    for (int i = 0; i < kPerGroup; ++i) {
      const std::string conv = absl::StrCat("webchat:soak:", round, ":served:", i);
      Inbound(conv);
      BotHandsOff(conv);
      ASSERT_EQ(Route(conv), agents::AssignOutcome::kAssigned);
      Inbound(conv);
      ASSERT_TRUE(router_->Resolve(conv, "", "done").ok());
      keep_regular();
    }
    ASSERT_TRUE(router_->SetPresence(kAgent, agents::Presence::kAway).ok());
    for (int i = 0; i < kPerGroup; ++i) {
      const std::string conv = absl::StrCat("webchat:soak:", round, ":abandoned:", i);
      Inbound(conv);
      BotHandsOff(conv);
      ASSERT_EQ(Route(conv), agents::AssignOutcome::kQueued);
      keep_regular();
    }
    const ConversationKeys live = CountConversationKeys();
    const int64_t live_memory = UsedMemory();
    const absl::Duration work = absl::Now() - start;

    // Past the retention; the regular conversation keeps writing.
    const absl::Time quiet_until = absl::Now() + retention + absl::Milliseconds(300);
    while (absl::Now() < quiet_until) {
      keep_regular();
      absl::SleepFor(absl::Milliseconds(50));
    }
    // The waiting ones left: even rounds through the drain (an agent comes
    // back), odd rounds through the sweep with nobody free.
    if (round % 2 == 0) {
      ASSERT_TRUE(router_->SetPresence(kAgent, agents::Presence::kOnline).ok());
    } else {
      std::string cursor = "0";
      do {
        ASSERT_TRUE(agent_store_->PruneQueue(&cursor, 100).ok());
      } while (cursor != "0");
    }
    EXPECT_EQ(Run({"ZCARD", agents::keys::Queue()}).integer(), 0);

    const ConversationKeys left = CountConversationKeys();
    EXPECT_EQ(left.state, 1) << "round " << round + 1;  // the regular conversation
    EXPECT_EQ(left.total(), 1) << "round " << round + 1;
    auto agent = agent_store_->Get(kAgent);
    ASSERT_TRUE(agent.ok());
    EXPECT_EQ(agent->load, 0);
    // A full walk first, so expired keys are reclaimed before measuring.
    // Less the dedupe buckets (1 s windows), which the next calls free.
    keys_left.push_back(CountKeys("*") - CountKeys("omnigate:dedupe:*"));
    memory.push_back(UsedMemory());
    live_growth.push_back(live_memory - memory.back());
    printf(
        "retention soak round %d: %d conversations in %.0f ms; live keys: state=%lld "
        "sticky=%lld queued=%lld unanswered=%lld, used_memory=%lld; after %.1f s: "
        "conversation keys=%lld, keys but dedupe markers=%lld, used_memory=%lld\n",
        round + 1, 2 * kPerGroup, absl::ToDoubleMilliseconds(work),
        static_cast<long long>(live.state), static_cast<long long>(live.sticky),
        static_cast<long long>(live.queued), static_cast<long long>(live.unanswered),
        static_cast<long long>(live_memory), absl::ToDoubleSeconds(retention) + 0.3,
        static_cast<long long>(left.total()), static_cast<long long>(keys_left.back()),
        static_cast<long long>(memory.back()));
    fflush(stdout);
  }
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_GT(live_growth[round], kMargin) << "round " << round + 1;
    EXPECT_EQ(keys_left[round], keys_left[0]) << "round " << round + 1;
    EXPECT_LT(std::abs(memory[round] - memory[0]), kMargin) << "round " << round + 1;
  }
  auto regular_state = store_->Get(regular);
  ASSERT_TRUE(regular_state.ok());
  EXPECT_EQ(regular_state->mode(), omnigate::v1::MODE_AGENT);
}

}  // namespace
}  // namespace omnigate
