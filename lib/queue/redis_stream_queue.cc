#include "lib/queue/redis_stream_queue.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/queue/enqueue_folder.h"
#include "lib/queue/enqueue_script.h"
#include "lib/queue/keys.h"

namespace omnigate::queue {
namespace {

// Joins the lanes' partial results of one Enqueue into one answer.
class EnqueueJoin {
 public:
  EnqueueJoin(size_t events, size_t parts, EnqueueCallback done)
      : outcomes_(events), remaining_(parts), done_(std::move(done)) {}

  void Complete(const std::vector<size_t>& indexes,
                absl::StatusOr<redis::GroupCommitWriter::Replies> replies) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!replies.ok()) {
        if (status_.ok()) status_ = replies.status();
      } else {
        for (size_t i = 0; i < indexes.size() && status_.ok(); ++i) {
          const redis::RedisReply& r = (*replies)[i];
          // A well-formed answer is the array {flag, entry id}.
          if (r.is_error() || !r.is_array() || r.size() < 2) {
            status_ = absl::UnavailableError(absl::StrCat(
                "redis enqueue failed: ", r.is_error() ? r.str() : "unexpected reply"));
            break;
          }
          EnqueueOutcome& out = outcomes_[indexes[i]];
          out.duplicate = r.element(0)->integer == 0;
          out.stream_entry_id = std::string(redis::ElementStr(r.element(1)));
          if (r.size() >= 3 && r.element(2)->integer > 0) {
            out.cycle = r.element(2)->integer == 2 ? EnqueueOutcome::Cycle::kReopened
                                                   : EnqueueOutcome::Cycle::kOpened;
          }
        }
      }
      if (--remaining_ > 0) return;
    }
    // Last part: every lane answered.
    if (status_.ok()) {
      done_(std::move(outcomes_));
    } else {
      done_(status_);
    }
  }

 private:
  std::mutex mu_;
  std::vector<EnqueueOutcome> outcomes_;
  size_t remaining_;
  absl::Status status_;
  EnqueueCallback done_;
};

}  // namespace

namespace {

EnqueueSettings SettingsOf(const RedisStreamQueueOptions& o) {
  EnqueueSettings s;
  s.dedupe_ttl_seconds = o.dedupe_ttl_seconds;
  s.stream_max_len = o.stream_max_len;
  s.conversation_retention = o.conversation_retention;
  s.status_retention = o.status_retention;
  s.history_max_len = o.history_max_len;
  s.history_retention = o.history_retention;
  return s;
}

const std::string& ScriptSha() {
  static const std::string* sha =
      new std::string(redis::RedisPipelineWriter::ScriptSha(EnqueueScript()));
  return *sha;
}

}  // namespace

RedisStreamQueue::RedisStreamQueue(RedisStreamQueueOptions options,
                                   redis::GroupCommitWriter* writer)
    : options_(options), writer_(writer), calls_(SettingsOf(options)) {}

void RedisStreamQueue::AddScripts(redis::PipelineWriterOptions* options) {
  static const EnqueueFolder* folder = new EnqueueFolder(ScriptSha());
  options->scripts.emplace_back(EnqueueScript());
  options->folder = folder;
}

void RedisStreamQueue::Enqueue(std::vector<EventToStore> events, EnqueueCallback done) {
  if (events.empty()) {
    done(std::vector<EnqueueOutcome>{});
    return;
  }
  // One submission per partition: on a cluster each goes to the master
  // serving that partition's slot. The lane keeps a partition on one
  // connection, so its order holds.
  const size_t lanes = static_cast<size_t>(writer_->lanes());
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  std::map<uint32_t, std::pair<std::vector<redis::RedisCommand>, std::vector<size_t>>> parts;
  for (size_t i = 0; i < events.size(); ++i) {
    auto& [commands, indexes] = parts[events[i].partition];
    commands.push_back(calls_.Command(ScriptSha(), std::move(events[i]), now_ms));
    indexes.push_back(i);
  }
  auto join = std::make_shared<EnqueueJoin>(events.size(), parts.size(), std::move(done));
  for (auto& [partition, part] : parts) {
    writer_->Submit(
        StreamKey(partition), partition % lanes, std::move(part.first),
        [join, idx = std::move(part.second)](absl::StatusOr<redis::GroupCommitWriter::Replies> r) {
          join->Complete(idx, std::move(r));
        });
  }
}

void RedisStreamQueue::Quarantine(QuarantineRecord record, StatusCallback done) {
  redis::RedisCommand cmd = {"XADD",
                             std::string(kQuarantineKey),
                             "MAXLEN",
                             "~",
                             absl::StrCat(options_.quarantine_max_len),
                             "*",
                             "connector",
                             std::move(record.connector),
                             "reason",
                             std::move(record.reason),
                             "detail",
                             std::move(record.detail),
                             "received_at_ms",
                             absl::StrCat(record.received_at_ms),
                             "headers",
                             std::move(record.headers),
                             "query",
                             std::move(record.query),
                             "body",
                             std::move(record.body)};
  std::vector<redis::RedisCommand> commands;
  commands.push_back(std::move(cmd));
  writer_->Submit(kQuarantineKey, 0, std::move(commands), [done = std::move(done)](auto replies) {
    if (!replies.ok()) {
      done(replies.status());
    } else if ((*replies)[0].is_error()) {
      done(absl::UnavailableError(absl::StrCat("redis quarantine failed: ", (*replies)[0].str())));
    } else {
      done(absl::OkStatus());
    }
  });
}

}  // namespace omnigate::queue
