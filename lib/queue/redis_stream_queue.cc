#include "lib/queue/redis_stream_queue.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
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
                absl::StatusOr<redis::RedisPipelineWriter::Replies> replies) {
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

RedisStreamQueue::RedisStreamQueue(RedisStreamQueueOptions options,
                                   redis::RedisPipelineWriter* writer)
    : options_(options),
      writer_(writer),
      script_sha_(redis::RedisPipelineWriter::ScriptSha(EnqueueScript())),
      ttl_arg_(absl::StrCat(options.dedupe_ttl_seconds)),
      max_len_arg_(absl::StrCat(options.stream_max_len)),
      retention_arg_(absl::StrCat(absl::ToInt64Milliseconds(options.conversation_retention))),
      status_retention_arg_(absl::StrCat(absl::ToInt64Milliseconds(options.status_retention))),
      history_max_len_arg_(absl::StrCat(options.history_max_len)),
      history_retention_arg_(absl::StrCat(absl::ToInt64Milliseconds(options.history_retention))) {}

void RedisStreamQueue::AddScripts(redis::PipelineWriterOptions* options) {
  options->scripts.emplace_back(EnqueueScript());
}

void RedisStreamQueue::Enqueue(std::vector<EventToStore> events, EnqueueCallback done) {
  if (events.empty()) {
    done(std::vector<EnqueueOutcome>{});
    return;
  }
  const size_t lanes = static_cast<size_t>(writer_->lanes());
  std::vector<std::vector<redis::RedisCommand>> commands(lanes);
  std::vector<std::vector<size_t>> indexes(lanes);
  for (size_t i = 0; i < events.size(); ++i) {
    EventToStore& e = events[i];
    const size_t lane = e.partition % lanes;
    if (!e.receipt.has_value() && e.history && options_.history_max_len > 0) {
      commands[lane].push_back(
          {"EVALSHA", script_sha_, "4", DedupeKey(e.partition, e.idempotency_key),
           StreamKey(e.partition), ConversationStateKey(e.partition, e.conversation_key),
           HistoryKey(e.partition, e.conversation_key), ttl_arg_, max_len_arg_,
           std::move(e.payload), retention_arg_, absl::StrCat(e.customer_message_ms),
           std::move(e.customer_id), history_max_len_arg_, history_retention_arg_,
           std::move(e.connector)});
    } else if (!e.receipt.has_value()) {
      commands[lane].push_back(
          {"EVALSHA", script_sha_, "3", DedupeKey(e.partition, e.idempotency_key),
           StreamKey(e.partition), ConversationStateKey(e.partition, e.conversation_key), ttl_arg_,
           max_len_arg_, std::move(e.payload), retention_arg_, absl::StrCat(e.customer_message_ms),
           std::move(e.customer_id), "0", "0", std::move(e.connector)});
    } else {
      const EventToStore::Receipt& r = *e.receipt;
      commands[lane].push_back(
          {"EVALSHA", script_sha_, "5", DedupeKey(e.partition, e.idempotency_key),
           StreamKey(e.partition), ConversationStateKey(e.partition, e.conversation_key),
           ProviderMessageKey(e.partition, r.connector, r.provider_message_id),
           EarlyReceiptKey(e.partition, r.connector, r.provider_message_id), ttl_arg_, max_len_arg_,
           std::move(e.payload), retention_arg_, absl::StrCat(e.customer_message_ms), r.state,
           absl::StrCat(absl::ToUnixMillis(absl::Now())), status_retention_arg_,
           OutboundStatusKey(e.partition, ""), r.error_code, r.error_message.substr(0, 512)});
    }
    indexes[lane].push_back(i);
  }
  size_t parts = 0;
  for (const auto& c : commands) parts += c.empty() ? 0 : 1;
  auto join = std::make_shared<EnqueueJoin>(events.size(), parts, std::move(done));
  for (size_t lane = 0; lane < lanes; ++lane) {
    if (commands[lane].empty()) continue;
    writer_->Submit(lane, std::move(commands[lane]),
                    [join, idx = std::move(indexes[lane])](
                        absl::StatusOr<redis::RedisPipelineWriter::Replies> r) {
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
  writer_->Submit(0, std::move(commands), [done = std::move(done)](auto replies) {
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
