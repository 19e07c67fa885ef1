// Keys, strings, hashes, sets and sorted sets of FakeRedis.
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/redis/fake_redis_db.h"
#include "lib/redis/reply_builder.h"

namespace omnigate::redis::fake {
namespace {

RedisReply Ok() { return StatusReply("OK"); }

// ---- keys ----

RedisReply Del(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 2) return WrongArity(cmd);
  int64_t n = 0;
  for (size_t i = 1; i < cmd.size(); ++i) n += db.Erase(cmd[i]) ? 1 : 0;
  return IntegerReply(n);
}

RedisReply Exists(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 2) return WrongArity(cmd);
  int64_t n = 0;
  for (size_t i = 1; i < cmd.size(); ++i) n += db.Find(cmd[i]) != nullptr ? 1 : 0;
  return IntegerReply(n);
}

RedisReply ExpireIn(Db& db, const RedisCommand& cmd, int64_t unit_ms) {
  if (cmd.size() != 3) return WrongArity(cmd);
  int64_t ttl = 0;
  if (!ParseInt(cmd[2], &ttl)) return NotInteger();
  Value* v = db.Find(cmd[1]);
  if (v == nullptr) return IntegerReply(0);
  if (ttl <= 0) {
    db.Erase(cmd[1]);
  } else {
    v->expire_at_ms = db.now_ms() + ttl * unit_ms;
  }
  return IntegerReply(1);
}
RedisReply Expire(Db& db, const RedisCommand& cmd) { return ExpireIn(db, cmd, 1000); }

// TIME: seconds and microseconds of the injected clock.
RedisReply Time(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 1) return WrongArity(cmd);
  const int64_t ms = db.now_ms();
  return BulkArrayReply({absl::StrCat(ms / 1000), absl::StrCat(ms % 1000 * 1000)});
}
RedisReply PExpire(Db& db, const RedisCommand& cmd) { return ExpireIn(db, cmd, 1); }

RedisReply TtlIn(Db& db, const RedisCommand& cmd, int64_t unit_ms) {
  if (cmd.size() != 2) return WrongArity(cmd);
  Value* v = db.Find(cmd[1]);
  if (v == nullptr) return IntegerReply(-2);
  if (v->expire_at_ms == 0) return IntegerReply(-1);
  const int64_t left = v->expire_at_ms - db.now_ms();
  return IntegerReply((left + unit_ms / 2) / unit_ms);
}
RedisReply Ttl(Db& db, const RedisCommand& cmd) { return TtlIn(db, cmd, 1000); }
RedisReply PTtl(Db& db, const RedisCommand& cmd) { return TtlIn(db, cmd, 1); }

RedisReply TypeOf(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  Value* v = db.Find(cmd[1]);
  if (v == nullptr) return StatusReply("none");
  static const char* const kNames[] = {"string", "hash", "set", "zset", "stream", "list"};
  return StatusReply(kNames[static_cast<int>(v->type)]);
}

// ---- strings ----

RedisReply Get(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kString, &error);
  if (error.is_error()) return error;
  return v == nullptr ? NilReply() : BulkReply(v->str);
}

RedisReply MGet(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 2) return WrongArity(cmd);
  std::vector<RedisReply> out;
  for (size_t i = 1; i < cmd.size(); ++i) {
    Value* v = db.Find(cmd[i]);
    out.push_back(v != nullptr && v->type == Type::kString ? BulkReply(v->str) : NilReply());
  }
  return ArrayReply(std::move(out));
}

