#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/queue/history_entry.h"

namespace omnigate::queue {

// Dedupe and append in one round trip, atomically, for a batch of events of
// one partition (one call carries every event of the partition that one
// writer flush holds; EnqueueFolder merges the callers' calls):
//   KEYS[1] the partition's stream, KEYS[2] the partition's dedupe base key
//     (DedupeBaseKey: the buckets are "<base>:<n>", same hash slot), then
//     three keys per event: the conversation state key, and
//     history list + state again (kind h), state twice (kind n), or the
//     provider id -> reply id key + early receipts key (kind r)
//   ARGV[1..7] shared: dedupe window s, approximate stream cap, conversation
//     retention ms, history cap (entries), history retention ms, status
//     retention ms, the partition's reply status key prefix
//     ("omnigate:outstatus:{p}:")
//   then eight per event: kind, idempotency key, event, customer message
//     time ms (0: not a customer's message), x, y, z, now ms; for h/n x =
//     customer id, y = connector; for r x = state (sent|delivered|read|
//     failed), y = error code, z = error message.
// Returns one answer per event: {1, entry id, cycle} when appended, {0,
// original entry id} for a duplicate.
//
// Dedupe markers live in hashes per partition and time bucket (field =
// idempotency key, value = entry id), not in a key per event: a key with a
// TTL costs Redis about twice the CPU of a hash field (measured in
// BENCHMARKS.md, "Redis cost per event"), and expiring one key per event is
// work too. Bucket n covers [n, n+1) windows of Redis's clock (TIME: one
// clock per partition, whatever the ingest pods' clocks say); an event is
// looked up in the current and the previous bucket, so a repeat within the
// window is always found (within two windows at most). The bucket two
// windows back is UNLINKed (freed off Redis's main thread) when a call runs
// in the next one, and every bucket expires on its own after two windows in
// case its partition goes quiet.
//
// Per event: the dedupe marker is written after XADD (with the call's
// other markers) so it never points at a missing entry. The conversation's mode (absent = bot) is
// copied onto the entry: mode changes are appended by scripts on the same keys, so the entry order
// alone tells every consumer which mode applied to each event. The state hash is read once (HMGET)
// and written at most once (HSET) per event.
//
// An inbound message is activity: it renews the state's retention. A
// customer's message also sets `last_customer_ms` (never backwards: webhooks
// may arrive late), which opens the channel's messaging window, with the
// customer's channel id (`customer_id`: where replies go when Outbound.Send
// names no recipient) and the connector it came through (`connector`: where
// the bot's CSAT question goes). Renewals are recorded in the state
// (`renewed_ms`, `history_renewed_ms`) and skipped while the last one is
// younger than 1/16 of the retention: a busy conversation pays for a
// PEXPIRE now and then, not on every message, and keeps at least 15/16 of
// its retention after its last activity.
//
// History (kind h): the event is appended to the conversation's history list
// (Conversations.History, history_entry.h), capped and expiring.
//
// Timeline: a customer's message opens a conversation cycle when none is
// open (`opened_ms` unset) or the last one was resolved (`resolved_ms` set),
// unless the CSAT question is still waiting for an answer (`csat_until_ms`
// after the message): then the chatbot decides whether the message is a
// rating or reopens. Opening clears the cycle's moments and sets
// `opened_ms`; after a resolve it also counts `reopened` and puts a closed
// conversation back in bot mode (this message is routed to the bot). The
// third element of the answer says what happened: 0 nothing, 1 opened,
// 2 reopened (answered once: a duplicate returns before this).
//
// Receipts (kind r, a provider's status webhook for a reply omnigate sent):
// when the reply is known its id is stamped on the entry (field
// outbound_event_id, copied into Status.outbound_event_id by consumers) and
// its status record moves forward; otherwise the receipt waits as an early
// one for the sender to apply when it records the provider id (the
// provider's webhook raced its own send answer). The status key is built
// from the reply id read here, in the same hash tag as the provider key.
inline constexpr absl::string_view kEnqueueScriptBody = R"lua(
local rank = {queued = 0, sent = 1, delivered = 2, read = 3, failed = 3}

local clock = redis.call('TIME')
local now_s = tonumber(clock[1])
local now_ms = now_s * 1000 + math.floor(tonumber(clock[2]) / 1000)
local window = tonumber(ARGV[1])
local bucket = math.floor(now_s / window)
local dedupe_now = KEYS[2] .. ':' .. bucket
local dedupe_before = KEYS[2] .. ':' .. (bucket - 1)
local check_before = redis.call('EXISTS', dedupe_before) == 1
local renew_state = math.floor(tonumber(ARGV[3]) / 16)
local renew_history = math.floor(tonumber(ARGV[5]) / 16)

local function receipt(fields, kp, ke, state, code, message, now)
  local reply = redis.call('GET', kp)
  if reply then
    fields[#fields + 1] = 'outbound_event_id'
    fields[#fields + 1] = reply
    local skey = ARGV[7] .. reply
    local cur = redis.call('HGET', skey, 'state')
    if rank[state] and (not cur or not rank[cur] or rank[state] > rank[cur]) then
      if state == 'failed' then
        redis.call('HSET', skey, 'state', state, 'updated_ms', now, 'error_code', code,
                   'error_message', message)
      else
        redis.call('HSET', skey, 'state', state, 'updated_ms', now)
      end
      redis.call('PEXPIRE', skey, ARGV[6])
    end
  else
    local cur = redis.call('HGET', ke, 'state')
    if rank[state] and (not cur or not rank[cur] or rank[state] > rank[cur]) then
      redis.call('HSET', ke, 'state', state, 'error_code', code, 'error_message', message)
    end
    redis.call('PEXPIRE', ke, ARGV[6])
  end
end

-- Markers of the entries appended by this call (idempotency key, entry id),
-- written at the end with one HSET.
local stored = {}
local marks = {}

local function enqueue(ks, k3, k4, kind, idem, event, customer_ms, x, y, z, now)
  local t = redis.call('HMGET', ks, 'mode', 'opened_ms', 'resolved_ms', 'csat_until_ms',
                       'last_customer_ms', 'renewed_ms', 'history_renewed_ms')
  local mode = t[1]
  local set = {}
  local cycle = 0
  local customer = tonumber(customer_ms) or 0
  if customer > 0 then
    local asking = t[4] and (tonumber(t[4]) or 0) > customer
    if not t[2] or (t[3] and not asking) then
      cycle = t[3] and 2 or 1
      redis.call('HDEL', ks, 'first_reply_ms', 'handoff_ms', 'assigned_ms',
                 'first_agent_reply_ms', 'resolved_ms', 'resolved_by', 'resolved_agent',
                 'csat_until_ms', 'csat_score')
      set[#set + 1] = 'opened_ms'
      set[#set + 1] = customer_ms
      if cycle == 2 then
        redis.call('HINCRBY', ks, 'reopened', 1)
        if mode == 'closed' then
          set[#set + 1] = 'mode'
          set[#set + 1] = 'bot'
          set[#set + 1] = 'mode_changed_at_ms'
          set[#set + 1] = customer_ms
          mode = 'bot'
        end
      end
    end
  end
  local fields = {'event', event}
  if mode and mode ~= 'bot' then
    fields[3] = 'mode'
    fields[4] = mode
  end
  if kind == 'r' then receipt(fields, k3, k4, x, y, z, now) end
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(fields))
  stored[idem] = id
  marks[#marks + 1] = idem
  marks[#marks + 1] = id
  -- The state is kept (and its renewals recorded) only for activity.
  local active = customer > 0 or mode
  if kind == 'h' then
    local renew = not active or now_ms - (tonumber(t[7]) or 0) >= renew_history
    history_append(k3, event, ARGV[4], ARGV[5], renew)
    if renew and active then
      set[#set + 1] = 'history_renewed_ms'
      set[#set + 1] = now_ms
    end
  end
  if customer > 0 and customer > (tonumber(t[5]) or 0) then
    set[#set + 1] = 'last_customer_ms'
    set[#set + 1] = customer_ms
    if kind ~= 'r' and x ~= '' then
      set[#set + 1] = 'customer_id'
      set[#set + 1] = x
      if y ~= '' then
        set[#set + 1] = 'connector'
        set[#set + 1] = y
      end
    end
  end
  local renew = active and now_ms - (tonumber(t[6]) or 0) >= renew_state
  if renew then
    set[#set + 1] = 'renewed_ms'
    set[#set + 1] = now_ms
  end
  if #set > 0 then redis.call('HSET', ks, unpack(set)) end
  if renew then redis.call('PEXPIRE', ks, ARGV[3]) end
  return {1, id, cycle}
end

-- The call's markers are looked up with one HMGET per bucket and written
-- with one HSET: Redis charges about a microsecond per command a script
-- runs, more than the lookup itself. The script is atomic, so writing them
-- at the end is the same as one by one; repeats within the call are found
-- in `stored`.
local events = (#KEYS - 2) / 3
local idems = {}
for i = 1, events do idems[i] = ARGV[8 * i + 1] end
local known = redis.call('HMGET', dedupe_now, unpack(idems))
if check_before then
  local missing, at = {}, {}
  for i = 1, events do
    if not known[i] then
      missing[#missing + 1] = idems[i]
      at[#at + 1] = i
    end
  end
  if #missing > 0 then
    local older = redis.call('HMGET', dedupe_before, unpack(missing))
    for j = 1, #missing do known[at[j]] = older[j] end
  end
end
-- Each event runs protected: one that fails (a key of the wrong type, say)
-- is answered with its error and the others go on; an entry appended
-- before the failure keeps its marker, so the caller's retry finds it.
local answers = {}
for i = 1, events do
  local idem = idems[i]
  local prev = known[i] or stored[idem]
  if prev then
    answers[i] = {0, prev}
  else
    local k = 3 * i
    local a = 8 * i
    local ok, answer = pcall(enqueue, KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a], idem,
                             ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6],
                             ARGV[a + 7])
    if ok then
      answers[i] = answer
    elseif type(answer) == 'table' and answer.err then
      answers[i] = {err = answer.err}
    else
      answers[i] = {err = 'ERR enqueue: ' .. tostring(answer)}
    end
  end
end
if #marks > 0 then
  redis.call('HSET', dedupe_now, unpack(marks))
  redis.call('PEXPIRE', dedupe_now, (bucket + 2) * window * 1000 - now_ms)
  redis.call('UNLINK', KEYS[2] .. ':' .. (bucket - 2))
end
return answers
)lua";

// Layout of the script's arguments (see above).
inline constexpr int kEnqueueSharedKeys = 2;
inline constexpr int kEnqueueKeysPerEvent = 3;
inline constexpr int kEnqueueSharedArgs = 7;
inline constexpr int kEnqueueArgsPerEvent = 8;

// The whole script: history_append's definition, then the body.
inline const std::string& EnqueueScript() {
  static const std::string* script =
      new std::string(absl::StrCat(kHistoryAppendLua, kEnqueueScriptBody));
  return *script;
}

}  // namespace omnigate::queue
