#pragma once

#include "absl/strings/string_view.h"

// Every Lua script of the dispatcher, in one place. Each touches keys of one
// partition only (they share its hash tag), so each runs on one Redis
// Cluster node.
namespace omnigate::dispatch {

// Leases (omnigate:lease:{p}, value = the owning replica's instance id).

// KEYS[1] lease, ARGV[1] instance, ARGV[2] ttl ms: extend only our own lease.
inline constexpr absl::string_view kRenewScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua";

// KEYS[1] lease, ARGV[1] instance: delete only our own lease.
inline constexpr absl::string_view kReleaseScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// Reads fenced by the lease: a replica whose lease moved takes nothing.

// KEYS[1] lease, KEYS[2] stream; ARGV[1] owner, ARGV[2] group, ARGV[3]
// consumer, ARGV[4] count: takes new entries only while the lease is ours.
inline constexpr absl::string_view kFencedReadScript = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('NOTOWNER the partition lease is not ours')
end
return redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[2],
                  '>')
)lua";

// KEYS[1] lease, KEYS[2] stream; ARGV[1] owner, ARGV[2] group, ARGV[3]
// consumer, ARGV[4] cursor: one XAUTOCLAIM step (JUSTID) while the lease is
// ours; returns the next cursor.
inline constexpr absl::string_view kFencedClaimScript = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('NOTOWNER the partition lease is not ours')
end
local r = redis.call('XAUTOCLAIM', KEYS[2], ARGV[2], ARGV[3], 0, ARGV[4], 'COUNT', 1000, 'JUSTID')
return r[1]
)lua";

// Dead letters (omnigate:dlq:{p}).

// Moves one entry to the dead-letter stream and acknowledges it for the
// sink's group, atomically (both keys share the partition's hash tag):
//   KEYS[1] dead-letter stream, KEYS[2] partition stream
//   ARGV[1] group, ARGV[2] entry id, ARGV[3] approximate cap of the
//   dead-letter stream, ARGV[4..] field/value pairs of the dead letter
inline constexpr absl::string_view kDeadLetterScript = R"lua(
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
return id
)lua";

// Puts a dead letter back at the end of its partition stream for one sink
// and deletes it from the dead-letter stream, atomically:
//   KEYS[1] dead-letter stream, KEYS[2] partition stream
//   ARGV[1] dead-letter entry id, ARGV[2] stream cap
// Returns the new entry id, or false when the dead letter is gone.
inline constexpr absl::string_view kReplayScript = R"lua(
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then return false end
local fields = entries[1][2]
local event, sink
for i = 1, #fields, 2 do
  if fields[i] == 'event' then event = fields[i + 1] end
  if fields[i] == 'sink' then sink = fields[i + 1] end
end
if not event or not sink then return redis.error_reply('dead letter without event or sink') end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', event,
                      'target_sink', sink)
redis.call('XDEL', KEYS[1], ARGV[1])
return id
)lua";

}  // namespace omnigate::dispatch
