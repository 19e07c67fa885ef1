#pragma once

// Lua scripts of the reply status records (OutboundStatusStore) and of the
// receipt step in ingest's enqueue script. Every key of one call shares the
// conversation's partition hash tag.
namespace omnigate::conversations::scripts {

// In each script, `rank` says how far along a state is; a record only moves
// to a higher rank. A failure ranks with "read": neither overrides the other.

// KEYS: 1 status. ARGV: 1 connector, 2 now ms, 3 retention ms.
inline constexpr char kRecordQueued[] = R"lua(
if redis.call('HSETNX', KEYS[1], 'state', 'queued') == 1 then
  redis.call('HSET', KEYS[1], 'connector', ARGV[1], 'updated_ms', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

// KEYS: 1 status, 2 provider id -> reply, 3 early receipts of that id,
// 4 the conversation's state.
// ARGV: 1 reply id, 2 provider id, 3 connector, 4 now ms, 5 retention ms,
// 6 who replied: "bot", "agent" or "" (neither: not a response).
// Returns {state recorded, first response ms, agent first response ms,
// priority}: a response time is -1 unless this reply is the first (agent)
// reply of the open conversation cycle, recorded here once (first_reply_ms,
// first_agent_reply_ms), so a reply sent twice is measured once.
inline constexpr char kRecordSent[] = R"lua(
local rank = {queued = 0, sent = 1, delivered = 2, read = 3, failed = 3}
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[5])
local state = 'sent'
local early = redis.call('HMGET', KEYS[3], 'state', 'error_code', 'error_message')
if early[1] and rank[early[1]] and rank[early[1]] > rank[state] then state = early[1] end
local cur = redis.call('HGET', KEYS[1], 'state')
if cur and rank[cur] and rank[cur] > rank[state] then state = cur end
redis.call('HSET', KEYS[1], 'state', state, 'connector', ARGV[3], 'provider_message_id', ARGV[2],
           'updated_ms', ARGV[4])
if state == 'failed' and early[1] == 'failed' then
  redis.call('HSET', KEYS[1], 'error_code', early[2] or '', 'error_message', early[3] or '')
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('DEL', KEYS[3])
local first, agent_first, priority = -1, -1, ''
if ARGV[6] ~= '' then
  local t = redis.call('HMGET', KEYS[4], 'opened_ms', 'resolved_ms', 'first_reply_ms',
                       'handoff_ms', 'first_agent_reply_ms', 'priority')
  local now = tonumber(ARGV[4])
  local opened = tonumber(t[1])
  if opened and not t[2] and now >= opened then
    priority = t[6] or ''
    if not t[3] then
      redis.call('HSET', KEYS[4], 'first_reply_ms', ARGV[4])
      first = now - opened
    end
    if ARGV[6] == 'agent' and t[4] and not t[5] then
      redis.call('HSET', KEYS[4], 'first_agent_reply_ms', ARGV[4])
      agent_first = now - tonumber(t[4])
    end
  end
end
return {state, first, agent_first, priority}
)lua";

// KEYS: 1 status. ARGV: 1 connector, 2 error code, 3 error message, 4 now
// ms, 5 retention ms.
inline constexpr char kRecordFailed[] = R"lua(
redis.call('HSET', KEYS[1], 'state', 'failed', 'connector', ARGV[1], 'error_code', ARGV[2],
           'error_message', ARGV[3], 'updated_ms', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
)lua";

}  // namespace omnigate::conversations::scripts
