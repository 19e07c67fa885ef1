#include "lib/redis/fake_redis.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/redis/reply_builder.h"

namespace omnigate::redis {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr int64_t kStartMs = 1700000000000;

// Bulk strings of an array reply (nil elements as "<nil>").
std::vector<std::string> Strings(const RedisReply& reply) {
  std::vector<std::string> out;
  for (size_t i = 0; i < reply.size(); ++i) {
    const redisReply* e = reply.element(i);
    out.emplace_back(e->type == REDIS_REPLY_NIL ? "<nil>" : std::string(ElementStr(e)));
  }
  return out;
}

class FakeRedisTest : public ::testing::Test {
 protected:
  RedisReply Do(const RedisCommand& command) {
    auto reply = redis_.Run(command);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *std::move(reply) : RedisReply();
  }

  FakeClock clock_{kStartMs};
  FakeRedis redis_{clock_};
};

TEST_F(FakeRedisTest, ReplyBuilderTreesFreeCleanly) {
  std::vector<RedisReply> inner;
  inner.push_back(BulkReply(std::string("a\0b", 3)));
  inner.push_back(NilReply());
  std::vector<RedisReply> outer;
  outer.push_back(ArrayReply(std::move(inner)));
  outer.push_back(IntegerReply(7));
  outer.push_back(ArrayReply({}));
  RedisReply reply = ArrayReply(std::move(outer));
  ASSERT_EQ(reply.size(), 3u);
  EXPECT_EQ(reply.element(0)->element[0]->len, 3u);
  EXPECT_EQ(reply.element(0)->element[0]->str[3], '\0');
  EXPECT_EQ(reply.element(1)->integer, 7);
  EXPECT_EQ(reply.element(2)->elements, 0u);
}

TEST_F(FakeRedisTest, StringsAndExpiry) {
  EXPECT_EQ(Do({"SET", "k", "v"}).str(), "OK");
  EXPECT_EQ(Do({"GET", "k"}).str(), "v");
  EXPECT_TRUE(Do({"SET", "k", "w", "NX"}).is_null());
  EXPECT_TRUE(Do({"SET", "missing", "w", "XX"}).is_null());
  EXPECT_EQ(Do({"SET", "k", "w", "XX", "PX", "1500"}).str(), "OK");
  EXPECT_EQ(Do({"PTTL", "k"}).integer(), 1500);
  EXPECT_EQ(Do({"TTL", "k"}).integer(), 2);
  EXPECT_EQ(Do({"PTTL", "missing"}).integer(), -2);
  clock_.AdvanceMs(1500);
  EXPECT_TRUE(Do({"GET", "k"}).is_null());
  EXPECT_EQ(Do({"EXISTS", "k"}).integer(), 0);

  EXPECT_EQ(Do({"SET", "n", "5", "EX", "10"}).str(), "OK");
  EXPECT_EQ(Do({"INCR", "n"}).integer(), 6);
  EXPECT_EQ(Do({"INCRBY", "n", "-10"}).integer(), -4);
  EXPECT_EQ(Do({"PTTL", "n"}).integer(), 10000);  // INCR keeps the ttl
  EXPECT_EQ(Do({"INCR", "fresh"}).integer(), 1);
  EXPECT_EQ(Do({"PTTL", "fresh"}).integer(), -1);
  EXPECT_TRUE(Do({"INCR", "k2"}).is_integer());
  Do({"SET", "text", "abc"});
  EXPECT_TRUE(Do({"INCR", "text"}).is_error());

  EXPECT_EQ(Do({"EXPIRE", "fresh", "3"}).integer(), 1);
  EXPECT_EQ(Do({"EXPIRE", "nothing", "3"}).integer(), 0);
  EXPECT_EQ(Do({"PEXPIRE", "fresh", "250"}).integer(), 1);
  clock_.AdvanceMs(249);
  EXPECT_EQ(Do({"EXISTS", "fresh", "text", "nothing"}).integer(), 2);
  clock_.AdvanceMs(1);
  EXPECT_EQ(Do({"EXISTS", "fresh"}).integer(), 0);
  EXPECT_EQ(Do({"DEL", "text", "n", "nothing"}).integer(), 2);
}

TEST_F(FakeRedisTest, WrongTypeAndUnknownCommands) {
  Do({"HSET", "h", "f", "v"});
  RedisReply wrong = Do({"GET", "h"});
  ASSERT_TRUE(wrong.is_error());
  EXPECT_THAT(std::string(wrong.str()), ::testing::StartsWith("WRONGTYPE"));
  EXPECT_TRUE(Do({"SADD", "h", "m"}).is_error());
  RedisReply unknown = Do({"FLUSHALL"});
  ASSERT_TRUE(unknown.is_error());
  EXPECT_THAT(std::string(unknown.str()), ::testing::StartsWith("ERR unknown command"));
  EXPECT_TRUE(Do({"GET"}).is_error());
  EXPECT_EQ(Do({"PING"}).str(), "PONG");
}

TEST_F(FakeRedisTest, Hashes) {
  EXPECT_EQ(Do({"HSET", "h", "a", "1", "b", "2"}).integer(), 2);
  EXPECT_EQ(Do({"HSET", "h", "a", "3"}).integer(), 0);
  EXPECT_EQ(Do({"HGET", "h", "a"}).str(), "3");
  EXPECT_TRUE(Do({"HGET", "h", "zz"}).is_null());
  EXPECT_THAT(Strings(Do({"HMGET", "h", "a", "zz", "b"})), ElementsAre("3", "<nil>", "2"));
  EXPECT_THAT(Strings(Do({"HMGET", "none", "a"})), ElementsAre("<nil>"));
  EXPECT_EQ(Do({"HINCRBY", "h", "b", "5"}).integer(), 7);
  EXPECT_EQ(Do({"HINCRBY", "h", "c", "-1"}).integer(), -1);
  EXPECT_THAT(Strings(Do({"HGETALL", "h"})), ElementsAre("a", "3", "b", "7", "c", "-1"));
  EXPECT_EQ(Do({"HSETNX", "h", "a", "x"}).integer(), 0);
  EXPECT_EQ(Do({"HDEL", "h", "a", "b", "c", "d"}).integer(), 3);
  EXPECT_EQ(Do({"EXISTS", "h"}).integer(), 0);  // empty hashes vanish
  EXPECT_EQ(Do({"HGETALL", "h"}).size(), 0u);
}

TEST_F(FakeRedisTest, Sets) {
  EXPECT_EQ(Do({"SADD", "s", "b", "a", "b"}).integer(), 2);
  EXPECT_THAT(Strings(Do({"SMEMBERS", "s"})), ElementsAre("a", "b"));
  EXPECT_EQ(Do({"SISMEMBER", "s", "a"}).integer(), 1);
  EXPECT_EQ(Do({"SISMEMBER", "s", "c"}).integer(), 0);
  EXPECT_EQ(Do({"SCARD", "s"}).integer(), 2);
  EXPECT_THAT(Strings(Do({"SRANDMEMBER", "s", "5"})), ElementsAre("a", "b"));
  EXPECT_EQ(Do({"SREM", "s", "a", "b"}).integer(), 2);
  EXPECT_EQ(Do({"EXISTS", "s"}).integer(), 0);
}

TEST_F(FakeRedisTest, SortedSets) {
  EXPECT_EQ(Do({"ZADD", "z", "3", "c", "1", "a", "2", "b"}).integer(), 3);
  EXPECT_EQ(Do({"ZADD", "z", "5", "a"}).integer(), 0);
  EXPECT_EQ(Do({"ZADD", "z", "NX", "9", "a"}).integer(), 0);
  EXPECT_EQ(Do({"ZSCORE", "z", "a"}).str(), "5");
  EXPECT_TRUE(Do({"ZSCORE", "z", "zz"}).is_null());
  EXPECT_THAT(Strings(Do({"ZRANGE", "z", "0", "-1"})), ElementsAre("b", "c", "a"));
  EXPECT_THAT(Strings(Do({"ZRANGE", "z", "0", "1", "WITHSCORES"})),
              ElementsAre("b", "2", "c", "3"));
  EXPECT_THAT(Strings(Do({"ZRANGE", "z", "-1", "-1"})), ElementsAre("a"));
  EXPECT_THAT(Strings(Do({"ZRANGEBYSCORE", "z", "(2", "+inf"})), ElementsAre("c", "a"));
  EXPECT_THAT(Strings(Do({"ZRANGEBYSCORE", "z", "-inf", "5", "WITHSCORES", "LIMIT", "1", "1"})),
              ElementsAre("c", "3"));
  EXPECT_EQ(Do({"ZCARD", "z"}).integer(), 3);
  EXPECT_EQ(Do({"ZREMRANGEBYSCORE", "z", "-inf", "(3"}).integer(), 1);
  EXPECT_EQ(Do({"ZREM", "z", "c", "nope"}).integer(), 1);
  EXPECT_THAT(Strings(Do({"ZRANGE", "z", "0", "-1", "WITHSCORES"})), ElementsAre("a", "5"));
  RedisReply scan = Do({"ZSCAN", "z", "0", "COUNT", "10"});
  ASSERT_EQ(scan.size(), 2u);
  EXPECT_EQ(ElementStr(scan.element(0)), "0");
  EXPECT_EQ(scan.element(1)->elements, 2u);
  Do({"ZADD", "big", "1700000000123", "m"});
  EXPECT_EQ(Do({"ZSCORE", "big", "m"}).str(), "1700000000123");
}

TEST_F(FakeRedisTest, StreamIdsComeFromTheClockAndMaxLenTrims) {
  EXPECT_EQ(Do({"XADD", "st", "*", "f", "1"}).str(), "1700000000000-0");
  EXPECT_EQ(Do({"XADD", "st", "*", "f", "2"}).str(), "1700000000000-1");
  clock_.AdvanceMs(5);
  EXPECT_EQ(Do({"XADD", "st", "MAXLEN", "~", "2", "*", "f", "3"}).str(), "1700000000005-0");
  EXPECT_EQ(Do({"XLEN", "st"}).integer(), 2);
  clock_.AdvanceMs(-100);  // a clock going back must not reorder ids
  EXPECT_EQ(Do({"XADD", "st", "*", "f", "4"}).str(), "1700000000005-1");
  EXPECT_TRUE(Do({"XADD", "st", "1-1", "f", "x"}).is_error());
  EXPECT_EQ(Do({"XADD", "st", "1700000000006-0", "f", "5"}).str(), "1700000000006-0");

  RedisReply range = Do({"XRANGE", "st", "-", "+", "COUNT", "2"});
  ASSERT_EQ(range.size(), 2u);
  const redisReply* first = range.element(0);
  EXPECT_EQ(ElementStr(first->element[0]), "1700000000000-1");
  EXPECT_EQ(ElementStr(first->element[1]->element[0]), "f");
  EXPECT_EQ(ElementStr(first->element[1]->element[1]), "2");
  EXPECT_EQ(Do({"XRANGE", "st", "1700000000005", "1700000000005"}).size(), 2u);
  EXPECT_EQ(Do({"XRANGE", "st", "(1700000000005-0", "+"}).size(), 2u);
  RedisReply rev = Do({"XREVRANGE", "st", "+", "-", "COUNT", "1"});
  ASSERT_EQ(rev.size(), 1u);
  EXPECT_EQ(ElementStr(rev.element(0)->element[0]), "1700000000006-0");
  EXPECT_EQ(Do({"XDEL", "st", "1700000000006-0", "9-9"}).integer(), 1);
  EXPECT_EQ(Do({"XLEN", "st"}).integer(), 3);
  EXPECT_EQ(Do({"XLEN", "nope"}).integer(), 0);
}

TEST_F(FakeRedisTest, ConsumerGroupsReadAckAndClaim) {
  RedisReply no_stream = Do({"XGROUP", "CREATE", "st", "g", "0"});
  EXPECT_TRUE(no_stream.is_error());
  EXPECT_EQ(Do({"XGROUP", "CREATE", "st", "g", "0", "MKSTREAM"}).str(), "OK");
  RedisReply busy = Do({"XGROUP", "CREATE", "st", "g", "0", "MKSTREAM"});
  ASSERT_TRUE(busy.is_error());
  EXPECT_THAT(std::string(busy.str()), ::testing::StartsWith("BUSYGROUP"));
  RedisReply nogroup = Do({"XREADGROUP", "GROUP", "other", "c", "STREAMS", "st", ">"});
  ASSERT_TRUE(nogroup.is_error());
  EXPECT_THAT(std::string(nogroup.str()), ::testing::StartsWith("NOGROUP"));

  // Nothing new: nil once the block time passed.
  EXPECT_TRUE(
      Do({"XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "BLOCK", "10", "STREAMS", "st", ">"})
          .is_null());
  const std::string a = std::string(Do({"XADD", "st", "*", "n", "a"}).str());
  const std::string b = std::string(Do({"XADD", "st", "*", "n", "b"}).str());
  const std::string c = std::string(Do({"XADD", "st", "*", "n", "c"}).str());

  RedisReply read = Do({"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "st", ">"});
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(ElementStr(read.element(0)->element[0]), "st");
  const redisReply* entries = read.element(0)->element[1];
  ASSERT_EQ(entries->elements, 2u);
  EXPECT_EQ(ElementStr(entries->element[0]->element[0]), a);
  EXPECT_EQ(ElementStr(entries->element[1]->element[0]), b);

  // History: c1's own pending entries after the id.
  RedisReply history = Do({"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "st", "0"});
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history.element(0)->element[1]->elements, 2u);
  RedisReply other = Do({"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "st", "0"});
  ASSERT_EQ(other.size(), 1u);  // an empty history is an empty list, not nil
  EXPECT_EQ(other.element(0)->element[1]->elements, 0u);

  RedisReply summary = Do({"XPENDING", "st", "g"});
  ASSERT_EQ(summary.size(), 4u);
  EXPECT_EQ(summary.element(0)->integer, 2);
  EXPECT_EQ(ElementStr(summary.element(1)), a);
  EXPECT_EQ(ElementStr(summary.element(2)), b);
  EXPECT_EQ(ElementStr(summary.element(3)->element[0]->element[0]), "c1");
  EXPECT_EQ(ElementStr(summary.element(3)->element[0]->element[1]), "2");

  EXPECT_EQ(Do({"XACK", "st", "g", a, a}).integer(), 1);
  // b was delivered 0 ms ago: not idle enough to claim for 1000 ms.
  RedisReply none = Do({"XAUTOCLAIM", "st", "g", "c2", "1000", "0-0", "JUSTID"});
  ASSERT_EQ(none.size(), 3u);
  EXPECT_EQ(ElementStr(none.element(0)), "0-0");
  EXPECT_EQ(none.element(1)->elements, 0u);
  clock_.AdvanceMs(1000);
  Do({"XDEL", "st", b});
  Do({"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "st", ">"});  // c pending too
  RedisReply claimed = Do({"XAUTOCLAIM", "st", "g", "c2", "0", "0-0", "COUNT", "10"});
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(ElementStr(claimed.element(0)), "0-0");
  ASSERT_EQ(claimed.element(1)->elements, 1u);
  EXPECT_EQ(ElementStr(claimed.element(1)->element[0]->element[0]), c);
  ASSERT_EQ(claimed.element(2)->elements, 1u);  // b was deleted: dropped
  EXPECT_EQ(ElementStr(claimed.element(2)->element[0]), b);

  RedisReply detail = Do({"XPENDING", "st", "g", "-", "+", "10"});
  ASSERT_EQ(detail.size(), 1u);
  EXPECT_EQ(ElementStr(detail.element(0)->element[0]), c);
  EXPECT_EQ(ElementStr(detail.element(0)->element[1]), "c2");
  EXPECT_EQ(detail.element(0)->element[3]->integer, 2);  // delivered twice

  RedisReply groups = Do({"XINFO", "GROUPS", "st"});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(ElementStr(groups.element(0)->element[1]), "g");
  EXPECT_EQ(groups.element(0)->element[5]->integer, 1);   // pending
  EXPECT_EQ(groups.element(0)->element[11]->integer, 0);  // lag
}

TEST_F(FakeRedisTest, PipelinesAndUnavailability) {
  auto replies = redis_.RunPipeline({{"SET", "a", "1"}, {"INCR", "a"}, {"NOPE"}, {"GET", "a"}});
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[1].integer(), 2);
  EXPECT_TRUE((*replies)[2].is_error());
  EXPECT_EQ((*replies)[3].str(), "2");
  EXPECT_TRUE(redis_.Ping());
  redis_.SetUnavailable(true);
  EXPECT_FALSE(redis_.Ping());
  EXPECT_TRUE(absl::IsUnavailable(redis_.Run({"GET", "a"}).status()));
  EXPECT_TRUE(absl::IsUnavailable(redis_.RunPipeline({{"GET", "a"}}).status()));
  redis_.SetUnavailable(false);
  EXPECT_THAT(redis_.Keys(), UnorderedElementsAre("a"));
}

TEST_F(FakeRedisTest, ConnectionPipelinesInOrder) {
  auto conn = redis_.Connect();
  ASSERT_TRUE(conn.ok()) << conn.status();
  Connection& c = **conn;
  ASSERT_TRUE(c.Append({"SET", "k", "1"}).ok());
  ASSERT_TRUE(c.Append({"INCR", "k"}).ok());
  ASSERT_TRUE(c.Append({"NOSUCH"}).ok());
  // Nothing runs before Flush.
  EXPECT_TRUE(Do({"GET", "k"}).is_null());
  auto none = c.PollReply();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(c.Flush().ok());
  auto set = c.ReadReply();
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->str(), "OK");
  auto incr = c.PollReply();
  ASSERT_TRUE(incr.ok() && incr->has_value());
  EXPECT_EQ((*incr)->integer(), 2);
  auto unknown = c.ReadReply();
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->is_error());
  auto run = c.Run({"GET", "k"});
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->str(), "2");
  EXPECT_FALSE(c.broken());
  // Reading with nothing pending is a misuse a real connection times out on.
  EXPECT_FALSE(c.ReadReply().ok());
  EXPECT_TRUE(c.broken());
  EXPECT_EQ(redis_.connects(), 1);
}

TEST_F(FakeRedisTest, BlockedReadWakesOnXadd) {
  auto conn = redis_.Connect();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(Do({"XADD", "st", "1-1", "n", "old"}).is_string());
  absl::StatusOr<RedisReply> read;
  const auto start = std::chrono::steady_clock::now();
  std::thread reader([&] {
    read = (*conn)->Run({"XREAD", "COUNT", "5", "BLOCK", "5000", "STREAMS", "st", "$"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ASSERT_TRUE(Do({"XADD", "st", "2-1", "n", "new"}).is_string());
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 1u);
  const redisReply* entries = read->element(0)->element[1];
  ASSERT_EQ(entries->elements, 1u);
  EXPECT_EQ(ElementStr(entries->element[0]->element[0]), "2-1");
}

TEST_F(FakeRedisTest, BlockedReadTimesOutWithNil) {
  ASSERT_EQ(Do({"XGROUP", "CREATE", "st", "g", "$", "MKSTREAM"}).str(), "OK");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Do({"XREAD", "BLOCK", "30", "STREAMS", "st", "0-0"}).is_null());
  EXPECT_TRUE(Do({"XREADGROUP", "GROUP", "g", "c", "BLOCK", "30", "STREAMS", "st", ">"}).is_null());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
  // Without BLOCK, nothing waits; a missing stream is no error.
  EXPECT_TRUE(Do({"XREAD", "STREAMS", "st", "missing", "0-0", "0"}).is_null());
}

TEST_F(FakeRedisTest, BrokenConnectionsFailAndWakeBlockedReads) {
  auto conn = redis_.Connect();
  ASSERT_TRUE(conn.ok());
  absl::StatusOr<RedisReply> read;
  std::thread reader([&] { read = (*conn)->Run({"XREAD", "BLOCK", "0", "STREAMS", "st", "$"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  redis_.BreakConnections();
  reader.join();
  EXPECT_TRUE(absl::IsUnavailable(read.status())) << read.status();
  EXPECT_TRUE((*conn)->broken());
  EXPECT_FALSE((*conn)->Append({"PING"}).ok());
  EXPECT_FALSE((*conn)->PollReply().ok());

  auto again = redis_.Factory()();
  ASSERT_TRUE(again.ok());
  auto pong = (*again)->Run({"PING"});
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->str(), "PONG");
  EXPECT_EQ(redis_.connects(), 2);

  redis_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(redis_.Connect().status()));
  EXPECT_FALSE((*again)->Run({"PING"}).ok());
  EXPECT_TRUE((*again)->broken());
}

}  // namespace
}  // namespace omnigate::redis
