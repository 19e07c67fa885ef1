#include "lib/redis/fake_redis_db.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/redis/reply_builder.h"

namespace omnigate::redis::fake {

std::string StreamId::ToString() const { return absl::StrCat(ms, "-", seq); }

void SortedSet::Add(const std::string& member, double score) {
  Remove(member);
  scores[member] = score;
  ordered.emplace(score, member);
}

bool SortedSet::Remove(const std::string& member) {
  auto it = scores.find(member);
  if (it == scores.end()) return false;
  ordered.erase({it->second, member});
  scores.erase(it);
  return true;
}

bool Value::Empty() const {
  switch (type) {
    case Type::kHash:
      return hash.empty();
    case Type::kSet:
      return set.empty();
    case Type::kZset:
      return zset.scores.empty();
    case Type::kList:
      return list.empty();
    default:
      return false;  // strings may be empty; streams live on empty
  }
}

Value* Db::Find(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return nullptr;
  if (it->second.expire_at_ms != 0 && it->second.expire_at_ms <= now_ms()) {
    keys_.erase(it);
    return nullptr;
  }
  return &it->second;
}

Value* Db::FindTyped(const std::string& key, Type type, RedisReply* error) {
  Value* v = Find(key);
  if (v != nullptr && v->type != type) {
    *error = ErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value");
    return nullptr;
  }
  return v;
}

Value* Db::FindOrCreate(const std::string& key, Type type, RedisReply* error) {
  RedisReply wrong;
  Value* v = FindTyped(key, type, &wrong);
  if (v != nullptr) return v;
  if (wrong.is_error()) {
    *error = std::move(wrong);
    return nullptr;
  }
  Value& created = keys_[key];
  created = Value();
  created.type = type;
  return &created;
}

void Db::DropIfEmpty(const std::string& key) {
  auto it = keys_.find(key);
  if (it != keys_.end() && it->second.Empty()) keys_.erase(it);
}

bool Db::Erase(const std::string& key) {
  if (Find(key) == nullptr) return false;
  keys_.erase(key);
  return true;
}

std::vector<std::string> Db::Keys() {
  std::vector<std::string> out;
  for (auto it = keys_.begin(); it != keys_.end();) {
    if (it->second.expire_at_ms != 0 && it->second.expire_at_ms <= now_ms()) {
      it = keys_.erase(it);
    } else {
      out.push_back(it->first);
      ++it;
    }
  }
  return out;
}

RedisReply WrongArity(const RedisCommand& cmd) {
  return ErrorReply(absl::StrCat("ERR wrong number of arguments for '",
                                 absl::AsciiStrToLower(cmd[0]), "' command"));
}

RedisReply SyntaxError() { return ErrorReply("ERR syntax error"); }

RedisReply NotInteger() { return ErrorReply("ERR value is not an integer or out of range"); }

bool ParseInt(absl::string_view text, int64_t* out) { return absl::SimpleAtoi(text, out); }

std::string Upper(absl::string_view text) { return absl::AsciiStrToUpper(text); }

}  // namespace omnigate::redis::fake
