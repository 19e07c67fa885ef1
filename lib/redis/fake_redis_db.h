#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/common/clock.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_reply.h"

// The data and commands of FakeRedis (fake_redis.h). Not thread-safe: the
// fake serializes every call.
namespace omnigate::redis::fake {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  bool operator<(const StreamId& o) const { return ms != o.ms ? ms < o.ms : seq < o.seq; }
  bool operator==(const StreamId& o) const { return ms == o.ms && seq == o.seq; }
  bool operator<=(const StreamId& o) const { return !(o < *this); }
  std::string ToString() const;
};
inline constexpr StreamId kMaxStreamId{UINT64_MAX, UINT64_MAX};

struct PendingEntry {
  std::string consumer;
  int64_t delivered_ms = 0;
  int64_t deliveries = 0;
};

struct ConsumerGroup {
  StreamId last_delivered;
  std::map<StreamId, PendingEntry> pending;
  std::set<std::string> consumers;
};

struct Stream {
  std::map<StreamId, std::vector<std::string>> entries;  // flat field/value
  StreamId last_id;
  std::map<std::string, ConsumerGroup> groups;
};

struct SortedSet {
  std::map<std::string, double> scores;
  std::set<std::pair<double, std::string>> ordered;
  void Add(const std::string& member, double score);
  bool Remove(const std::string& member);
};

enum class Type { kString, kHash, kSet, kZset, kStream, kList };

struct Value {
  Type type = Type::kString;
  std::string str;
  std::map<std::string, std::string> hash;
  std::set<std::string> set;
  SortedSet zset;
  Stream stream;
  std::deque<std::string> list;
  int64_t expire_at_ms = 0;  // 0: no expiry
  bool Empty() const;
};

class Db {
 public:
  explicit Db(const Clock& clock) : clock_(clock) {}
  int64_t now_ms() const { return clock_.NowMs(); }

  // The live value, nullptr when missing (an expired key is dropped here).
  Value* Find(const std::string& key);
  // As Find, but nullptr with a WRONGTYPE `*error` when it holds another type.
  Value* FindTyped(const std::string& key, Type type, RedisReply* error);
  // Creates an empty value of `type` when missing.
  Value* FindOrCreate(const std::string& key, Type type, RedisReply* error);
  // Deletes aggregates left empty, as Redis does.
  void DropIfEmpty(const std::string& key);
  bool Erase(const std::string& key);
  std::vector<std::string> Keys();

 private:
  const Clock& clock_;
  std::unordered_map<std::string, Value> keys_;
};

using Handler = RedisReply (*)(Db& db, const RedisCommand& cmd);
using CommandTable = std::unordered_map<std::string, Handler>;

// Command families; names are upper case.
void AddKeyCommands(CommandTable* table);
void AddStreamCommands(CommandTable* table);
void AddListCommands(CommandTable* table);

// The BLOCK time of an XREAD or XREADGROUP (0: no limit), nullopt when it
// does not block.
std::optional<int64_t> BlockMs(const RedisCommand& cmd);
// XREAD's "$" ids name the last entry when the command arrived; a blocked
// XREAD must keep waiting for entries after that one, so they are replaced
// before it first runs.
RedisCommand ResolveLastIds(Db& db, const RedisCommand& cmd);

// Shared reply helpers.
RedisReply WrongArity(const RedisCommand& cmd);
RedisReply SyntaxError();
RedisReply NotInteger();
bool ParseInt(absl::string_view text, int64_t* out);
std::string Upper(absl::string_view text);

}  // namespace omnigate::redis::fake
