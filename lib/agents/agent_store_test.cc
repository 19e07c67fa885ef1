// AgentStore (the agent router's Redis state and scripts) against FakeRedis.
#include "lib/agents/agent_store.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/agents/keys.h"
#include "lib/common/clock.h"
#include "lib/redis/fake_redis.h"

namespace omnigate::agents {
namespace {

using ::testing::ElementsAre;

Agent MakeAgent(const std::string& id, int capacity) {
  Agent agent;
  agent.id = id;
  agent.display_name = id + " name";
  agent.skills = {"billing"};
  agent.languages = {"en"};
  agent.capacity = capacity;
  return agent;
}

class AgentStoreTest : public ::testing::Test {
 protected:
  AgentStoreTest() : store_(&redis_, {absl::Seconds(60)}) {}

  AssignResult Assign(const std::string& conv, std::vector<std::string> candidates,
                      bool queue_if_busy = true) {
    AssignInput input;
    input.conversation_key = conv;
    input.candidates = std::move(candidates);
    input.now_ms = clock_.NowMs();
    input.queue_if_busy = queue_if_busy;
    auto result = store_.Assign(input);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : AssignResult();
  }

  FakeClock clock_{1700000000000};
  redis::FakeRedis redis_{clock_};
  AgentStore store_;
};

TEST_F(AgentStoreTest, UpsertGetListAndPresence) {
  ASSERT_TRUE(store_.Upsert(MakeAgent("b", 2), /*seed=*/true).ok());
  ASSERT_TRUE(store_.Upsert(MakeAgent("a", 1), /*seed=*/true).ok());
  auto a = store_.Get("a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->display_name, "a name");
  EXPECT_EQ(a->capacity, 1);
  EXPECT_EQ(a->presence, Presence::kOnline);
  EXPECT_THAT(a->skills, ElementsAre("billing"));
  ASSERT_TRUE(store_.SetPresence("a", Presence::kAway).ok());
  // A seed does not override a live presence change.
  ASSERT_TRUE(store_.Upsert(MakeAgent("a", 3), /*seed=*/true).ok());
  EXPECT_EQ(store_.Get("a")->presence, Presence::kAway);
  EXPECT_EQ(store_.Get("a")->capacity, 3);
  auto all = store_.List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a");
  EXPECT_EQ((*all)[1].id, "b");
  EXPECT_TRUE(absl::IsNotFound(store_.Get("zz").status()));
  EXPECT_TRUE(absl::IsNotFound(store_.SetPresence("zz", Presence::kOnline)));
  EXPECT_TRUE(absl::IsNotFound(store_.Get("zz").status()));  // no stub created
}

TEST_F(AgentStoreTest, AssignsLeastLoadedQueuesWhenFullAndReleaseFreesRoom) {
  ASSERT_TRUE(store_.Upsert(MakeAgent("a", 1), true).ok());
  ASSERT_TRUE(store_.Upsert(MakeAgent("b", 1), true).ok());
  AssignResult first = Assign("c1", {"a", "b"});
  EXPECT_EQ(first.outcome, AssignOutcome::kAssigned);
  EXPECT_EQ(first.agent_id, "a");
  EXPECT_TRUE(first.pending_notify);
  EXPECT_EQ(Assign("c1", {"a", "b"}).outcome, AssignOutcome::kAlreadyAssigned);
  clock_.AdvanceMs(1);
  EXPECT_EQ(Assign("c2", {"a", "b"}).agent_id, "b");
  EXPECT_EQ(store_.Get("b")->load, 1);

  clock_.AdvanceMs(1);
  const int64_t queued_at = clock_.NowMs();
  AssignResult queued = Assign("c3", {"a", "b"});
  EXPECT_EQ(queued.outcome, AssignOutcome::kQueued);
  EXPECT_EQ(queued.enqueued_ms, queued_at);
  clock_.AdvanceMs(5);
  EXPECT_EQ(Assign("c3", {"a", "b"}).outcome, AssignOutcome::kStillQueued);
  int64_t total = 0;
  auto waiting = store_.ListQueue(10, &total);
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(total, 1);
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ((*waiting)[0].conversation_key, "c3");
  EXPECT_EQ((*waiting)[0].enqueued_ms, queued_at);

  auto released = store_.Release("c1", "");
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->outcome, ReleaseOutcome::kReleased);
  EXPECT_EQ(released->agent_id, "a");
  EXPECT_EQ(store_.Release("c1", "")->outcome, ReleaseOutcome::kNotAssigned);  // no double free
  EXPECT_EQ(store_.Get("a")->load, 0);

  // The drain: already queued, so queue_if_busy is false.
  AssignResult drained = Assign("c3", {"a", "b"}, /*queue_if_busy=*/false);
  EXPECT_EQ(drained.outcome, AssignOutcome::kAssigned);
  EXPECT_EQ(drained.agent_id, "a");
  EXPECT_EQ(drained.enqueued_ms, queued_at);
  EXPECT_EQ(*store_.GetAssignment("c3"), "a");
  ASSERT_TRUE(store_.ListQueue(10, &total).ok());
  EXPECT_EQ(total, 0);
}

// A queue walk that passed over an entry fences later assigns on the freed
// generation it read with the queue: every change that frees room bumps it,
// and a stale fence assigns nothing, so the walk restarts from the head.
TEST_F(AgentStoreTest, FencedAssignIsStaleOnceRoomFreed) {
  ASSERT_TRUE(store_.Upsert(MakeAgent("a", 1), /*seed=*/true).ok());
  EXPECT_EQ(Assign("busy", {"a"}).outcome, AssignOutcome::kAssigned);
  EXPECT_EQ(Assign("q1", {"a"}).outcome, AssignOutcome::kQueued);
  EXPECT_EQ(Assign("q2", {"a"}).outcome, AssignOutcome::kQueued);
  int64_t total = 0;
  std::string generation;
  auto queue = store_.ListQueue(10, &total, &generation);
  ASSERT_TRUE(queue.ok()) << queue.status();
  ASSERT_EQ(total, 2);
  ASSERT_EQ(queue->size(), 2u);

  auto fenced = [&](const std::string& conv) {
    AssignInput input;
    input.conversation_key = conv;
    input.candidates = {"a"};
    input.now_ms = clock_.NowMs();
    input.queue_if_busy = false;
    input.fence = generation;
    auto result = store_.Assign(input);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->outcome : AssignOutcome::kAssigned;
  };
  // Fence current, no room: the walk passes over q1 and q2.
  EXPECT_EQ(fenced("q1"), AssignOutcome::kUnassigned);
  // The seat frees mid-walk: the fenced assign of a later entry refuses.
  ASSERT_EQ(store_.Release("busy", "")->outcome, ReleaseOutcome::kReleased);
  EXPECT_EQ(fenced("q2"), AssignOutcome::kStale);
  EXPECT_EQ(store_.GetAssignment("q2").value(), "");
  EXPECT_EQ(store_.Get("a")->load, 0);
  // Restarted from the head with a fresh generation, q1 takes the seat.
  ASSERT_TRUE(store_.ListQueue(10, &total, &generation).ok());
  EXPECT_EQ(fenced("q1"), AssignOutcome::kAssigned);

  // Transfers, upserts and presence coming online bump it too.
  const std::string before = generation;
  ASSERT_TRUE(store_.Upsert(MakeAgent("b", 1), /*seed=*/true).ok());
  ASSERT_TRUE(store_.ListQueue(10, &total, &generation).ok());
  EXPECT_NE(generation, before);
  const std::string after_upsert = generation;
  ASSERT_TRUE(store_.SetPresence("b", Presence::kOnline).ok());
  ASSERT_TRUE(store_.ListQueue(10, &total, &generation).ok());
  EXPECT_NE(generation, after_upsert);
  const std::string after_presence = generation;
  ASSERT_EQ(store_.Transfer("q1", "b", clock_.NowMs())->outcome, TransferOutcome::kTransferred);
  ASSERT_TRUE(store_.ListQueue(10, &total, &generation).ok());
  EXPECT_NE(generation, after_presence);
}

TEST_F(AgentStoreTest, CountsHandledResolvedAndCreditsRatingsOnce) {
  ASSERT_TRUE(store_.Upsert(MakeAgent("a", 2), true).ok());
  ASSERT_TRUE(store_.Upsert(MakeAgent("b", 2), true).ok());
  EXPECT_EQ(Assign("c1", {"a"}).agent_id, "a");
  EXPECT_EQ(Assign("c2", {"a"}).agent_id, "a");
  // Leaving agent mode frees the seat but is no resolution.
  ASSERT_TRUE(store_.Release("c2", "", /*resolved=*/false).ok());
  ASSERT_TRUE(store_.Release("c1", "a", /*resolved=*/true).ok());
  ASSERT_TRUE(store_.Release("c1", "a", /*resolved=*/true).ok());  // a repeat frees nothing
  auto credited = store_.CreditRating("a", "ev-1", 5);
  ASSERT_TRUE(credited.ok()) << credited.status();
  EXPECT_TRUE(*credited);
  EXPECT_FALSE(*store_.CreditRating("a", "ev-1", 5));  // the same rating again
  EXPECT_TRUE(*store_.CreditRating("a", "ev-2", 2));
  EXPECT_FALSE(*store_.CreditRating("nobody", "ev-3", 4));  // no stub agent created
  EXPECT_TRUE(absl::IsNotFound(store_.Get("nobody").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_.CreditRating("a", "ev-4", 6).status()));
  auto a = store_.Get("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->handled, 2);
  EXPECT_EQ(a->resolved, 1);
  EXPECT_EQ(a->rating_count, 2);
  EXPECT_EQ(a->rating_sum, 7);
  // A profile update (agents file reload) keeps the counters.
  ASSERT_TRUE(store_.Upsert(MakeAgent("a", 3), true).ok());
  EXPECT_EQ(store_.Get("a")->rating_count, 2);
  EXPECT_EQ(store_.Get("b")->handled, 0);
}

TEST_F(AgentStoreTest, StickyAgentTransferAndNotify) {
  ASSERT_TRUE(store_.Upsert(MakeAgent("a", 2), true).ok());
  ASSERT_TRUE(store_.Upsert(MakeAgent("b", 2), true).ok());
  EXPECT_EQ(Assign("c1", {"a", "b"}).agent_id, "a");
  ASSERT_TRUE(store_.Release("c1", "a").ok());
  EXPECT_EQ(Assign("c2", {"a"}).agent_id, "a");  // a now busier than b
  AssignResult sticky = Assign("c1", {"b", "a"});
  EXPECT_EQ(sticky.outcome, AssignOutcome::kSticky);
  EXPECT_EQ(sticky.agent_id, "a");

  auto moved = store_.Transfer("c1", "b", clock_.NowMs());
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->outcome, TransferOutcome::kTransferred);
  EXPECT_EQ(moved->from_agent_id, "a");
  EXPECT_EQ(store_.Transfer("c1", "b", clock_.NowMs())->outcome, TransferOutcome::kAlready);
  EXPECT_EQ(store_.Transfer("none", "b", clock_.NowMs())->outcome, TransferOutcome::kNotAssigned);
  EXPECT_EQ(store_.Get("a")->load, 1);
  EXPECT_EQ(store_.Get("b")->load, 1);

  auto pending = store_.PendingNotify(10);
  ASSERT_TRUE(pending.ok());
  EXPECT_THAT(*pending, ElementsAre("c1", "c2"));
  ASSERT_TRUE(store_.MarkNotified("c1").ok());
  EXPECT_THAT(*store_.PendingNotify(10), ElementsAre("c2"));
}

TEST_F(AgentStoreTest, PruneDropsQueueEntriesIdleForTheRetention) {
  ASSERT_TRUE(store_.Upsert(MakeAgent("a", 0), true).ok());
  EXPECT_EQ(Assign("c1", {"a"}).outcome, AssignOutcome::kQueued);
  clock_.AdvanceMs(30000);
  EXPECT_EQ(Assign("c2", {"a"}).outcome, AssignOutcome::kQueued);
  std::string cursor = "0";
  EXPECT_EQ(*store_.PruneQueue(&cursor, 100), 0);
  clock_.AdvanceMs(30000);  // c1's details expired, c2's not yet
  cursor = "0";
  EXPECT_EQ(*store_.PruneQueue(&cursor, 100), 1);
  EXPECT_EQ(cursor, "0");
  int64_t total = 0;
  auto waiting = store_.ListQueue(10, &total);
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ((*waiting)[0].conversation_key, "c2");
}

TEST_F(AgentStoreTest, ErrorRepliesAreInternalAndOutagesUnavailable) {
  ASSERT_TRUE(redis_.Run({"SET", keys::Agent("a"), "not a hash"}).ok());
  EXPECT_TRUE(absl::IsInternal(store_.Get("a").status()));
  redis_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(store_.Get("b").status()));
  EXPECT_TRUE(absl::IsUnavailable(store_.Upsert(MakeAgent("b", 1), true)));
}

}  // namespace
}  // namespace omnigate::agents
