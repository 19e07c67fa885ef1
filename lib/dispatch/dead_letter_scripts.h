#pragma once

#include "absl/strings/string_view.h"

namespace omnigate::dispatch {

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
