#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/queue/history_entry.h"

namespace omnigate::queue {

// Dedupe and append in one round trip, atomically:
//   KEYS[1] dedupe key, KEYS[2] stream key, KEYS[3] conversation state key
//   ARGV[1] dedupe TTL seconds, ARGV[2] approximate stream cap, ARGV[3] event,
//   ARGV[4] conversation retention ms, ARGV[5] (optional) when the event is a
//   customer's message, its time in ms, else "0"
// Returns {1, entry id, cycle} when appended, {0, original entry id} for a
// duplicate.
// The marker is written after XADD so it never points at a missing entry.
// The conversation's mode (absent = bot) is copied onto the entry: mode
// changes are appended by scripts on the same keys, so the entry order alone
// tells every consumer which mode applied to each event.
// An inbound message is activity: it renews the state's retention. A
// customer's message also sets `last_customer_ms` (never backwards: webhooks
// may arrive late), which opens the channel's messaging window; so the state
// exists, with the retention, for every conversation a customer wrote in.
// Without it the hash exists only once a change set mode.
//
// Without receipts, ARGV[6] is the customer's channel id (who replies go to
// when Outbound.Send names no recipient), stored as `customer_id` with
// last_customer_ms, and ARGV[9] the connector it came through (`connector`:
// where the bot's CSAT question goes).
//
// History: with exactly four keys, KEYS[4] is the conversation's history
// list (Conversations.History, history_entry.h): the event is appended to it
// too, capped at ARGV[7] entries and expiring ARGV[8] ms after its last
// event.
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
// Receipts (a provider's status webhook for a reply omnigate sent) add
//   KEYS[4] provider id -> reply id (written by the sender), KEYS[5] early
//   receipts of that provider id; ARGV[6] state (sent|delivered|read|failed),
//   ARGV[7] now ms, ARGV[8] status retention ms, ARGV[9] the reply status
//   key prefix of the partition ("omnigate:outstatus:{p}:"), ARGV[10] error
//   code, ARGV[11] error message.
// When the reply is known its id is stamped on the entry (field
// outbound_event_id, copied into Status.outbound_event_id by consumers) and
// its status record moves forward; otherwise the receipt waits as an early
// one for the sender to apply when it records the provider id (the
// provider's webhook raced its own send answer). The status key is built
// from the reply id read here, in the same hash tag as KEYS[4].
inline constexpr absl::string_view kEnqueueScriptBody = R"lua(
local prev = redis.call('GET', KEYS[1])
if prev then return {0, prev} end
local mode = redis.call('HGET', KEYS[3], 'mode')
local cycle = 0
local customer = tonumber(ARGV[5]) or 0
if customer > 0 then
  local t = redis.call('HMGET', KEYS[3], 'opened_ms', 'resolved_ms', 'csat_until_ms')
  local asking = t[3] and (tonumber(t[3]) or 0) > customer
  if not t[1] or (t[2] and not asking) then
    cycle = t[2] and 2 or 1
    redis.call('HDEL', KEYS[3], 'first_reply_ms', 'handoff_ms', 'assigned_ms',
               'first_agent_reply_ms', 'resolved_ms', 'resolved_by', 'resolved_agent',
               'csat_until_ms', 'csat_score')
    redis.call('HSET', KEYS[3], 'opened_ms', ARGV[5])
    if cycle == 2 then
      redis.call('HINCRBY', KEYS[3], 'reopened', 1)
      if mode == 'closed' then
        redis.call('HSET', KEYS[3], 'mode', 'bot', 'mode_changed_at_ms', ARGV[5])
        mode = 'bot'
      end
    end
  end
end
local fields = {'event', ARGV[3]}
if mode and mode ~= 'bot' then
  fields[#fields + 1] = 'mode'
  fields[#fields + 1] = mode
end
if #KEYS >= 5 then
  local rank = {queued = 0, sent = 1, delivered = 2, read = 3, failed = 3}
  local state = ARGV[6]
  local reply = redis.call('GET', KEYS[4])
  if reply then
    fields[#fields + 1] = 'outbound_event_id'
    fields[#fields + 1] = reply
    local skey = ARGV[9] .. reply
    local cur = redis.call('HGET', skey, 'state')
    if rank[state] and (not cur or not rank[cur] or rank[state] > rank[cur]) then
      redis.call('HSET', skey, 'state', state, 'updated_ms', ARGV[7])
      if state == 'failed' then
        redis.call('HSET', skey, 'error_code', ARGV[10], 'error_message', ARGV[11])
      end
      redis.call('PEXPIRE', skey, ARGV[8])
    end
  else
    local cur = redis.call('HGET', KEYS[5], 'state')
    if rank[state] and (not cur or not rank[cur] or rank[state] > rank[cur]) then
      redis.call('HSET', KEYS[5], 'state', state, 'error_code', ARGV[10],
                 'error_message', ARGV[11])
    end
    redis.call('PEXPIRE', KEYS[5], ARGV[8])
  end
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(fields))
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
if #KEYS == 4 then history_append(KEYS[4], ARGV[3], ARGV[7], ARGV[8]) end
if customer > 0 then
  local last = tonumber(redis.call('HGET', KEYS[3], 'last_customer_ms')) or 0
  if customer > last then
    redis.call('HSET', KEYS[3], 'last_customer_ms', ARGV[5])
    if #KEYS <= 4 and ARGV[6] and ARGV[6] ~= '' then
      redis.call('HSET', KEYS[3], 'customer_id', ARGV[6])
      if ARGV[9] and ARGV[9] ~= '' then redis.call('HSET', KEYS[3], 'connector', ARGV[9]) end
    end
  end
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
elseif mode then
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
return {1, id, cycle}
)lua";

// The whole script: history_append's definition, then the body.
inline const std::string& EnqueueScript() {
  static const std::string* script =
      new std::string(absl::StrCat(kHistoryAppendLua, kEnqueueScriptBody));
  return *script;
}

}  // namespace omnigate::queue