// SET key value [NX|XX] [EX s|PX ms|KEEPTTL] [GET]
RedisReply Set(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  bool nx = false, xx = false, keep_ttl = false, get = false;
  int64_t ttl_ms = 0;
  for (size_t i = 3; i < cmd.size(); ++i) {
    const std::string opt = Upper(cmd[i]);
    if (opt == "NX") {
      nx = true;
    } else if (opt == "XX") {
      xx = true;
    } else if (opt == "KEEPTTL") {
      keep_ttl = true;
    } else if (opt == "GET") {
      get = true;
    } else if ((opt == "EX" || opt == "PX") && i + 1 < cmd.size()) {
      int64_t n = 0;
      if (!ParseInt(cmd[++i], &n)) return NotInteger();
      if (n <= 0) return ErrorReply("ERR invalid expire time in 'set' command");
      ttl_ms = opt == "EX" ? n * 1000 : n;
    } else {
      return SyntaxError();
    }
  }
  if (nx && xx) return SyntaxError();
  Value* old = db.Find(cmd[1]);
  if (get && old != nullptr && old->type != Type::kString) {
    return ErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value");
  }
  RedisReply previous = get && old != nullptr ? BulkReply(old->str) : NilReply();
  if ((nx && old != nullptr) || (xx && old == nullptr))
    return get ? std::move(previous) : NilReply();
  const int64_t kept = keep_ttl && old != nullptr ? old->expire_at_ms : 0;
  db.Erase(cmd[1]);
  RedisReply error;
  Value* v = db.FindOrCreate(cmd[1], Type::kString, &error);
  v->str = cmd[2];
  v->expire_at_ms = ttl_ms > 0 ? db.now_ms() + ttl_ms : kept;
  return get ? std::move(previous) : Ok();
}

RedisReply IncrBy(Db& db, const std::string& key, int64_t delta) {
  RedisReply error;
  Value* v = db.FindTyped(key, Type::kString, &error);
  if (error.is_error()) return error;
  int64_t current = 0;
  if (v != nullptr && !ParseInt(v->str, &current)) return NotInteger();
  if (v == nullptr) v = db.FindOrCreate(key, Type::kString, &error);
  current += delta;
  v->str = absl::StrCat(current);
  return IntegerReply(current);
}

RedisReply Incr(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  return IncrBy(db, cmd[1], cmd[0].size() == 4 && Upper(cmd[0]) == "DECR" ? -1 : 1);
}

RedisReply IncrByCommand(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 3) return WrongArity(cmd);
  int64_t delta = 0;
  if (!ParseInt(cmd[2], &delta)) return NotInteger();
  return IncrBy(db, cmd[1], Upper(cmd[0]) == "DECRBY" ? -delta : delta);
}

// ---- hashes ----

RedisReply HGet(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kHash, &error);
  if (error.is_error()) return error;
  if (v == nullptr) return NilReply();
  auto it = v->hash.find(cmd[2]);
  return it == v->hash.end() ? NilReply() : BulkReply(it->second);
}

RedisReply HMGet(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kHash, &error);
  if (error.is_error()) return error;
  std::vector<RedisReply> out;
  for (size_t i = 2; i < cmd.size(); ++i) {
    if (v == nullptr) {
      out.push_back(NilReply());
      continue;
    }
    auto it = v->hash.find(cmd[i]);
    out.push_back(it != v->hash.end() ? BulkReply(it->second) : NilReply());
  }
  return ArrayReply(std::move(out));
}

RedisReply HSet(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 4 || cmd.size() % 2 != 0) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindOrCreate(cmd[1], Type::kHash, &error);
  if (v == nullptr) return error;
  int64_t added = 0;
  for (size_t i = 2; i + 1 < cmd.size(); i += 2) {
    added += v->hash.count(cmd[i]) == 0 ? 1 : 0;
    v->hash[cmd[i]] = cmd[i + 1];
  }
  return Upper(cmd[0]) == "HMSET" ? Ok() : IntegerReply(added);
}

RedisReply HSetNx(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 4) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindOrCreate(cmd[1], Type::kHash, &error);
  if (v == nullptr) return error;
  return IntegerReply(v->hash.emplace(cmd[2], cmd[3]).second ? 1 : 0);
}

RedisReply HDel(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kHash, &error);
  if (error.is_error()) return error;
  if (v == nullptr) return IntegerReply(0);
  int64_t n = 0;
  for (size_t i = 2; i < cmd.size(); ++i) n += static_cast<int64_t>(v->hash.erase(cmd[i]));
  db.DropIfEmpty(cmd[1]);
  return IntegerReply(n);
}

RedisReply HGetAll(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kHash, &error);
  if (error.is_error()) return error;
  std::vector<std::string> flat;
  if (v != nullptr) {
    for (const auto& [field, value] : v->hash) {
      flat.push_back(field);
      flat.push_back(value);
    }
  }
  return BulkArrayReply(flat);
}

