// The customer-experience timeline of a conversation, across the scripts
// that record its moments (ingest's enqueue, the Conversations changes, the
// sender's record of a sent reply), against FakeRedis's real Lua: each
// moment is measured once per cycle however often its call is repeated.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/conversations/conversation_store.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/cx/cx_metrics.h"
#include "lib/queue/enqueue_call.h"
#include "lib/queue/enqueue_script.h"
#include "lib/queue/history_entry.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/fake_redis.h"
#include "lib/redis/redis_script.h"
#include "prometheus/registry.h"

namespace omnigate::conversations {
namespace {

constexpr char kKey[] = "whatsapp:100:6281234";
constexpr uint32_t kPartitions = 4;
constexpr int64_t kStart = 1700000000000;

// One metric family's samples, summed over label sets matching `label`.
struct Sample {
  double count = 0;  // histogram sample count, or counter value
  double sum = 0;
};

class TimelineTest : public ::testing::Test {
 protected:
  TimelineTest()
      : metrics_(registry_),
        store_(Options(&metrics_), &redis_, clock_),
        statuses_(&redis_, kPartitions, absl::Hours(1), clock_),
        enqueue_(queue::EnqueueScript()),
        calls_(CallSettings()),
        p_(queue::PartitionOf(kKey, kPartitions)) {}

  static queue::EnqueueSettings CallSettings() {
    queue::EnqueueSettings s;
    s.dedupe_ttl_seconds = 60;
    s.stream_max_len = 1000;
    s.conversation_retention = absl::Hours(1);
    s.history_max_len = 100;
    s.history_retention = absl::Hours(1);
    return s;
  }

  static ConversationStoreOptions Options(cx::CxMetrics* metrics) {
    ConversationStoreOptions o;
    o.partitions = kPartitions;
    o.history_max_len = 100;
    o.cx_metrics = metrics;
    return o;
  }

