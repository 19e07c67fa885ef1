#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace omnigate::redis {

// Owns one hiredis reply tree (freeReplyObject on destruction). Movable.
class RedisReply {
 public:
  RedisReply() = default;
  explicit RedisReply(redisReply* reply) : reply_(reply) {}

  bool is_null() const { return reply_ == nullptr || reply_->type == REDIS_REPLY_NIL; }
  bool is_error() const { return reply_ != nullptr && reply_->type == REDIS_REPLY_ERROR; }
  bool is_string() const {
    return reply_ != nullptr &&
           (reply_->type == REDIS_REPLY_STRING || reply_->type == REDIS_REPLY_STATUS);
  }
  bool is_integer() const { return reply_ != nullptr && reply_->type == REDIS_REPLY_INTEGER; }
  bool is_array() const { return reply_ != nullptr && reply_->type == REDIS_REPLY_ARRAY; }

  // String, status and error replies; empty otherwise.
  absl::string_view str() const {
    return reply_ != nullptr && reply_->str != nullptr ? absl::string_view(reply_->str, reply_->len)
                                                       : absl::string_view();
  }
  int64_t integer() const { return is_integer() ? reply_->integer : 0; }
  size_t size() const { return is_array() ? reply_->elements : 0; }
  // Borrowed view of element i of an array reply (valid while this lives).
  const redisReply* element(size_t i) const { return i < size() ? reply_->element[i] : nullptr; }
  const redisReply* get() const { return reply_.get(); }
  // Takes element i out of an array reply (leaving a hole that reads as
  // null); an empty reply when there is no such element.
  RedisReply TakeElement(size_t i) {
    if (i >= size()) return RedisReply();
    redisReply* e = reply_->element[i];
    reply_->element[i] = nullptr;
    return RedisReply(e);
  }
  // Gives up ownership (for building a larger reply tree around it).
  redisReply* release() { return reply_.release(); }

 private:
  struct Free {
    void operator()(redisReply* r) const { freeReplyObject(r); }
  };
  std::unique_ptr<redisReply, Free> reply_;
};

// Views into a borrowed element of an array reply.
inline absl::string_view ElementStr(const redisReply* r) {
  return r != nullptr && r->str != nullptr ? absl::string_view(r->str, r->len)
                                           : absl::string_view();
}

}  // namespace omnigate::redis
