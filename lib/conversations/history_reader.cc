#include "lib/conversations/history_reader.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/queue/history_entry.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"

namespace omnigate::conversations {
namespace {

constexpr size_t kMaxKeyBytes = 512;

// KEYS[1] history list. ARGV[1] the seq after which to read ('' from the
// oldest), ARGV[2] how many. Returns {seq of the first entry returned (0
// when the list is empty), entries...}. Seqs are contiguous, so the one
// after `after` sits at index after - first seq + 1.
constexpr char kPageScript[] = R"lua(
local first = redis.call('LINDEX', KEYS[1], 0)
if not first then return {0} end
local s0 = tonumber(string.match(first, '^(%d+):')) or 1
local start = 0
if ARGV[1] ~= '' then start = math.max(0, tonumber(ARGV[1]) - s0 + 1) end
local out = {s0 + start}
for _, e in ipairs(redis.call('LRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)) do
  out[#out + 1] = e
end
return out
)lua";

// A page token is the seq of the last entry a page read (decimal, at most
// 12 digits: Lua prints numbers with 14 significant digits, and no
// conversation reaches 10^12 events). Checked here so a bad one is the
// caller's INVALID_ARGUMENT, not a script error.
absl::Status CheckPageToken(const std::string& token) {
  int64_t seq = 0;
  if (token.size() > 12 ||
      !std::all_of(token.begin(), token.end(), [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(token, &seq)) {
    return absl::InvalidArgumentError(
        "page_token is not a token from a previous History response (expected the "
        "next_page_token it returned, e.g. 50)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckConversationKey(const std::string& conversation_key) {
  if (conversation_key.empty()) return absl::InvalidArgumentError("conversation_key is required");
  if (conversation_key.size() > kMaxKeyBytes)
    return absl::InvalidArgumentError("conversation_key is longer than 512 bytes");
  return absl::OkStatus();
}

HistoryReader::HistoryReader(redis::RedisClient* redis, uint32_t partitions)
    : redis_(redis), partitions_(partitions), page_script_(kPageScript) {}

std::string HistoryReader::KeyOf(const std::string& conversation_key) const {
  return queue::HistoryKey(queue::PartitionOf(conversation_key, partitions_), conversation_key);
}

absl::StatusOr<HistoryPage> HistoryReader::Page(const std::string& conversation_key, int page_size,
                                                const std::string& page_token) const {
  if (auto s = CheckConversationKey(conversation_key); !s.ok()) return s;
  if (page_size < 0) return absl::InvalidArgumentError("page_size must not be negative");
  const int size = page_size == 0 ? kDefaultPageSize : std::min(page_size, kMaxPageSize);
  if (!page_token.empty()) {
    if (auto s = CheckPageToken(page_token); !s.ok()) return s;
  }
  // One entry more than asked tells whether another page follows.
  auto reply =
      redis_->Eval(page_script_, {KeyOf(conversation_key)}, {page_token, absl::StrCat(size + 1)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error() || !reply->is_array() || reply->size() < 1) {
    return absl::InternalError(absl::StrCat("reading conversation history: ",
                                            reply->is_error() ? reply->str() : "bad reply"));
  }
  const int64_t first_seq = reply->element(0)->integer;
  const size_t entries = reply->size() - 1;
  HistoryPage page;
  const size_t shown = std::min(entries, static_cast<size_t>(size));
  page.events.reserve(shown);
  for (size_t i = 0; i < shown; ++i) {
    omnigate::v1::Event event;
    if (Decode(redis::ElementStr(reply->element(i + 1)), first_seq + static_cast<int64_t>(i),
               &event)) {
      page.events.push_back(std::move(event));
    } else {
      ++page.skipped;
    }
  }
  if (entries > shown) page.next_page_token = absl::StrCat(first_seq + shown - 1);
  return page;
}

absl::StatusOr<std::vector<omnigate::v1::Event>> HistoryReader::Latest(
    const std::string& conversation_key, int n) const {
  if (auto s = CheckConversationKey(conversation_key); !s.ok()) return s;
  std::vector<omnigate::v1::Event> events;
  if (n <= 0) return events;
  auto reply = redis_->Run(
      {"LRANGE", KeyOf(conversation_key), absl::StrCat(-std::min(n, kMaxPageSize)), "-1"});
  if (!reply.ok()) return reply.status();
  if (reply->is_error() || !reply->is_array()) {
    return absl::InternalError(absl::StrCat("reading conversation history: ",
                                            reply->is_error() ? reply->str() : "bad reply"));
  }
  events.reserve(reply->size());
  for (size_t i = 0; i < reply->size(); ++i) {
    omnigate::v1::Event event;
    if (Decode(redis::ElementStr(reply->element(i)), -1, &event))
      events.push_back(std::move(event));
  }
  return events;
}

bool HistoryReader::Decode(absl::string_view entry, int64_t position,
                           omnigate::v1::Event* out) const {
  int64_t seq = 0;
  absl::string_view event;
  if (queue::ParseHistoryEntry(entry, &seq, &event) && !event.empty() &&
      out->ParseFromString(std::string(event))) {
    return true;
  }
  skipped_entries_.fetch_add(1, std::memory_order_relaxed);
  // The position locates it; the key is left out of logs (it names a customer).
  OG_LOG(WARNING) << "conversation history entry " << position
                  << " holds no parseable event; skipped";
  return false;
}

}  // namespace omnigate::conversations
