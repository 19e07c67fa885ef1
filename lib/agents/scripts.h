#pragma once

// Lua scripts of the agent router. Each runs atomically in Redis, so any
// number of replicas may call them concurrently: a conversation is held by at
// most one agent and no agent goes over capacity. Every key they touch is
// passed in KEYS and shares the "{agents}" hash tag (Cluster-safe).
namespace omnigate::agents::scripts {

// Assigns a conversation, or queues it.
// KEYS: 1 assign:<conv>, 2 last:<conv>, 3 queue, 4 queued:<conv>,
//       5 pending_notify, 6 freed, 7.. agent:<candidate> (same order as
//       ARGV 10..).
// ARGV: 1 conv, 2 now_ms, 3 queue score, 4 priority, 5 skill, 6 language,
//       7 "1" to queue when nobody can take it ("0": leave it), 8 retention
//       ms, 9 fence: the freed counter the caller's queue walk started from
//       ("" = none), 10.. candidate ids.
// Returns {outcome, agent_id, pending_notify(0|1), enqueued_ms}; outcome is
// assigned | sticky | already_assigned | queued (just now) | still_queued
// (kept its place: FIFO by first enqueue) | unassigned | stale (the fence
// no longer matches: room freed since the walk passed over earlier entries,
// so it must start again from the head).
// last:<conv> and queued:<conv> expire after the retention; every call for
// the conversation is activity and renews them. assign:<conv> never expires:
// it holds a unit of its agent's load, which only a release may give back.
// A queue member whose details expired saw no activity for the retention:
// the drain ("0") drops it, a new request queues it again at the back.
inline constexpr char kAssign[] = R"lua(
local conv = ARGV[1]
local keep = ARGV[8]
local cur = redis.call('GET', KEYS[1])
if cur then
  redis.call('ZREM', KEYS[3], conv)
  redis.call('DEL', KEYS[4])
  redis.call('PEXPIRE', KEYS[2], keep)
  return {'already_assigned', cur, redis.call('SISMEMBER', KEYS[5], conv), 0}
end
local waiting = redis.call('ZSCORE', KEYS[3], conv)
if waiting and ARGV[7] ~= '1' and redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('ZREM', KEYS[3], conv)
  return {'unassigned', '', 0, 0}
end
if ARGV[9] ~= '' and (redis.call('GET', KEYS[6]) or '0') ~= ARGV[9] then
  return {'stale', '', 0, 0}
end
local function room(key)
  local h = redis.call('HMGET', key, 'presence', 'capacity', 'load', 'last_assigned_ms')
  if h[1] ~= 'online' then return nil end
  local load = tonumber(h[3]) or 0
  if load >= (tonumber(h[2]) or 0) then return nil end
  return load, tonumber(h[4]) or 0
end
local n = #KEYS - 6
local chosen, outcome
local sticky = redis.call('GET', KEYS[2])
if sticky then
  for i = 1, n do
    if ARGV[9 + i] == sticky then
      if room(KEYS[6 + i]) then chosen = i; outcome = 'sticky' end
      break
    end
  end
end
if not chosen then
  local best_load, best_idle
  for i = 1, n do
    local load, last = room(KEYS[6 + i])
    if load and (not chosen or load < best_load or (load == best_load and last < best_idle)) then
      chosen = i; best_load = load; best_idle = last
    end
  end
  outcome = 'assigned'
end
local enqueued = tonumber(redis.call('HGET', KEYS[4], 'enqueued_ms')) or 0
if chosen then
  local agent = ARGV[9 + chosen]
  redis.call('HINCRBY', KEYS[6 + chosen], 'load', 1)
  redis.call('HINCRBY', KEYS[6 + chosen], 'handled', 1)
  redis.call('HSET', KEYS[6 + chosen], 'last_assigned_ms', ARGV[2])
  redis.call('SET', KEYS[1], agent)
  redis.call('SET', KEYS[2], agent, 'PX', keep)
  redis.call('ZREM', KEYS[3], conv)
  redis.call('DEL', KEYS[4])
  redis.call('SADD', KEYS[5], conv)
  return {outcome, agent, 1, enqueued}
end
if ARGV[7] ~= '1' then return {'unassigned', '', 0, enqueued} end
redis.call('PEXPIRE', KEYS[2], keep)
if waiting and redis.call('PEXPIRE', KEYS[4], keep) == 1 then
  return {'still_queued', '', 0, enqueued}
end
redis.call('ZADD', KEYS[3], ARGV[3], conv)
redis.call('HSET', KEYS[4], 'skill', ARGV[5], 'language', ARGV[6], 'priority', ARGV[4],
           'enqueued_ms', ARGV[2])
redis.call('PEXPIRE', KEYS[4], keep)
return {'queued', '', 0, tonumber(ARGV[2])}
)lua";

// Drops a waiting conversation whose details expired from the queue.
// KEYS: 1 queue, 2 queued:<conv>. ARGV: 1 conv. Returns 1 when dropped.
inline constexpr char kPruneQueued[] = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])
)lua";

