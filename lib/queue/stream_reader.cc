#include "lib/queue/stream_reader.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/queue/keys.h"

namespace omnigate::queue {
namespace {

std::pair<uint64_t, uint64_t> SplitId(const std::string& id) {
  const size_t dash = id.find('-');
  uint64_t ms = 0, seq = 0;
  (void)absl::SimpleAtoi(id.substr(0, dash), &ms);
  if (dash != std::string::npos) (void)absl::SimpleAtoi(id.substr(dash + 1), &seq);
  return {ms, seq};
}

absl::Status Unexpected(absl::string_view what) {
  return absl::InternalError(absl::StrCat("redis: unexpected reply to ", what));
}

}  // namespace

bool EntryIdLess(const std::string& a, const std::string& b) { return SplitId(a) < SplitId(b); }

absl::StatusOr<std::vector<RawEntry>> StreamReader::LatestRaw(const std::string& key,
                                                              size_t count) {
  auto reply = run_({"XREVRANGE", key, "+", "-", "COUNT", absl::StrCat(count)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error())
    return absl::FailedPreconditionError(absl::StrCat("redis: ", reply->str()));
  std::vector<RawEntry> out;
  for (size_t i = 0; i < reply->size(); ++i) {
    const redisReply* entry = reply->element(i);
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) return Unexpected("XREVRANGE");
    RawEntry raw;
    raw.entry_id = std::string(redis::ElementStr(entry->element[0]));
    const redisReply* fields = entry->element[1];
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      raw.fields.emplace_back(redis::ElementStr(fields->element[f]),
                              redis::ElementStr(fields->element[f + 1]));
    }
    out.push_back(std::move(raw));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<StoredEvent>> StreamReader::Latest(uint32_t partitions,
                                                              int only_partition, size_t count) {
  return Latest(partitions, only_partition, count, [](uint32_t p) { return StreamKey(p); });
}

absl::StatusOr<std::vector<StoredEvent>> StreamReader::Latest(
    uint32_t partitions, int only_partition, size_t count,
    const std::function<std::string(uint32_t)>& key_of) {
  std::vector<StoredEvent> all;
  for (uint32_t p = 0; p < partitions; ++p) {
    if (only_partition >= 0 && static_cast<uint32_t>(only_partition) != p) continue;
    auto entries = LatestRaw(key_of(p), count);
    if (!entries.ok()) return entries.status();
    for (auto& entry : *entries) {
      StoredEvent stored;
      stored.partition = p;
      stored.entry_id = entry.entry_id;
      bool found = false;
      for (const auto& [field, value] : entry.fields) {
        if (field != kEventField) continue;
        if (!stored.event.ParseFromString(value)) {
          return absl::DataLossError(
              absl::StrCat(key_of(p), " ", entry.entry_id, ": not an omnigate.v1.Event"));
        }
        found = true;
      }
      if (!found) {
        return absl::DataLossError(
            absl::StrCat(key_of(p), " ", entry.entry_id, ": no 'event' field"));
      }
      all.push_back(std::move(stored));
    }
  }
  std::sort(all.begin(), all.end(), [](const StoredEvent& a, const StoredEvent& b) {
    return EntryIdLess(a.entry_id, b.entry_id);
  });
  if (all.size() > count) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(count));
  return all;
}

absl::StatusOr<int64_t> StreamReader::Length(const std::string& key) {
  auto reply = run_({"XLEN", key});
  if (!reply.ok()) return reply.status();
  if (!reply->is_integer()) return Unexpected("XLEN");
  return reply->integer();
}

absl::StatusOr<std::vector<int64_t>> StreamReader::Depths(uint32_t partitions) {
  std::vector<int64_t> out;
  for (uint32_t p = 0; p < partitions; ++p) {
    auto len = Length(StreamKey(p));
    if (!len.ok()) return len.status();
    out.push_back(*len);
  }
  return out;
}

}  // namespace omnigate::queue
