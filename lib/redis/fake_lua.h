#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_reply.h"

namespace omnigate::redis {

// Runs one Lua 5.1 script the way Redis runs EVAL: KEYS and ARGV tables,
// redis.call / redis.pcall / redis.error_reply / redis.status_reply, and
// the same conversions both ways (integer -> number, bulk -> string,
// nil -> false, array -> table, status -> {ok=...}, error -> raised by call
// or {err=...} from pcall; returned numbers truncate to integers, false ->
// nil, true -> 1, tables -> arrays up to the first nil). `call` runs one
// command and must not re-enter the script runner. Errors of the script
// itself come back as error replies.
RedisReply RunLuaScript(const std::string& source, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args,
                        const std::function<RedisReply(const RedisCommand&)>& call);

}  // namespace omnigate::redis
