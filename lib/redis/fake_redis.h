#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/common/clock.h"
#include "lib/redis/connection.h"
#include "lib/redis/fake_redis_db.h"
#include "lib/redis/redis_client.h"

namespace omnigate::redis {

// An in-memory Redis for unit tests, behind the same RedisClient seam as
// the real pool. Replies are real RedisReply trees, so code that walks them
// runs unchanged. Time (TTLs, `*` stream ids, pending idle times) comes from
// the injected clock. Thread-safe: every call, pipeline and script runs
// atomically under one lock.
//
// Supported: keys (DEL UNLINK EXISTS EXPIRE PEXPIRE TTL PTTL TYPE), TIME, strings (GET
// MGET SET [NX|XX] [EX|PX|KEEPTTL] [GET], INCR[BY] DECR[BY]), hashes (HGET
// HMGET HSET HMSET HSETNX HDEL HGETALL HEXISTS HLEN HINCRBY), sets (SADD
// SREM SMEMBERS SISMEMBER SCARD SRANDMEMBER), sorted sets (ZADD ZREM ZCARD
// ZSCORE ZRANGE [WITHSCORES] ZRANGEBYSCORE ZREMRANGEBYSCORE ZSCAN), streams
// (XADD [MAXLEN] XLEN XRANGE XREVRANGE XDEL XTRIM XGROUP XREAD XREADGROUP
// XACK XAUTOCLAIM XPENDING XINFO GROUPS), PING, SCRIPT LOAD/EXISTS/FLUSH, EVAL
// and EVALSHA (real Lua 5.1, fake_lua.h). Anything else answers
// "ERR unknown command".
//
// XREAD and XREADGROUP with BLOCK wait in real time (not on the injected
// clock, which may never move), without the lock, until a command that may
// add entries ran or the block time passed; then they answer nil, as Redis
// does. So a reader thread on the fake blocks instead of spinning.
//
// Besides the RedisClient seam it hands out dedicated connections
// (Connect(), the redis::Connection seam) for code that pipelines or blocks
// on a connection of its own; tests can break them to exercise reconnects.
//
// Differences from Redis: MAXLEN ~ trims exactly; SRANDMEMBER and ZSCAN are deterministic (ZSCAN
// returns everything at once); HGETALL and SMEMBERS are sorted; one database, no AUTH/SELECT.
class FakeRedis final : public RedisClient {
 public:
  explicit FakeRedis(const Clock& clock);

  absl::StatusOr<RedisReply> Run(const RedisCommand& command) override;
  absl::StatusOr<std::vector<RedisReply>> RunPipeline(
      const std::vector<RedisCommand>& commands) override;

  // A connection of its own: Append() queues commands, Flush() runs them
  // in order (each atomically), ReadReply() and PollReply() hand the replies
  // back in order (reading with no reply pending is an error, where a real
  // connection would time out). UNAVAILABLE while SetUnavailable(true). The
  // fake must outlive its connections.
  absl::StatusOr<std::unique_ptr<Connection>> Connect();
  // Connect(), for code that takes a ConnectionFactory.
  ConnectionFactory Factory();
  // Breaks every open connection, as a network failure would: broken()
  // turns true, every later call fails with UNAVAILABLE, and a read blocked
  // in BLOCK returns at once with that error. Connections made afterwards
  // work.
  void BreakConnections();
  // How many connections Connect() made so far.
  int connects() const { return connects_.load(); }

  // While set, every call fails with UNAVAILABLE, as when Redis is down
  // (open connections break at their next Flush).
  void SetUnavailable(bool unavailable) { unavailable_.store(unavailable); }
  // Live keys, any order.
  std::vector<std::string> Keys();

 private:
  class FakeConnection;

  RedisReply Execute(const RedisCommand& command, bool in_script);  // mu_ held
  RedisReply Script(const RedisCommand& command, bool in_script);   // mu_ held
  // A command from a client (not a script), under `lock` on mu_: a read with
  // BLOCK that finds nothing waits on cv_ (the lock released) until another
  // command may have added entries, up to its block time. UNAVAILABLE when
  // `broken` turns true meanwhile.
  absl::StatusOr<RedisReply> ExecuteTopLevel(std::unique_lock<std::mutex>& lock,
                                             const RedisCommand& command,
                                             const std::atomic<bool>* broken);

  std::mutex mu_;
  // Notified after every command that may have added stream entries, and
  // when connections break: wakes blocked reads.
  std::condition_variable cv_;
  std::vector<FakeConnection*> connections_;  // open ones; guarded by mu_
  std::atomic<int> connects_{0};
  fake::Db db_;                                 // guarded by mu_
  fake::CommandTable commands_;                 // immutable after construction
  std::map<std::string, std::string> scripts_;  // sha -> source; guarded by mu_
  std::atomic<bool> unavailable_{false};
};

}  // namespace omnigate::redis
