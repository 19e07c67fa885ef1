// The script bridge of FakeRedis, with toy scripts and the real ones.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/dispatch/scripts.h"
#include "lib/queue/enqueue_script.h"
#include "lib/redis/fake_redis.h"
#include "lib/redis/redis_script.h"

namespace omnigate::redis {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class FakeLuaTest : public ::testing::Test {
 protected:
  RedisReply Eval(absl::string_view source, const std::vector<std::string>& keys = {},
                  const std::vector<std::string>& args = {}) {
    RedisScript script(source);
    auto reply = redis_.Eval(script, keys, args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *std::move(reply) : RedisReply();
  }
  RedisReply Do(const RedisCommand& command) { return *redis_.Run(command); }

  FakeClock clock_{1700000000000};
  FakeRedis redis_{clock_};
};

TEST_F(FakeLuaTest, ConvertsReturnValuesLikeRedis) {
  EXPECT_EQ(Eval("return 3.9").integer(), 3);  // numbers truncate
  EXPECT_EQ(Eval("return 'x'").str(), "x");
  EXPECT_TRUE(Eval("return false").is_null());
  EXPECT_EQ(Eval("return true").integer(), 1);
  EXPECT_TRUE(Eval("return nil").is_null());
  RedisReply array = Eval("return {1, 'two', {3}, nil, 5}");  // stops at the first nil
  ASSERT_EQ(array.size(), 3u);
  EXPECT_EQ(array.element(0)->integer, 1);
  EXPECT_EQ(ElementStr(array.element(1)), "two");
  EXPECT_EQ(array.element(2)->element[0]->integer, 3);
  RedisReply status = Eval("return redis.status_reply('FINE')");
  EXPECT_EQ(status.get()->type, REDIS_REPLY_STATUS);
  EXPECT_EQ(status.str(), "FINE");
  RedisReply error = Eval("return redis.error_reply('bad thing')");
  ASSERT_TRUE(error.is_error());
  EXPECT_EQ(error.str(), "bad thing");
}

TEST_F(FakeLuaTest, ConvertsCallRepliesLikeRedis) {
  Do({"SET", "n", "41"});
  Do({"HSET", "h", "a", "1"});
  // KEYS/ARGV, integer -> number, bulk -> string, nil -> false,
  // status -> {ok=...}, array -> table.
  RedisReply reply = Eval(R"lua(
    local n = redis.call('INCR', KEYS[1])
    local s = redis.call('GET', KEYS[1])
    local missing = redis.call('GET', 'nothing')
    local ok = redis.call('SET', 'other', ARGV[1])
    local all = redis.call('HGETALL', KEYS[2])
    return {type(n), n + 1, type(s), tostring(missing), ok.ok, #all, all[1]}
  )lua",
                          {"n", "h"}, {"v"});
  std::vector<std::string> got;
  for (size_t i = 0; i < reply.size(); ++i) {
    const redisReply* e = reply.element(i);
    got.push_back(e->type == REDIS_REPLY_INTEGER ? std::to_string(e->integer)
                                                 : std::string(ElementStr(e)));
  }
  EXPECT_THAT(got, ::testing::ElementsAre("number", "43", "string", "false", "OK", "2", "a"));
  EXPECT_EQ(Do({"GET", "other"}).str(), "v");
}

TEST_F(FakeLuaTest, CallRaisesAndPcallReturnsErrors) {
  Do({"HSET", "h", "a", "1"});
  RedisReply raised = Eval("redis.call('GET', KEYS[1]); return 1", {"h"});
  ASSERT_TRUE(raised.is_error());
  EXPECT_THAT(std::string(raised.str()), StartsWith("WRONGTYPE"));
  RedisReply caught = Eval(R"lua(
    local r = redis.pcall('GET', KEYS[1])
    return r.err
  )lua",
                           {"h"});
  EXPECT_THAT(std::string(caught.str()), StartsWith("WRONGTYPE"));
  RedisReply runtime = Eval("local t = nil; return t.x");
  ASSERT_TRUE(runtime.is_error());
  EXPECT_THAT(std::string(runtime.str()), StartsWith("ERR Error running script"));
  RedisReply compile = Eval("return (");
  ASSERT_TRUE(compile.is_error());
  EXPECT_THAT(std::string(compile.str()), HasSubstr("compiling"));
  EXPECT_TRUE(Eval("return redis.call('NOPE')").is_error());
  EXPECT_TRUE(Eval("return redis.call('GET', {})").is_error());
}

TEST_F(FakeLuaTest, EvalShaFallsBackToEvalAndScriptLoadRegisters) {
  RedisScript script("return ARGV[1]");
  RedisReply unknown = Do({"EVALSHA", script.sha(), "0", "x"});
  ASSERT_TRUE(unknown.is_error());
  EXPECT_THAT(std::string(unknown.str()), StartsWith("NOSCRIPT"));
  EXPECT_EQ(Eval("return ARGV[1]", {}, {"x"}).str(), "x");  // via EVAL
  EXPECT_EQ(Do({"EVALSHA", script.sha(), "0", "y"}).str(), "y");
  RedisScript loaded("return #KEYS");
  EXPECT_EQ(Do({"SCRIPT", "LOAD", "return #KEYS"}).str(), loaded.sha());
  EXPECT_EQ(Do({"EVALSHA", loaded.sha(), "2", "a", "b"}).integer(), 2);
}

// Keys and arguments of one enqueue call (layout in enqueue_script.h) for
// a non-customer event without history, with a 60 s dedupe window.
std::vector<std::string> EnqueueKeys() { return {"stream", "dedupe", "conv", "conv", "conv"}; }
std::vector<std::string> EnqueueArgs(const std::string& idempotency_key, const std::string& event) {
  return {"60",  "100", "5000", "0", "0", "0", "status:", "n", idempotency_key,
          event, "0",   "",     "",  "",  "1"};
}

TEST_F(FakeLuaTest, RealEnqueueScriptDedupesAndStampsMode) {
  // The clock reads 1 700 000 000 000 ms: dedupe bucket 28 333 333 of 60 s.
  RedisReply first = Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k1", "p1"));
  ASSERT_EQ(first.size(), 1u);  // one answer per event
  const redisReply* answer = first.element(0);
  ASSERT_EQ(answer->elements, 3u);
  EXPECT_EQ(answer->element[0]->integer, 1);
  EXPECT_EQ(answer->element[2]->integer, 0);  // not a customer's message: no cycle
  const std::string id(ElementStr(answer->element[1]));
  EXPECT_EQ(id, "1700000000000-0");
  RedisReply again = Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k1", "p1"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again.element(0)->element[0]->integer, 0);
  EXPECT_EQ(ElementStr(again.element(0)->element[1]), id);
  // The marker is a field of the current bucket, which lives until the end
  // of the next window: 28 333 335 × 60 s - now.
  EXPECT_EQ(Do({"HGET", "dedupe:28333333", "k1"}).str(), id);
  EXPECT_EQ(Do({"PTTL", "dedupe:28333333"}).integer(), 28333335LL * 60000 - 1700000000000LL);

  // An agent-mode conversation: the entry carries the mode, the state's
  // retention is renewed.
  Do({"HSET", "conv", "mode", "agent"});
  RedisReply second = Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k2", "p2"));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second.element(0)->element[0]->integer, 1);
  EXPECT_EQ(Do({"PTTL", "conv"}).integer(), 5000);
  RedisReply entries = Do({"XRANGE", "stream", "-", "+"});
  ASSERT_EQ(entries.size(), 2u);
  const redisReply* fields = entries.element(1)->element[1];
  ASSERT_EQ(fields->elements, 4u);
  EXPECT_EQ(ElementStr(fields->element[2]), "mode");
  EXPECT_EQ(ElementStr(fields->element[3]), "agent");
  EXPECT_EQ(entries.element(0)->element[1]->elements, 2u);  // bot: no mode field
}

// A repeat is found for a whole window after the original, in the next
// bucket too; two windows on, the old bucket is freed and the key may be
// stored again.
TEST_F(FakeLuaTest, RealEnqueueScriptDedupeWindowSpansBuckets) {
  RedisReply first = Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k1", "p1"));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first.element(0)->element[0]->integer, 1);
  const std::string id(ElementStr(first.element(0)->element[1]));
  clock_.AdvanceMs(59000);  // the next bucket, within the window
  RedisReply repeat = Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k1", "p1"));
  EXPECT_EQ(repeat.element(0)->element[0]->integer, 0);
  EXPECT_EQ(ElementStr(repeat.element(0)->element[1]), id);
  EXPECT_EQ(Do({"EXISTS", "dedupe:28333333"}).integer(), 1);

  clock_.AdvanceMs(61000);  // two buckets on: the first is dropped
  RedisReply other = Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k2", "p2"));
  EXPECT_EQ(other.element(0)->element[0]->integer, 1);
  EXPECT_EQ(Do({"EXISTS", "dedupe:28333333"}).integer(), 0);
  RedisReply late = Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k1", "p1"));
  EXPECT_EQ(late.element(0)->element[0]->integer, 1);  // 120 s later: stored again
}

// A busy conversation does not renew its state's expiry on every message:
// only once 1/16 of the retention has passed since the last renewal.
TEST_F(FakeLuaTest, RealEnqueueScriptRenewsTheStateEverySixteenthOfItsRetention) {
  Do({"HSET", "conv", "mode", "agent"});
  ASSERT_EQ(Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k1", "p1")).size(), 1u);
  EXPECT_EQ(Do({"PTTL", "conv"}).integer(), 5000);
  clock_.AdvanceMs(200);  // < 5000 / 16
  ASSERT_EQ(Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k2", "p2")).size(), 1u);
  EXPECT_EQ(Do({"PTTL", "conv"}).integer(), 4800);
  clock_.AdvanceMs(200);  // 400 ms since the renewal: renewed again
  ASSERT_EQ(Eval(queue::EnqueueScript(), EnqueueKeys(), EnqueueArgs("k3", "p3")).size(), 1u);
  EXPECT_EQ(Do({"PTTL", "conv"}).integer(), 5000);
}

TEST_F(FakeLuaTest, RealEnqueueScriptStoresABatchInOrderAndDedupesWithinIt) {
  // Three events in one call, the third a repeat of the first.
  std::vector<std::string> keys = {"stream", "dedupe"};
  std::vector<std::string> args = {"60", "100", "5000", "0", "0", "0", "status:"};
  for (const char* letter : {"a", "b", "a"}) {
    const std::string id = letter;
    for (int k = 0; k < 3; ++k) keys.push_back("conv");
    for (const std::string& v : {std::string("n"), id, "event-" + id, std::string("0"),
                                 std::string(), std::string(), std::string(), std::string("1")}) {
      args.push_back(v);
    }
  }
  RedisReply answers = Eval(queue::EnqueueScript(), keys, args);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers.element(0)->element[0]->integer, 1);
  EXPECT_EQ(answers.element(1)->element[0]->integer, 1);
  EXPECT_EQ(answers.element(2)->element[0]->integer, 0);  // "a" again: a duplicate
  EXPECT_EQ(ElementStr(answers.element(2)->element[1]), ElementStr(answers.element(0)->element[1]));
  RedisReply entries = Do({"XRANGE", "stream", "-", "+"});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(ElementStr(entries.element(0)->element[1]->element[1]), "event-a");
  EXPECT_EQ(ElementStr(entries.element(1)->element[1]->element[1]), "event-b");
}

// One event that cannot be stored (its state key holds a string) is
// answered with its error; the others of the call are stored. An event that
// failed after its append (its history key is a string) keeps its marker,
// so the retry is a duplicate, not a second entry.
TEST_F(FakeLuaTest, RealEnqueueScriptAnswersAFailedEventAloneAndKeepsTheOthers) {
  Do({"SET", "conv-b", "not a hash"});
  Do({"SET", "history-c", "not a list"});
  std::vector<std::string> keys = {"stream", "dedupe"};
  std::vector<std::string> args = {"60", "100", "5000", "10", "5000", "0", "status:"};
  for (const char* letter : {"a", "b", "c"}) {
    const std::string id = letter;
    const bool history = id == "c";
    keys.push_back("conv-" + id);
    keys.push_back(history ? "history-c" : "conv-" + id);
    keys.push_back("conv-" + id);
    for (const std::string& v :
         {std::string(history ? "h" : "n"), id, "event-" + id, std::string("0"), std::string(),
          std::string(), std::string(), std::string("1")}) {
      args.push_back(v);
    }
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    RedisReply answers = Eval(queue::EnqueueScript(), keys, args);
    ASSERT_EQ(answers.size(), 3u) << answers.str();
    EXPECT_EQ(answers.element(0)->type, REDIS_REPLY_ARRAY);
    EXPECT_EQ(answers.element(0)->element[0]->integer, attempt == 0 ? 1 : 0) << attempt;
    EXPECT_EQ(answers.element(1)->type, REDIS_REPLY_ERROR) << attempt;
    EXPECT_THAT(std::string(ElementStr(answers.element(1))), ::testing::HasSubstr("WRONGTYPE"));
    if (attempt == 0) {
      EXPECT_EQ(answers.element(2)->type, REDIS_REPLY_ERROR);  // appended, then failed
    } else {
      ASSERT_EQ(answers.element(2)->type, REDIS_REPLY_ARRAY);
      EXPECT_EQ(answers.element(2)->element[0]->integer, 0);  // the retry: a duplicate
    }
  }
  RedisReply entries = Do({"XRANGE", "stream", "-", "+"});
  ASSERT_EQ(entries.size(), 2u);  // a and c, once each
  EXPECT_EQ(ElementStr(entries.element(0)->element[1]->element[1]), "event-a");
  EXPECT_EQ(ElementStr(entries.element(1)->element[1]->element[1]), "event-c");
}

TEST_F(FakeLuaTest, RealDeadLetterAndReplayScripts) {
  Do({"XGROUP", "CREATE", "part", "sink-a", "0", "MKSTREAM"});
  const std::string id(Do({"XADD", "part", "*", "event", "E"}).str());
  Do({"XREADGROUP", "GROUP", "sink-a", "c", "STREAMS", "part", ">"});
  EXPECT_EQ(Do({"XPENDING", "part", "sink-a"}).element(0)->integer, 1);

  RedisReply dead = Eval(dispatch::kDeadLetterScript, {"dlq", "part"},
                         {"sink-a", id, "100", "event", "E", "sink", "sink-a", "error", "boom"});
  ASSERT_TRUE(dead.is_string()) << dead.str();
  const std::string dead_id(dead.str());
  EXPECT_EQ(Do({"XPENDING", "part", "sink-a"}).element(0)->integer, 0);  // acked
  RedisReply letters = Do({"XRANGE", "dlq", "-", "+"});
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters.element(0)->element[1]->elements, 6u);

  clock_.AdvanceMs(10);
  RedisReply replayed = Eval(dispatch::kReplayScript, {"dlq", "part"}, {dead_id, "100"});
  ASSERT_TRUE(replayed.is_string()) << replayed.str();
  EXPECT_EQ(replayed.str(), "1700000000010-0");
  EXPECT_EQ(Do({"XLEN", "dlq"}).integer(), 0);
  RedisReply last = Do({"XREVRANGE", "part", "+", "-", "COUNT", "1"});
  const redisReply* fields = last.element(0)->element[1];
  EXPECT_EQ(ElementStr(fields->element[2]), "target_sink");
  EXPECT_EQ(ElementStr(fields->element[3]), "sink-a");
  // Gone: false -> nil.
  EXPECT_TRUE(Eval(dispatch::kReplayScript, {"dlq", "part"}, {dead_id, "100"}).is_null());
  // A dead letter without a sink: the script's error_reply.
  const std::string bad(Do({"XADD", "dlq", "*", "event", "E"}).str());
  RedisReply refused = Eval(dispatch::kReplayScript, {"dlq", "part"}, {bad, "100"});
  ASSERT_TRUE(refused.is_error());
  EXPECT_EQ(refused.str(), "dead letter without event or sink");
}

}  // namespace
}  // namespace omnigate::redis
