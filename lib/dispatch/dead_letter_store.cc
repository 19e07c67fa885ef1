#include "lib/dispatch/dead_letter_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/dispatch/scripts.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/queue/stream_reader.h"

namespace omnigate::dispatch {
namespace {

using omnigate::v1::DeadLetter;
using omnigate::v1::DeadLetterSelector;

constexpr uint32_t kDefaultLimit = 1000;

uint32_t LimitOf(const DeadLetterSelector& s) { return s.limit() == 0 ? kDefaultLimit : s.limit(); }

bool ParseEntry(const redisReply* entry, uint32_t partition, DeadLetter* out) {
  if (entry == nullptr || entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) return false;
  out->set_id(DeadLetterId(partition, std::string(redis::ElementStr(entry->element[0]))));
  out->set_partition(partition);
  const redisReply* fields = entry->element[1];
  if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY) return false;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    const absl::string_view f = redis::ElementStr(fields->element[i]);
    const absl::string_view v = redis::ElementStr(fields->element[i + 1]);
    int64_t n = 0;
    if (f == "event") {
      // Kept even when unparseable (a DATA_LOSS dead letter): the raw bytes
      // stay in Redis; the listing shows what could be read.
      out->mutable_event()->ParseFromArray(v.data(), static_cast<int>(v.size()));
    } else if (f == "sink") {
      out->set_sink(std::string(v));
    } else if (f == "code" && absl::SimpleAtoi(v, &n)) {
      out->set_last_code(static_cast<int32_t>(n));
    } else if (f == "message") {
      out->set_last_message(std::string(v));
    } else if (f == "attempts" && absl::SimpleAtoi(v, &n)) {
      out->set_attempts(static_cast<uint32_t>(n));
    } else if (f == "dead_at_ms" && absl::SimpleAtoi(v, &n)) {
      out->set_dead_at_ms(n);
    } else if (f == "source_entry_id") {
      out->set_source_entry_id(std::string(v));
    }
  }
  return true;
}

}  // namespace

std::string DeadLetterId(uint32_t partition, const std::string& entry_id) {
  return absl::StrCat(partition, "/", entry_id);
}

absl::Status ParseDeadLetterId(const std::string& id, uint32_t partitions, uint32_t* partition,
                               std::string* entry_id) {
  const size_t slash = id.find('/');
  uint32_t p = 0;
  if (slash == std::string::npos || !absl::SimpleAtoi(id.substr(0, slash), &p) || p >= partitions ||
      slash + 1 >= id.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dead letter id '", id, "': expected <partition>/<entry id>"));
  }
  *partition = p;
  *entry_id = id.substr(slash + 1);
  return absl::OkStatus();
}

DeadLetterStore::DeadLetterStore(uint32_t partitions, int64_t stream_max_len,
                                 redis::RedisClient* redis, const queue::ConsumerKeys* keys)
    : partitions_(partitions),
      stream_max_len_(stream_max_len),
      keys_(keys),
      redis_(redis),
      replay_script_(kReplayScript) {}

absl::StatusOr<std::vector<DeadLetter>> DeadLetterStore::List(const DeadLetterSelector& selector) {
  const uint32_t limit = LimitOf(selector);
  std::vector<DeadLetter> out;
  // Ranges over each partition's dead-letter stream.
  struct Range {
    uint32_t partition;
    std::string start, end;
  };
  std::vector<Range> ranges;
  if (selector.ids_size() > 0) {
    for (const std::string& id : selector.ids()) {
      Range r;
      if (auto s = ParseDeadLetterId(id, partitions_, &r.partition, &r.start); !s.ok()) return s;
      r.end = r.start;
      ranges.push_back(std::move(r));
    }
  } else {
    const std::string start = selector.from_ms() > 0 ? absl::StrCat(selector.from_ms(), "-0") : "-";
    const std::string end =
        selector.to_ms() > 0 ? absl::StrCat(selector.to_ms() - 1, "-18446744073709551615") : "+";
    if (!selector.conversation_key().empty()) {
      ranges.push_back({queue::PartitionOf(selector.conversation_key(), partitions_), start, end});
    } else {
      for (uint32_t p = 0; p < partitions_; ++p) ranges.push_back({p, start, end});
    }
  }
  // One round trip (split by node on a cluster).
  std::vector<redis::RedisCommand> commands;
  for (const Range& r : ranges) {
    commands.push_back(
        {"XRANGE", keys_->dead_letter(r.partition), r.start, r.end, "COUNT", absl::StrCat(limit)});
  }
  auto replies = redis_->RunPipeline(commands);
  if (!replies.ok()) return replies.status();
  for (size_t k = 0; k < ranges.size(); ++k) {
    const redis::RedisReply& reply = (*replies)[k];
    if (reply.is_error()) return absl::InvalidArgumentError(absl::StrCat("XRANGE: ", reply.str()));
    for (size_t i = 0; i < reply.size(); ++i) {
      DeadLetter dl;
      if (!ParseEntry(reply.element(i), ranges[k].partition, &dl)) continue;
      if (!selector.sink().empty() && dl.sink() != selector.sink()) continue;
      if (!selector.conversation_key().empty() &&
          dl.event().conversation_key() != selector.conversation_key()) {
        continue;
      }
      out.push_back(std::move(dl));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const DeadLetter& a, const DeadLetter& b) {
    return a.dead_at_ms() < b.dead_at_ms();
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

absl::StatusOr<uint32_t> DeadLetterStore::ForEachSelected(const DeadLetterSelector& selector,
                                                          const EntryAction& action) {
  auto selected = List(selector);
  if (!selected.ok()) return selected.status();
  uint32_t count = 0;
  for (const DeadLetter& dl : *selected) {
    uint32_t p = 0;
    std::string entry;
    if (auto s = ParseDeadLetterId(dl.id(), partitions_, &p, &entry); !s.ok()) return s;
    auto done = action(p, entry);
    if (!done.ok())
      return absl::Status(done.status().code(),
                          absl::StrCat(dl.id(), ": ", done.status().message()));
    if (*done) ++count;
  }
  return count;
}

absl::StatusOr<uint32_t> DeadLetterStore::Replay(const DeadLetterSelector& selector) {
  return ForEachSelected(
      selector, [this](uint32_t p, const std::string& entry) -> absl::StatusOr<bool> {
        auto reply = redis_->Eval(replay_script_, {keys_->dead_letter(p), keys_->stream(p)},
                                  {entry, absl::StrCat(stream_max_len_)});
        if (!reply.ok()) return reply.status();
        if (reply->is_error()) return absl::InternalError(absl::StrCat("replay: ", reply->str()));
        return reply->is_string();  // nil: already gone
      });
}

absl::StatusOr<uint32_t> DeadLetterStore::Drop(const DeadLetterSelector& selector) {
  return ForEachSelected(selector,
                         [this](uint32_t p, const std::string& entry) -> absl::StatusOr<bool> {
                           auto reply = redis_->Run({"XDEL", keys_->dead_letter(p), entry});
                           if (!reply.ok()) return reply.status();
                           return reply->integer() == 1;
                         });
}

}  // namespace omnigate::dispatch
