#include "lib/redis/reply_builder.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace omnigate::redis {
namespace {

// freeReplyObject (hiredis 0.14) frees `str` of string, status and error
// replies, each element and `element` of arrays, then the reply itself.
redisReply* NewReply(int type) {
  auto* r = static_cast<redisReply*>(calloc(1, sizeof(redisReply)));
  if (r == nullptr) throw std::bad_alloc();
  r->type = type;
  return r;
}

RedisReply StringLike(int type, absl::string_view text) {
  redisReply* r = NewReply(type);
  r->str = static_cast<char*>(malloc(text.size() + 1));
  if (r->str == nullptr) {
    free(r);
    throw std::bad_alloc();
  }
  if (!text.empty()) memcpy(r->str, text.data(), text.size());
  r->str[text.size()] = '\0';
  r->len = text.size();
  return RedisReply(r);
}

}  // namespace

RedisReply StatusReply(absl::string_view text) { return StringLike(REDIS_REPLY_STATUS, text); }
RedisReply ErrorReply(absl::string_view text) { return StringLike(REDIS_REPLY_ERROR, text); }
RedisReply BulkReply(absl::string_view text) { return StringLike(REDIS_REPLY_STRING, text); }

RedisReply IntegerReply(int64_t value) {
  redisReply* r = NewReply(REDIS_REPLY_INTEGER);
  r->integer = value;
  return RedisReply(r);
}

RedisReply NilReply() { return RedisReply(NewReply(REDIS_REPLY_NIL)); }

RedisReply ArrayReply(std::vector<RedisReply> elements) {
  redisReply* r = NewReply(REDIS_REPLY_ARRAY);
  RedisReply out(r);  // owns r from here: a partly filled array frees cleanly
  if (elements.empty()) return out;
  auto* array = static_cast<redisReply**>(calloc(elements.size(), sizeof(redisReply*)));
  if (array == nullptr) throw std::bad_alloc();
  r->element = array;
  r->elements = elements.size();
  for (size_t i = 0; i < elements.size(); ++i) array[i] = elements[i].release();
  return out;
}

RedisReply BulkArrayReply(const std::vector<std::string>& items) {
  std::vector<RedisReply> elements;
  elements.reserve(items.size());
  for (const auto& item : items) elements.push_back(BulkReply(item));
  return ArrayReply(std::move(elements));
}

}  // namespace omnigate::redis