RedisReply HExists(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kHash, &error);
  if (error.is_error()) return error;
  return IntegerReply(v != nullptr && v->hash.count(cmd[2]) != 0 ? 1 : 0);
}

RedisReply HLen(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kHash, &error);
  if (error.is_error()) return error;
  return IntegerReply(v != nullptr ? static_cast<int64_t>(v->hash.size()) : 0);
}

RedisReply HIncrBy(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 4) return WrongArity(cmd);
  int64_t delta = 0;
  if (!ParseInt(cmd[3], &delta)) return NotInteger();
  RedisReply error;
  Value* v = db.FindOrCreate(cmd[1], Type::kHash, &error);
  if (v == nullptr) return error;
  int64_t current = 0;
  auto it = v->hash.find(cmd[2]);
  if (it != v->hash.end() && !ParseInt(it->second, &current)) {
    return ErrorReply("ERR hash value is not an integer");
  }
  current += delta;
  v->hash[cmd[2]] = absl::StrCat(current);
  return IntegerReply(current);
}

// ---- sets ----

RedisReply SAdd(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindOrCreate(cmd[1], Type::kSet, &error);
  if (v == nullptr) return error;
  int64_t n = 0;
  for (size_t i = 2; i < cmd.size(); ++i) n += v->set.insert(cmd[i]).second ? 1 : 0;
  return IntegerReply(n);
}

RedisReply SRem(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kSet, &error);
  if (error.is_error()) return error;
  if (v == nullptr) return IntegerReply(0);
  int64_t n = 0;
  for (size_t i = 2; i < cmd.size(); ++i) n += static_cast<int64_t>(v->set.erase(cmd[i]));
  db.DropIfEmpty(cmd[1]);
  return IntegerReply(n);
}

RedisReply SMembers(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kSet, &error);
  if (error.is_error()) return error;
  return BulkArrayReply(v == nullptr ? std::vector<std::string>()
                                     : std::vector<std::string>(v->set.begin(), v->set.end()));
}

RedisReply SIsMember(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kSet, &error);
  if (error.is_error()) return error;
  return IntegerReply(v != nullptr && v->set.count(cmd[2]) != 0 ? 1 : 0);
}

RedisReply SCard(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kSet, &error);
  if (error.is_error()) return error;
  return IntegerReply(v != nullptr ? static_cast<int64_t>(v->set.size()) : 0);
}

// Deterministic: the first `count` members in order (no randomness in tests).
RedisReply SRandMember(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2 && cmd.size() != 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kSet, &error);
  if (error.is_error()) return error;
  if (cmd.size() == 2) {
    return v == nullptr ? NilReply() : BulkReply(*v->set.begin());
  }
  int64_t count = 0;
  if (!ParseInt(cmd[2], &count)) return NotInteger();
  std::vector<std::string> out;
  if (v != nullptr) {
    for (const auto& m : v->set) {
      if (static_cast<int64_t>(out.size()) >= std::abs(count)) break;
      out.push_back(m);
    }
  }
  return BulkArrayReply(out);
}

// ---- sorted sets ----

std::string FormatScore(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  return absl::StrFormat("%.17g", score);
}

bool ParseScore(absl::string_view text, double* out) {
  if (text == "+inf" || text == "inf") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-inf") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  return absl::SimpleAtod(text, out) && !std::isnan(*out);
}

// A ZRANGEBYSCORE bound: "(x" is exclusive.
struct ScoreBound {
  double value = 0;
  bool exclusive = false;
};
bool ParseBound(absl::string_view text, ScoreBound* out) {
  out->exclusive = !text.empty() && text[0] == '(';
  if (out->exclusive) text.remove_prefix(1);
  return ParseScore(text, &out->value);
}
bool AboveMin(double s, const ScoreBound& min) {
  return min.exclusive ? s > min.value : s >= min.value;
}
bool BelowMax(double s, const ScoreBound& max) {
  return max.exclusive ? s < max.value : s <= max.value;
}

RedisReply ScoredReply(const std::vector<std::pair<double, std::string>>& items, bool with_scores) {
  std::vector<std::string> out;
  for (const auto& [score, member] : items) {
    out.push_back(member);
    if (with_scores) out.push_back(FormatScore(score));
  }
  return BulkArrayReply(out);
}

