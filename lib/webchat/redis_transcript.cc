#include "lib/webchat/redis_transcript.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace omnigate::webchat {
namespace {

// KEYS: transcript stream, marker of this message id.
// ARGV: entry json, max_len, ttl seconds, notify channel, session name.
// The marker, the entry and the wake-up in one step: a retried append can
// never add a second entry, and no waiter misses one.
constexpr char kAppendScript[] = R"lua(
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return '' end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return id
)lua";

std::string SlotTag(const SessionRef& session) {
  return absl::StrCat("omnigate:webchat:{", session.connector, ":", session.visitor_id, "}");
}

absl::Status ErrorOf(const redis::RedisReply& reply, absl::string_view what) {
  return absl::UnavailableError(absl::StrCat("redis ", what, ": ", reply.str()));
}

}  // namespace

bool IsValidCursor(absl::string_view cursor) {
  if (cursor.empty() || cursor == "0") return true;
  const size_t dash = cursor.find('-');
  if (dash == absl::string_view::npos || dash == 0 || dash + 1 == cursor.size() ||
      cursor.size() > 41) {
    return false;
  }
  for (size_t i = 0; i < cursor.size(); ++i) {
    if (i != dash && !absl::ascii_isdigit(static_cast<unsigned char>(cursor[i]))) return false;
  }
  return true;
}

RedisTranscript::RedisTranscript(redis::RedisClient* redis, int64_t max_len, absl::Duration ttl)
    : redis_(redis),
      max_len_(max_len),
      ttl_seconds_(absl::ToInt64Seconds(ttl)),
      append_(kAppendScript) {}

std::string RedisTranscript::StreamKey(const SessionRef& session) {
  return absl::StrCat(SlotTag(session), ":transcript");
}

absl::StatusOr<std::string> RedisTranscript::Append(const SessionRef& session,
                                                    absl::string_view message_id,
                                                    absl::string_view json) {
  auto reply = redis_->Eval(
      append_, {StreamKey(session), absl::StrCat(SlotTag(session), ":seen:", message_id)},
      {std::string(json), absl::StrCat(max_len_), absl::StrCat(ttl_seconds_), kNotifyChannel,
       session.Name()});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return ErrorOf(*reply, "append");
  return std::string(reply->str());
}

absl::StatusOr<std::vector<TranscriptEntry>> RedisTranscript::ReadAfter(const SessionRef& session,
                                                                        absl::string_view cursor,
                                                                        size_t max) {
  const std::string start =
      cursor.empty() || cursor == "0" ? std::string("-") : absl::StrCat("(", cursor);
  auto reply = redis_->Run({"XRANGE", StreamKey(session), start, "+", "COUNT", absl::StrCat(max)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return ErrorOf(*reply, "read");
  std::vector<TranscriptEntry> entries;
  for (size_t i = 0; i < reply->size(); ++i) {
    const redisReply* item = reply->element(i);
    if (item == nullptr || item->elements != 2) continue;
    TranscriptEntry entry;
    entry.cursor = std::string(redis::ElementStr(item->element[0]));
    const redisReply* fields = item->element[1];
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      if (redis::ElementStr(fields->element[f]) == "m") {
        entry.json = std::string(redis::ElementStr(fields->element[f + 1]));
      }
    }
    if (!entry.json.empty()) entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace omnigate::webchat
