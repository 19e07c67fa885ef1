#pragma once

#include "absl/strings/string_view.h"

namespace omnigate::queue {

// Dedupe and append in one round trip, atomically:
//   KEYS[1] dedupe key, KEYS[2] stream key, KEYS[3] conversation state key
//   ARGV[1] dedupe TTL seconds, ARGV[2] approximate stream cap, ARGV[3] event,
//   ARGV[4] conversation retention ms, ARGV[5] (optional) when the event is a
//   customer's message, its time in ms, else "0"
// Returns {1, entry id} when appended, {0, original entry id} for a duplicate.
// The marker is written after XADD so it never points at a missing entry.
// The conversation's mode (absent = bot) is copied onto the entry: mode
// changes are appended by scripts on the same keys, so the entry order alone
// tells every consumer which mode applied to each event.
// An inbound message is activity: it renews the state's retention. A
// customer's message also sets `last_customer_ms` (never backwards: webhooks
// may arrive late), which opens the channel's messaging window; so the state
// exists, with the retention, for every conversation a customer wrote in.
// Without it the hash exists only once a change set mode.
inline constexpr absl::string_view kEnqueueScript = R"lua(
local prev = redis.call('GET', KEYS[1])
if prev then return {0, prev} end
local mode = redis.call('HGET', KEYS[3], 'mode')
local id
if mode and mode ~= 'bot' then
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[3], 'mode', mode)
else
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[3])
end
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
local customer = tonumber(ARGV[5]) or 0
if customer > 0 then
  local last = tonumber(redis.call('HGET', KEYS[3], 'last_customer_ms')) or 0
  if customer > last then redis.call('HSET', KEYS[3], 'last_customer_ms', ARGV[5]) end
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
elseif mode then
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
return {1, id}
)lua";

}  // namespace omnigate::queue