// ZADD key [NX|XX] [GT|LT] [CH] score member ...
RedisReply ZAdd(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 4) return WrongArity(cmd);
  bool nx = false, xx = false, gt = false, lt = false, ch = false;
  size_t i = 2;
  for (; i < cmd.size(); ++i) {
    const std::string opt = Upper(cmd[i]);
    if (opt == "NX") {
      nx = true;
    } else if (opt == "XX") {
      xx = true;
    } else if (opt == "GT") {
      gt = true;
    } else if (opt == "LT") {
      lt = true;
    } else if (opt == "CH") {
      ch = true;
    } else {
      break;
    }
  }
  if (i >= cmd.size() || (cmd.size() - i) % 2 != 0) return SyntaxError();
  std::vector<std::pair<double, std::string>> pairs;
  for (; i + 1 < cmd.size(); i += 2) {
    double score = 0;
    if (!ParseScore(cmd[i], &score)) return ErrorReply("ERR value is not a valid float");
    pairs.emplace_back(score, cmd[i + 1]);
  }
  RedisReply error;
  Value* v = db.FindOrCreate(cmd[1], Type::kZset, &error);
  if (v == nullptr) return error;
  int64_t added = 0, changed = 0;
  for (const auto& [score, member] : pairs) {
    auto it = v->zset.scores.find(member);
    const bool exists = it != v->zset.scores.end();
    if ((nx && exists) || (xx && !exists)) continue;
    if (exists && ((gt && score <= it->second) || (lt && score >= it->second))) continue;
    if (!exists) ++added;
    if (exists && it->second != score) ++changed;
    v->zset.Add(member, score);
  }
  db.DropIfEmpty(cmd[1]);
  return IntegerReply(ch ? added + changed : added);
}

RedisReply ZRem(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kZset, &error);
  if (error.is_error()) return error;
  if (v == nullptr) return IntegerReply(0);
  int64_t n = 0;
  for (size_t i = 2; i < cmd.size(); ++i) n += v->zset.Remove(cmd[i]) ? 1 : 0;
  db.DropIfEmpty(cmd[1]);
  return IntegerReply(n);
}

RedisReply ZCard(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kZset, &error);
  if (error.is_error()) return error;
  return IntegerReply(v != nullptr ? static_cast<int64_t>(v->zset.scores.size()) : 0);
}

RedisReply ZScore(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kZset, &error);
  if (error.is_error()) return error;
  if (v == nullptr) return NilReply();
  auto it = v->zset.scores.find(cmd[2]);
  return it == v->zset.scores.end() ? NilReply() : BulkReply(FormatScore(it->second));
}

// ZRANGE key start stop [WITHSCORES] (by rank).
RedisReply ZRange(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 4 && cmd.size() != 5) return WrongArity(cmd);
  const bool with_scores = cmd.size() == 5 && Upper(cmd[4]) == "WITHSCORES";
  if (cmd.size() == 5 && !with_scores) return SyntaxError();
  int64_t start = 0, stop = 0;
  if (!ParseInt(cmd[2], &start) || !ParseInt(cmd[3], &stop)) return NotInteger();
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kZset, &error);
  if (error.is_error()) return error;
  std::vector<std::pair<double, std::string>> items;
  if (v != nullptr) {
    const int64_t n = static_cast<int64_t>(v->zset.ordered.size());
    if (start < 0) start = std::max<int64_t>(0, n + start);
    if (stop < 0) stop = n + stop;
    stop = std::min(stop, n - 1);
    int64_t rank = 0;
    for (const auto& item : v->zset.ordered) {
      if (rank > stop) break;
      if (rank >= start) items.push_back(item);
      ++rank;
    }
  }
  return ScoredReply(items, with_scores);
}

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
RedisReply ZRangeByScore(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 4) return WrongArity(cmd);
  ScoreBound min, max;
  if (!ParseBound(cmd[2], &min) || !ParseBound(cmd[3], &max)) {
    return ErrorReply("ERR min or max is not a float");
  }
  bool with_scores = false;
  int64_t offset = 0, count = -1;
  for (size_t i = 4; i < cmd.size(); ++i) {
    const std::string opt = Upper(cmd[i]);
    if (opt == "WITHSCORES") {
      with_scores = true;
    } else if (opt == "LIMIT" && i + 2 < cmd.size()) {
      if (!ParseInt(cmd[i + 1], &offset) || !ParseInt(cmd[i + 2], &count)) return NotInteger();
      i += 2;
    } else {
      return SyntaxError();
    }
  }
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kZset, &error);
  if (error.is_error()) return error;
  std::vector<std::pair<double, std::string>> items;
  if (v != nullptr) {
    int64_t skipped = 0;
    for (const auto& item : v->zset.ordered) {
      if (!AboveMin(item.first, min)) continue;
      if (!BelowMax(item.first, max)) break;
      if (skipped++ < offset) continue;
      if (count >= 0 && static_cast<int64_t>(items.size()) >= count) break;
      items.push_back(item);
    }
  }
  return ScoredReply(items, with_scores);
}

