#pragma once

#include "absl/strings/string_view.h"

// Lua scripts of the shared send limits (RateLimiter). Each runs atomically
// in Redis, so any number of sender replicas may call them at once. The keys
// of one script share the connector's hash tag (Cluster-safe). Times are
// milliseconds, fractional where an emission interval is (1000/30 ms).
namespace omnigate::outbound::scripts {

// GCRA over two buckets, reserving the slot. A bucket hash holds `tat` (its
// theoretical arrival time) and `paused_until`; a missing one is fresh.
// KEYS: 1 connector bucket, 2 recipient bucket (absent: no recipient).
// ARGV: 1 now, 2/3 connector interval/tolerance (interval 0: no limit),
//       4/5 recipient interval/tolerance, 6 max reserve, 7 expiry margin.
// Returns {kind, wait in microseconds}: 0 go (slot reserved, send after the
// wait), 1 wait (nothing reserved, come back after it), 2 paused (the
// remaining pause).
// A slot the recipient alone pushes past the connector's booked time is not
// reserved: the connector's TAT would jump to it and other recipients would
// wait behind capacity nobody uses. The caller comes back when the recipient
// is free instead; placements stay in GCRA order, so the connector's bound
// (burst + elapsed / interval in any window) holds across replicas.
inline constexpr absl::string_view kReserve = R"lua(
local now = tonumber(ARGV[1])
local c = redis.call('HMGET', KEYS[1], 'tat', 'paused_until')
local ctat = math.max(tonumber(c[1]) or now, now)
local paused = tonumber(c[2]) or 0
local rtat = now
if #KEYS > 1 then
  local r = redis.call('HMGET', KEYS[2], 'tat', 'paused_until')
  rtat = math.max(tonumber(r[1]) or now, now)
  paused = math.max(paused, tonumber(r[2]) or 0)
end
if paused > now then return {2, math.ceil((paused - now) * 1000)} end
local cint, ctol = tonumber(ARGV[2]), tonumber(ARGV[3])
local rint, rtol = tonumber(ARGV[4]), tonumber(ARGV[5])
local slot = now
if cint > 0 then slot = math.max(slot, ctat - ctol) end
if rint > 0 and #KEYS > 1 then slot = math.max(slot, rtat - rtol) end
local wait = math.ceil((slot - now) * 1000)
-- Beyond the booking horizon: come back once the slot is within it (not
-- when it is due, or the slots in between would go unused).
if slot - now > tonumber(ARGV[6]) then
  return {1, math.max(1, math.ceil((slot - now - tonumber(ARGV[6])) * 1000))}
end
if cint > 0 and slot > ctat then return {1, wait} end
local margin = tonumber(ARGV[7])
if cint > 0 then
  ctat = ctat + cint
  redis.call('HSET', KEYS[1], 'tat', string.format('%.3f', ctat))
  redis.call('PEXPIRE', KEYS[1], math.ceil(ctat - now + margin))
end
if rint > 0 and #KEYS > 1 then
  rtat = math.max(rtat, slot) + rint
  redis.call('HSET', KEYS[2], 'tat', string.format('%.3f', rtat))
  redis.call('PEXPIRE', KEYS[2], math.ceil(rtat - now + margin))
end
return {0, wait}
)lua";

// Pauses a bucket (connector-wide or one recipient) until a time; a longer
// pause already there stands. The key lives until the pause and its TAT
// have both passed.
// KEYS: 1 bucket. ARGV: 1 until, 2 reason, 3 now, 4 expiry margin.
// Returns 1 when the pause was stored, 0 when a longer one stands.
inline constexpr absl::string_view kPause = R"lua(
local h = redis.call('HMGET', KEYS[1], 'tat', 'paused_until')
local untl = tonumber(ARGV[1])
if (tonumber(h[2]) or 0) >= untl then return 0 end
redis.call('HSET', KEYS[1], 'paused_until', ARGV[1], 'pause_reason', ARGV[2])
local last = math.max(untl, tonumber(h[1]) or 0)
redis.call('PEXPIRE', KEYS[1], math.ceil(last - tonumber(ARGV[3]) + tonumber(ARGV[4])))
return 1
)lua";

// Drops an index entry of a pause that ended, unless a replica replaced it
// meanwhile. KEYS: 1 index hash. ARGV: 1 connector, 2 the value read.
inline constexpr absl::string_view kForgetPause = R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
)lua";

}  // namespace omnigate::outbound::scripts
