// Lists of the fake: RPUSH, LLEN, LINDEX, LRANGE, LTRIM (what the
// conversation history scripts use), with Redis's index rules (negative
// indexes count from the end; out-of-range ranges are empty, not errors).
#include <algorithm>

#include "lib/redis/fake_redis_db.h"
#include "lib/redis/reply_builder.h"

namespace omnigate::redis::fake {
namespace {

// Redis's LRANGE/LTRIM range over a list of `n`: [start, stop], possibly
// empty (start > stop).
void Normalize(int64_t n, int64_t* start, int64_t* stop) {
  if (*start < 0) *start = std::max<int64_t>(0, n + *start);
  if (*stop < 0) *stop = n + *stop;
  *stop = std::min(*stop, n - 1);
}

RedisReply RPush(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindOrCreate(cmd[1], Type::kList, &error);
  if (v == nullptr) return error;
  for (size_t i = 2; i < cmd.size(); ++i) v->list.push_back(cmd[i]);
  return IntegerReply(static_cast<int64_t>(v->list.size()));
}

RedisReply LLen(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kList, &error);
  if (error.is_error()) return error;
  return IntegerReply(v != nullptr ? static_cast<int64_t>(v->list.size()) : 0);
}

RedisReply LIndex(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 3) return WrongArity(cmd);
  int64_t index = 0;
  if (!ParseInt(cmd[2], &index)) return NotInteger();
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kList, &error);
  if (error.is_error()) return error;
  if (v == nullptr) return NilReply();
  const int64_t n = static_cast<int64_t>(v->list.size());
  if (index < 0) index += n;
  if (index < 0 || index >= n) return NilReply();
  return BulkReply(v->list[static_cast<size_t>(index)]);
}

RedisReply LRange(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 4) return WrongArity(cmd);
  int64_t start = 0, stop = 0;
  if (!ParseInt(cmd[2], &start) || !ParseInt(cmd[3], &stop)) return NotInteger();
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kList, &error);
  if (error.is_error()) return error;
  std::vector<std::string> items;
  if (v != nullptr) {
    Normalize(static_cast<int64_t>(v->list.size()), &start, &stop);
    for (int64_t i = start; i <= stop; ++i) items.push_back(v->list[static_cast<size_t>(i)]);
  }
  return BulkArrayReply(items);
}

RedisReply LTrim(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 4) return WrongArity(cmd);
  int64_t start = 0, stop = 0;
  if (!ParseInt(cmd[2], &start) || !ParseInt(cmd[3], &stop)) return NotInteger();
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kList, &error);
  if (error.is_error()) return error;
  if (v != nullptr) {
    Normalize(static_cast<int64_t>(v->list.size()), &start, &stop);
    std::deque<std::string> kept;
    for (int64_t i = start; i <= stop; ++i)
      kept.push_back(std::move(v->list[static_cast<size_t>(i)]));
    v->list = std::move(kept);
    db.DropIfEmpty(cmd[1]);
  }
  return StatusReply("OK");
}

}  // namespace

void AddListCommands(CommandTable* table) {
  CommandTable& t = *table;
  t["RPUSH"] = RPush;
  t["LLEN"] = LLen;
  t["LINDEX"] = LIndex;
  t["LRANGE"] = LRange;
  t["LTRIM"] = LTrim;
}

}  // namespace omnigate::redis::fake
