#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// A conversation's history (queue::HistoryKey) is a Redis list of entries
// "<seq>:<serialized omnigate.v1.Event>", oldest first, seq counting up by
// one per entry. A list, not a stream: a stream's first node reserves about
// 4 KB, which for the short conversations most are costs seven times the
// memory of a list (measured: 200 000 one-message conversations, 1 030 MB
// with streams against 265 MB with lists, 144 MB without history). The seq
// lets readers page by it although the cap trims the oldest entries.
namespace omnigate::queue {

inline std::string EncodeHistoryEntry(int64_t seq, absl::string_view event) {
  return absl::StrCat(seq, ":", event);
}

// False when `entry` does not start with "<seq>:".
inline bool ParseHistoryEntry(absl::string_view entry, int64_t* seq, absl::string_view* event) {
  const size_t colon = entry.find(':');
  if (colon == absl::string_view::npos || colon == 0 || colon > 19) return false;
  if (!absl::SimpleAtoi(entry.substr(0, colon), seq) || *seq <= 0) return false;
  *event = entry.substr(colon + 1);
  return true;
}

// Lua defining history_append(key, event, cap, retention_ms[, renew]):
// appends with the next seq, trims to `cap` entries (0: no history) and
// renews the expiry unless `renew` is false (the caller knows it was renewed
// recently). Prepended to every script that records history.
inline constexpr absl::string_view kHistoryAppendLua = R"lua(
local function history_append(key, event, cap, ttl, renew)
  if tonumber(cap) <= 0 then return end
  local last = redis.call('LINDEX', key, -1)
  local seq = 1
  if last then seq = (tonumber(string.match(last, '^(%d+):')) or 0) + 1 end
  local n = redis.call('RPUSH', key, string.format('%d', seq) .. ':' .. event)
  if n > tonumber(cap) then redis.call('LTRIM', key, n - tonumber(cap), -1) end
  if renew ~= false then redis.call('PEXPIRE', key, ttl) end
end
)lua";

}  // namespace omnigate::queue