  // Ingest storing a customer's message sent at `sent_ms`; the cycle flag.
  int64_t CustomerMessage(const std::string& id, int64_t sent_ms) {
    omnigate::v1::Event e;
    e.set_id(id);
    e.set_conversation_key(kKey);
    e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
    e.mutable_text()->set_body("hello " + id);
    queue::EventToStore store;
    store.partition = p_;
    store.idempotency_key = id;
    store.payload = e.SerializeAsString();
    store.conversation_key = kKey;
    store.customer_message_ms = sent_ms;
    store.customer_id = "6281234";
    store.connector = "wa-main";
    store.history = true;
    queue::EnqueueCall call = calls_.Build(std::move(store), sent_ms);
    auto reply = redis_.Eval(enqueue_, call.keys, call.args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    if (!reply.ok() || reply->size() != 1 || reply->element(0)->elements < 2) return -1;
    const redisReply* answer = reply->element(0);
    return answer->elements >= 3 ? answer->element[2]->integer : 0;
  }

  absl::StatusOr<SentRecord> Sent(const std::string& reply_id, omnigate::v1::Role role) {
    return statuses_.RecordSent(kKey, reply_id, "wa-main", "wamid." + reply_id, role);
  }

  omnigate::v1::Conversation Handoff() {
    omnigate::v1::SetModeRequest r;
    r.set_conversation_key(kKey);
    r.set_mode(omnigate::v1::MODE_AGENT);
    r.set_reason("customer_request");
    r.set_language("id");
    auto c = store_.SetMode(r);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : omnigate::v1::Conversation();
  }

  omnigate::v1::Conversation Assign(const std::string& agent) {
    omnigate::v1::AssignRequest r;
    r.set_conversation_key(kKey);
    r.set_agent_id(agent);
    r.set_priority("high");
    auto c = store_.Assign(r);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : omnigate::v1::Conversation();
  }

  omnigate::v1::Conversation Resolve(const std::string& agent) {
    omnigate::v1::ResolveRequest r;
    r.set_conversation_key(kKey);
    r.set_agent_id(agent);
    auto c = store_.Resolve(r);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : omnigate::v1::Conversation();
  }

  Sample Family(const std::string& name, const std::string& label = "",
                const std::string& value = "") {
    Sample out;
    for (const auto& f : registry_.Collect()) {
      if (f.name != name) continue;
      for (const auto& m : f.metric) {
        bool match = label.empty();
        for (const auto& l : m.label) match = match || (l.name == label && l.value == value);
        if (!match) continue;
        if (f.type == prometheus::MetricType::Histogram) {
          out.count += static_cast<double>(m.histogram.sample_count);
          out.sum += m.histogram.sample_sum;
        } else {
          out.count += m.counter.value;
        }
      }
    }
    return out;
  }

  std::vector<omnigate::v1::Event> History() {
    auto reply = redis_.Run({"LRANGE", queue::HistoryKey(p_, kKey), "0", "-1"});
    std::vector<omnigate::v1::Event> out;
    if (!reply.ok()) return out;
    for (size_t i = 0; i < reply->size(); ++i) {
      int64_t seq = 0;
      absl::string_view payload;
      EXPECT_TRUE(queue::ParseHistoryEntry(redis::ElementStr(reply->element(i)), &seq, &payload));
      EXPECT_EQ(seq, static_cast<int64_t>(i) + 1);
      omnigate::v1::Event e;
      e.ParseFromString(std::string(payload));
      out.push_back(e);
    }
    return out;
  }

  FakeClock clock_{kStart};
  redis::FakeRedis redis_{clock_};
  prometheus::Registry registry_;
  cx::CxMetrics metrics_;
  ConversationStore store_;
  OutboundStatusStore statuses_;
  const redis::RedisScript enqueue_;
  const queue::EnqueueCallBuilder calls_;
  const uint32_t p_;
};

TEST_F(TimelineTest, EveryMomentOfAnAgentCycleIsMeasuredOnce) {
  EXPECT_EQ(CustomerMessage("m1", kStart), 1);  // opened
  EXPECT_EQ(CustomerMessage("m1", kStart), 0);  // redelivered webhook: a duplicate
  clock_.AdvanceMs(2000);
  EXPECT_EQ(CustomerMessage("m2", kStart + 2000), 0);  // same cycle

  clock_.AdvanceMs(1000);  // the bot's answer accepted 3 s after the first message
  auto bot = Sent("r-bot", omnigate::v1::ROLE_BOT);
  ASSERT_TRUE(bot.ok()) << bot.status();
  ASSERT_TRUE(bot->first_response.has_value());
  EXPECT_EQ(*bot->first_response, absl::Seconds(3));
  EXPECT_FALSE(bot->agent_first_response.has_value());
  // The sender records the same reply again after a crash: nothing new.
  auto again = Sent("r-bot", omnigate::v1::ROLE_BOT);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->first_response.has_value());

  clock_.AdvanceMs(7000);  // +10 s: handoff
  omnigate::v1::Conversation c = Handoff();
  EXPECT_EQ(c.language(), "id");
  EXPECT_EQ(c.timeline().handoff_at_ms(), kStart + 10000);
  clock_.AdvanceMs(60000);  // +70 s: assigned after a minute in the queue
  c = Assign("agent-7");
  EXPECT_EQ(c.timeline().assigned_at_ms(), kStart + 70000);
  Assign("agent-7");  // a retried Assign records nothing new
  EXPECT_EQ(Family("omnigate_cx_queue_wait_seconds").count, 1);
  EXPECT_EQ(Family("omnigate_cx_queue_wait_seconds", "priority", "high").sum, 60);

  clock_.AdvanceMs(30000);  // +100 s: the agent's first reply
  auto agent = Sent("r-agent", omnigate::v1::ROLE_AGENT);
  ASSERT_TRUE(agent.ok());
  EXPECT_FALSE(agent->first_response.has_value());  // the bot answered first
  ASSERT_TRUE(agent->agent_first_response.has_value());
  EXPECT_EQ(*agent->agent_first_response, absl::Seconds(90));
  EXPECT_EQ(agent->priority, "high");
  auto second = Sent("r-agent-2", omnigate::v1::ROLE_AGENT);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->agent_first_response.has_value());

