#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::conversations {

// One page of a conversation's history, oldest first.
struct HistoryPage {
  std::vector<omnigate::v1::Event> events;
  // The seq of the last entry read (skipped entries included, so a page
  // never loops on a bad entry); empty when nothing follows this page.
  std::string next_page_token;
  // Entries of this page whose event did not parse (left out of `events`).
  int skipped = 0;
};

// Reads a conversation's history list (queue::HistoryKey, entries as in
// queue/history_entry.h), which the scripts recording each message, reply,
// lifecycle change and rating append to. Read-only; a missing list (never
// written, or expired) is an empty history. An entry without a parseable
// event is skipped, logged and counted instead of failing the read: one bad
// entry must not hide a whole conversation. Pages follow the entries' seq,
// so trimming the oldest entries between two pages skips nothing newer.
// Thread-safe when `redis` is.
class HistoryReader {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 500;

  HistoryReader(redis::RedisClient* redis, uint32_t partitions);

  // The `page_size` events after `page_token` (empty: from the oldest).
  // page_size 0 means kDefaultPageSize; above kMaxPageSize it is capped.
  // INVALID_ARGUMENT for a bad key, a negative size or a token that is not
  // a seq from a previous page; UNAVAILABLE when Redis cannot be reached.
  absl::StatusOr<HistoryPage> Page(const std::string& conversation_key, int page_size,
                                   const std::string& page_token) const;

  // The newest `n` events (at most kMaxPageSize), oldest first.
  absl::StatusOr<std::vector<omnigate::v1::Event>> Latest(const std::string& conversation_key,
                                                          int n) const;

  // Entries skipped because their event did not parse, since start.
  int64_t skipped_entries() const { return skipped_entries_.load(std::memory_order_relaxed); }

 private:
  // The entry's event, or false (logged and counted) when it has none.
  bool Decode(absl::string_view entry, int64_t position, omnigate::v1::Event* out) const;
  std::string KeyOf(const std::string& conversation_key) const;

  redis::RedisClient* const redis_;
  const uint32_t partitions_;
  const redis::RedisScript page_script_;
  mutable std::atomic<int64_t> skipped_entries_{0};
};

// The conversation key rules every Conversations RPC applies: required, at
// most 512 bytes.
absl::Status CheckConversationKey(const std::string& conversation_key);

}  // namespace omnigate::conversations
