#pragma once

#include "absl/strings/string_view.h"

namespace omnigate::conversations {

// One conversation change, atomically:
//   KEYS[1] state hash, KEYS[2] partition stream
//   ARGV[1] guard field, ARGV[2] guard value: nothing happens when the hash
//           already holds that value (a missing mode counts as "bot")
//   ARGV[3] stream cap, ARGV[4] serialized lifecycle event
//   ARGV[5] retention ms: the hash expires that long after its last change
//   ARGV[6] number of field/value pairs to set, then the pairs, then the
//           fields to delete
// The event is appended after the hash changed and stamped with the mode now
// in force, like every message appended later.
// Returns {1, entry id} when applied, {0, ""} when the guard held.
inline constexpr absl::string_view kChangeScript = R"lua(
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current and ARGV[1] == 'mode' then current = 'bot' end
if current == ARGV[2] then return {0, ''} end
local n = tonumber(ARGV[6])
local mode_changed = false
for i = 0, n - 1 do
  local field = ARGV[7 + 2 * i]
  redis.call('HSET', KEYS[1], field, ARGV[8 + 2 * i])
  if field == 'mode' then mode_changed = true end
end
for i = 7 + 2 * n, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local mode = redis.call('HGET', KEYS[1], 'mode')
local id
if mode and mode ~= 'bot' then
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'event', ARGV[4], 'mode', mode)
else
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'event', ARGV[4])
end
if mode_changed then redis.call('HSET', KEYS[1], 'mode_entry_id', id) end
return {1, id}
)lua";

}  // namespace omnigate::conversations