  clock_.AdvanceMs(100000);  // +200 s: resolved by the agent
  c = Resolve("agent-7");
  EXPECT_EQ(c.timeline().resolved_by(), "agent");
  EXPECT_EQ(c.timeline().resolved_agent_id(), "agent-7");
  EXPECT_EQ(c.timeline().opened_at_ms(), kStart);
  EXPECT_EQ(c.timeline().first_reply_at_ms(), kStart + 3000);
  EXPECT_EQ(c.timeline().first_agent_reply_at_ms(), kStart + 100000);
  Resolve("agent-7");  // retried
  EXPECT_EQ(Family("omnigate_cx_conversations_resolved_total", "resolved_by", "agent").count, 1);
  EXPECT_EQ(Family("omnigate_cx_resolution_seconds").sum, 200);
  // After the resolve a reply (the CSAT question) is no response.
  auto survey = Sent("r-survey", omnigate::v1::ROLE_BOT);
  ASSERT_TRUE(survey.ok());
  EXPECT_FALSE(survey->first_response.has_value());

  // The history holds the messages and every lifecycle change, in order.
  std::vector<std::string> kinds;
  for (const auto& e : History()) {
    kinds.push_back(e.has_conversation()
                        ? omnigate::v1::ConversationEvent::Kind_Name(e.conversation().kind())
                        : e.text().body());
  }
  EXPECT_THAT(kinds, ::testing::ElementsAre("hello m1", "hello m2", "KIND_HANDOFF_REQUESTED",
                                            "KIND_ASSIGNED", "KIND_RESOLVED"));
}

TEST_F(TimelineTest, AMessageAfterAResolveReopensInBotMode) {
  CustomerMessage("m1", kStart);
  clock_.AdvanceMs(5000);
  omnigate::v1::Conversation c = Resolve("");
  EXPECT_EQ(c.timeline().resolved_by(), "bot");
  EXPECT_EQ(c.mode(), omnigate::v1::MODE_CLOSED);
  EXPECT_EQ(Family("omnigate_cx_conversations_resolved_total", "resolved_by", "bot").count, 1);

  clock_.AdvanceMs(60000);
  EXPECT_EQ(CustomerMessage("m2", clock_.NowMs()), 2);  // reopened
  auto after = store_.Get(kKey);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->mode(), omnigate::v1::MODE_BOT);
  EXPECT_EQ(after->timeline().opened_at_ms(), clock_.NowMs());
  EXPECT_EQ(after->timeline().resolved_at_ms(), 0);
  EXPECT_EQ(after->timeline().reopened(), 1);
  // A second resolve of the new cycle counts again.
  Resolve("");
  EXPECT_EQ(Family("omnigate_cx_conversations_resolved_total", "resolved_by", "bot").count, 2);
}

TEST_F(TimelineTest, AnAnswerWhileTheCsatQuestionIsOpenKeepsTheCycle) {
  CustomerMessage("m1", kStart);
  Resolve("agent-1");
  const std::string state = queue::ConversationStateKey(p_, kKey);
  ASSERT_TRUE(redis_.Run({"HSET", state, "csat_until_ms", absl::StrCat(kStart + 60000)}).ok());
  // Within the window the chatbot decides (rating or reopen): ingest keeps out.
  EXPECT_EQ(CustomerMessage("m2", kStart + 30000), 0);
  auto c = store_.Get(kKey);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->timeline().csat_pending());
  EXPECT_EQ(c->mode(), omnigate::v1::MODE_CLOSED);  // the answer goes to the closed-mode sink
  // After it, a message is a new request as usual.
  EXPECT_EQ(CustomerMessage("m3", kStart + 61000), 2);
}

TEST_F(TimelineTest, AResolutionWithoutAnOpenedCycleIsCountedNotTimed) {
  Resolve("agent-1");  // an operator closed a conversation nobody wrote in
  EXPECT_EQ(Family("omnigate_cx_conversations_resolved_total").count, 1);
  EXPECT_EQ(Family("omnigate_cx_resolution_seconds").count, 0);
  // An assign without a handoff has no queue wait.
  Assign("agent-2");
  EXPECT_EQ(Family("omnigate_cx_queue_wait_seconds").count, 0);
}

TEST_F(TimelineTest, AnUnknownPriorityIsRefused) {
  omnigate::v1::AssignRequest r;
  r.set_conversation_key(kKey);
  r.set_agent_id("a");
  r.set_priority("asap");
  EXPECT_EQ(store_.Assign(r).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace omnigate::conversations