// Frees a conversation's agent (resolution, or the conversation left agent
// mode). Only the DEL of the assignment decrements load, so a repeat is a
// no-op: never a double free. Also drops it from the queue.
// KEYS: 1 assign:<conv>, 2 queue, 3 queued:<conv>, 4 agent:<expected>,
//       5 pending_notify, 6 freed.
// ARGV: 1 conv, 2 expected agent id ("" = whoever holds it), 3 the holder
//       read just before (KEYS[4] is its key), 4 "1" when the conversation
//       was resolved (counted on the agent as resolved).
// Returns {outcome, agent_id}: released | not_assigned | wrong_agent |
// changed (the holder moved since it was read: read again and retry).
inline constexpr char kRelease[] = R"lua(
local conv = ARGV[1]
redis.call('ZREM', KEYS[2], conv)
redis.call('DEL', KEYS[3])
local cur = redis.call('GET', KEYS[1])
if not cur then return {'not_assigned', ''} end
if ARGV[2] ~= '' and cur ~= ARGV[2] then return {'wrong_agent', cur} end
if cur ~= ARGV[3] then return {'changed', cur} end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[5], conv)
local load = tonumber(redis.call('HGET', KEYS[4], 'load')) or 0
if load > 0 then redis.call('HINCRBY', KEYS[4], 'load', -1) end
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('HINCRBY', KEYS[4], 'resolved', 1)
end
redis.call('INCR', KEYS[6])
return {'released', cur}
)lua";

// Moves a conversation from its current agent to another one that is
// online and under capacity.
// KEYS: 1 assign:<conv>, 2 last:<conv>, 3 agent:<from>, 4 agent:<to>,
//       5 freed.
// ARGV: 1 from id (the holder read just before), 2 to id, 3 now_ms,
//       4 retention ms of last:<conv>.
// Returns {outcome, holder}: transferred | already | not_assigned |
// wrong_agent (holder changed meanwhile) | target_unavailable.
inline constexpr char kTransfer[] = R"lua(
local cur = redis.call('GET', KEYS[1])
if not cur then return {'not_assigned', ''} end
if cur == ARGV[2] then return {'already', cur} end
if cur ~= ARGV[1] then return {'wrong_agent', cur} end
local h = redis.call('HMGET', KEYS[4], 'presence', 'capacity', 'load')
if h[1] ~= 'online' or (tonumber(h[3]) or 0) >= (tonumber(h[2]) or 0) then
  return {'target_unavailable', cur}
end
local load = tonumber(redis.call('HGET', KEYS[3], 'load')) or 0
if load > 0 then redis.call('HINCRBY', KEYS[3], 'load', -1) end
redis.call('HINCRBY', KEYS[4], 'load', 1)
redis.call('HINCRBY', KEYS[4], 'handled', 1)
redis.call('HSET', KEYS[4], 'last_assigned_ms', ARGV[3])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
redis.call('INCR', KEYS[5])
return {'transferred', cur}
)lua";

// Creates or updates an agent; never touches load. Presence "" keeps the
// current one (online when new); ARGV[7] "1" sets presence only when new
// (the agents file seeds, live changes win).
// KEYS: 1 agent:<id>, 2 ids, 3 freed.
// ARGV: 1 id, 2 name, 3 skills, 4 languages, 5 capacity, 6 presence,
//       7 presence_only_if_new.
inline constexpr char kUpsert[] = R"lua(
local existed = redis.call('EXISTS', KEYS[1]) == 1
redis.call('INCR', KEYS[3])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'skills', ARGV[3], 'languages', ARGV[4],
           'capacity', ARGV[5])
redis.call('HSETNX', KEYS[1], 'load', 0)
redis.call('HSETNX', KEYS[1], 'last_assigned_ms', 0)
if ARGV[6] == '' or (existed and ARGV[7] == '1') then
  redis.call('HSETNX', KEYS[1], 'presence', 'online')
else
  redis.call('HSET', KEYS[1], 'presence', ARGV[6])
end
return existed and 1 or 0
)lua";

// Sets an agent's presence only when the agent exists (an unknown id must
// not create a stub). KEYS: 1 agent:<id>, 2 freed. ARGV: 1 presence.
// Returns 1 or 0.
inline constexpr char kSetPresence[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'presence', ARGV[1])
if ARGV[1] == 'online' then redis.call('INCR', KEYS[2]) end
return 1
)lua";

// Credits a CSAT rating to an agent once. KEYS: 1 agent:<id>, 2 rated marker.
// ARGV: 1 score, 2 marker ttl seconds. Returns 1 credited, 0 already or no
// such agent.
inline constexpr char kCreditRating[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'rating_count', 1)
redis.call('HINCRBY', KEYS[1], 'rating_sum', ARGV[1])
return 1
)lua";

}  // namespace omnigate::agents::scripts