RedisReply ZRemRangeByScore(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 4) return WrongArity(cmd);
  ScoreBound min, max;
  if (!ParseBound(cmd[2], &min) || !ParseBound(cmd[3], &max)) {
    return ErrorReply("ERR min or max is not a float");
  }
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kZset, &error);
  if (error.is_error()) return error;
  if (v == nullptr) return IntegerReply(0);
  std::vector<std::string> doomed;
  for (const auto& [score, member] : v->zset.ordered) {
    if (AboveMin(score, min) && BelowMax(score, max)) doomed.push_back(member);
  }
  for (const auto& member : doomed) v->zset.Remove(member);
  db.DropIfEmpty(cmd[1]);
  return IntegerReply(static_cast<int64_t>(doomed.size()));
}

// ZSCAN key cursor [COUNT n] [MATCH p]: everything in one page (cursor "0").
RedisReply ZScan(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = db.FindTyped(cmd[1], Type::kZset, &error);
  if (error.is_error()) return error;
  std::vector<std::pair<double, std::string>> items;
  if (v != nullptr) items.assign(v->zset.ordered.begin(), v->zset.ordered.end());
  std::vector<RedisReply> out;
  out.push_back(BulkReply("0"));
  out.push_back(ScoredReply(items, true));
  return ArrayReply(std::move(out));
}

}  // namespace

void AddKeyCommands(CommandTable* table) {
  CommandTable& t = *table;
  t["DEL"] = Del;
  t["UNLINK"] = Del;
  t["EXISTS"] = Exists;
  t["EXPIRE"] = Expire;
  t["PEXPIRE"] = PExpire;
  t["TTL"] = Ttl;
  t["TIME"] = Time;
  t["PTTL"] = PTtl;
  t["TYPE"] = TypeOf;
  t["GET"] = Get;
  t["MGET"] = MGet;
  t["SET"] = Set;
  t["INCR"] = Incr;
  t["DECR"] = Incr;
  t["INCRBY"] = IncrByCommand;
  t["DECRBY"] = IncrByCommand;
  t["HGET"] = HGet;
  t["HMGET"] = HMGet;
  t["HSET"] = HSet;
  t["HMSET"] = HSet;
  t["HSETNX"] = HSetNx;
  t["HDEL"] = HDel;
  t["HGETALL"] = HGetAll;
  t["HEXISTS"] = HExists;
  t["HLEN"] = HLen;
  t["HINCRBY"] = HIncrBy;
  t["SADD"] = SAdd;
  t["SREM"] = SRem;
  t["SMEMBERS"] = SMembers;
  t["SISMEMBER"] = SIsMember;
  t["SCARD"] = SCard;
  t["SRANDMEMBER"] = SRandMember;
  t["ZADD"] = ZAdd;
  t["ZREM"] = ZRem;
  t["ZCARD"] = ZCard;
  t["ZSCORE"] = ZScore;
  t["ZRANGE"] = ZRange;
  t["ZRANGEBYSCORE"] = ZRangeByScore;
  t["ZREMRANGEBYSCORE"] = ZRemRangeByScore;
  t["ZSCAN"] = ZScan;
}

}  // namespace omnigate::redis::fake
