#pragma once

#include "absl/strings/string_view.h"

// Lua scripts of the shared send limits (RateLimiter). Each runs atomically
// in Redis, so any number of sender replicas may call them at once. The keys
// of one script share the connector's hash tag (Cluster-safe). Times are
// milliseconds, fractional where an emission interval is (1000/30 ms).
namespace omnigate::outbound::scripts {

// GCRA over two buckets, reserving the slot, for a batch of sends of one
// connector in order: the same answers as one call per send in that order,
// with the connector bucket read and written once per batch (Redis pays a
// call from Lua per bucket touched, which dominated a send's Redis CPU). A
// bucket hash holds `tat` (its theoretical arrival time) and `paused_until`;
// a missing one is fresh.
// KEYS: 1 connector bucket, then recipient buckets (a recipient repeated in
// the batch may be listed once or more).
// ARGV: 8 per send: 1 index in KEYS of its recipient bucket (0: none),
//       2 now, 3/4 connector interval/tolerance (interval 0: no limit),
//       5/6 recipient interval/tolerance, 7 max reserve, 8 expiry margin.
// Returns one {kind, wait in microseconds} per send: 0 go (slot reserved,
// send after the wait), 1 wait (nothing reserved, come back after it),
// 2 paused (the remaining pause).
// A slot the recipient alone pushes past the connector's booked time is not
// reserved: the connector's TAT would jump to it and other recipients would
// wait behind capacity nobody uses. The caller comes back when the recipient
// is free instead; placements stay in GCRA order, so the connector's bound
// (burst + elapsed / interval in any window) holds across replicas.
inline constexpr absl::string_view kReserveBatch = R"lua(
local c = redis.call('HMGET', KEYS[1], 'tat', 'paused_until')
local ctat_stored = tonumber(c[1])
local cpaused = tonumber(c[2]) or 0
local buckets = {}  -- recipient bucket key -> {tat, paused}, as stored
local cexpire = nil  -- connector PEXPIRE due, from the last booking
local out = {}
for i = 0, #ARGV / 8 - 1 do
  local a = 8 * i
  local rkey = KEYS[tonumber(ARGV[a + 1])] -- nil: no recipient
  local now = tonumber(ARGV[a + 2])
  local cint, ctol = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local rint, rtol = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local horizon, margin = tonumber(ARGV[a + 7]), tonumber(ARGV[a + 8])
  local ctat = math.max(ctat_stored or now, now)
  local paused = cpaused
  local rtat = now
  local r = nil
  if rkey then
    r = buckets[rkey]
    if not r then
      local h = redis.call('HMGET', rkey, 'tat', 'paused_until')
      r = {tat = tonumber(h[1]), paused = tonumber(h[2]) or 0}
      buckets[rkey] = r
    end
    rtat = math.max(r.tat or now, now)
    paused = math.max(paused, r.paused)
  end
  local slot = now
  if cint > 0 then slot = math.max(slot, ctat - ctol) end
  if rint > 0 and rkey then slot = math.max(slot, rtat - rtol) end
  local wait = math.ceil((slot - now) * 1000)
  if paused > now then
    out[i + 1] = {2, math.ceil((paused - now) * 1000)}
  elseif slot - now > horizon then
    -- Beyond the booking horizon: come back once the slot is within it
    -- (not when it is due, or the slots in between would go unused).
    out[i + 1] = {1, math.max(1, math.ceil((slot - now - horizon) * 1000))}
  elseif cint > 0 and slot > ctat then
    out[i + 1] = {1, wait}
  else
    if cint > 0 then
      -- Stored with three decimals: the next send reads it back so.
      ctat = ctat + cint
      ctat_stored = tonumber(string.format('%.3f', ctat))
      cexpire = math.ceil(ctat - now + margin)
    end
    if rint > 0 and rkey then
      rtat = math.max(rtat, slot) + rint
      redis.call('HSET', rkey, 'tat', string.format('%.3f', rtat))
      redis.call('PEXPIRE', rkey, math.ceil(rtat - now + margin))
      r.tat = tonumber(string.format('%.3f', rtat))
    end
    out[i + 1] = {0, wait}
  end
end
if cexpire then
  redis.call('HSET', KEYS[1], 'tat', string.format('%.3f', ctat_stored))
  redis.call('PEXPIRE', KEYS[1], cexpire)
end
return out
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
