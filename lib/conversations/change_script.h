#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/queue/history_entry.h"

namespace omnigate::conversations {

// One conversation change, atomically:
//   KEYS[1] state hash, KEYS[2] partition stream, KEYS[3] the conversation's
//           history list (Conversations.History, queue/history_entry.h)
//   ARGV[1] guard field, ARGV[2] guard value: nothing happens when the hash
//           already holds that value (a missing mode counts as "bot")
//   ARGV[3] stream cap, ARGV[4] serialized lifecycle event
//   ARGV[5] retention ms: the hash expires that long after its last change
//   ARGV[6] history cap, ARGV[7] history retention ms
//   ARGV[8] timeline moment this change records: "" none, "handoff",
//           "assign" or "resolve"; ARGV[9] now ms; ARGV[10] the agent of an
//           assign or resolve ("" none)
//   ARGV[11] number of field/value pairs to set, then the pairs, then the
//           fields to delete
// The event is appended after the hash changed and stamped with the mode now
// in force, like every message appended later.
//
// The timeline moment is recorded once per conversation cycle (ingest's
// enqueue script opens cycles and clears them):
//   handoff: handoff_ms, the first in the cycle
//   assign:  assigned_ms; answers the queue wait (now - handoff_ms)
//   resolve: resolved_ms, resolved_by ("agent" when an agent held it or
//            resolves it, else "bot") and resolved_agent; answers the time
//            since opened_ms
// Returns {1, entry id, new moment (0/1), elapsed ms (-1 unknown), label}
// when applied (label: resolved_by, or the priority for an assign), {0, ""}
// when the guard held.
inline constexpr absl::string_view kChangeScriptBody = R"lua(
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current and ARGV[1] == 'mode' then current = 'bot' end
if current == ARGV[2] then return {0, ''} end
local before = redis.call('HMGET', KEYS[1], 'agent_id', 'opened_ms', 'handoff_ms',
                          'assigned_ms', 'resolved_ms')
local n = tonumber(ARGV[11])
local mode_changed = false
for i = 0, n - 1 do
  local field = ARGV[12 + 2 * i]
  redis.call('HSET', KEYS[1], field, ARGV[13 + 2 * i])
  if field == 'mode' then mode_changed = true end
end
for i = 12 + 2 * n, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
local now = tonumber(ARGV[9])
local observed, elapsed, label = 0, -1, ''
if ARGV[8] == 'handoff' and not before[3] then
  redis.call('HSET', KEYS[1], 'handoff_ms', ARGV[9])
elseif ARGV[8] == 'assign' and not before[4] then
  redis.call('HSET', KEYS[1], 'assigned_ms', ARGV[9])
  if before[3] then observed, elapsed = 1, now - tonumber(before[3]) end
  label = redis.call('HGET', KEYS[1], 'priority') or ''
elseif ARGV[8] == 'resolve' and not before[5] then
  local agent = ARGV[10]
  if agent == '' and before[1] then agent = before[1] end
  local by = agent ~= '' and 'agent' or 'bot'
  redis.call('HSET', KEYS[1], 'resolved_ms', ARGV[9], 'resolved_by', by, 'resolved_agent', agent)
  observed, label = 1, by
  if before[2] then elapsed = now - tonumber(before[2]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local mode = redis.call('HGET', KEYS[1], 'mode')
local id
if mode and mode ~= 'bot' then
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'event', ARGV[4], 'mode', mode)
else
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'event', ARGV[4])
end
history_append(KEYS[3], ARGV[4], ARGV[6], ARGV[7])
if mode_changed then redis.call('HSET', KEYS[1], 'mode_entry_id', id) end
return {1, id, observed, elapsed, label}
)lua";

inline std::string ChangeScript() {
  return absl::StrCat(queue::kHistoryAppendLua, kChangeScriptBody);
}

}  // namespace omnigate::conversations
