#pragma once

#include "absl/strings/string_view.h"

namespace omnigate::queue {

// Dedupe and append in one round trip, atomically:
//   KEYS[1] dedupe key, KEYS[2] stream key
//   ARGV[1] dedupe TTL seconds, ARGV[2] approximate stream cap, ARGV[3] event
// Returns {1, entry id} when appended, {0, original entry id} for a duplicate.
// The marker is written after XADD so it never points at a missing entry.
inline constexpr absl::string_view kEnqueueScript = R"lua(
local prev = redis.call('GET', KEYS[1])
if prev then return {0, prev} end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[3])
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
return {1, id}
)lua";

}  // namespace omnigate::queue
