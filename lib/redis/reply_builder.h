#pragma once

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/redis/redis_reply.h"

namespace omnigate::redis {

// Replies built in memory, allocated the way hiredis allocates them so
// RedisReply frees them with freeReplyObject. For fakes and tests.
RedisReply StatusReply(absl::string_view text);
RedisReply ErrorReply(absl::string_view text);
RedisReply IntegerReply(int64_t value);
RedisReply BulkReply(absl::string_view text);
RedisReply NilReply();
RedisReply ArrayReply(std::vector<RedisReply> elements);
// An array of bulk strings.
RedisReply BulkArrayReply(const std::vector<std::string>& items);

}  // namespace omnigate::redis
