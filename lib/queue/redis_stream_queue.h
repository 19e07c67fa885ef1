#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "lib/queue/enqueue_call.h"
#include "lib/queue/event_queue.h"
#include "lib/redis/group_commit_writer.h"
#include "lib/redis/pipeline_writer.h"

namespace omnigate::queue {

struct RedisStreamQueueOptions {
  // How long an idempotency key suppresses redeliveries.
  int64_t dedupe_ttl_seconds = 24 * 3600;
  // Approximate cap of each partition stream (XADD MAXLEN ~). Ingest sheds
  // load well before it; the cap is the last guard for Redis memory.
  int64_t stream_max_len = 1000000;
  int64_t quarantine_max_len = 100000;
  // An inbound message renews its conversation's state for this long.
  absl::Duration conversation_retention = absl::Hours(30 * 24);
  // How long receipts and reply status records are kept (sender.status_retention).
  absl::Duration status_retention = absl::Hours(72);
  // Conversation history (cx.history_*): cap in entries (0: no history) and
  // how long it outlives its last event.
  int64_t history_max_len = 2000;
  absl::Duration history_retention = absl::Hours(90 * 24);
};

// EventQueue on Redis Streams, one Redis or a cluster. Events are submitted
// per partition on lane partition modulo lanes, so one partition always uses
// one connection and keeps its order; they are pipelined together with other
// callers' writes (group commit) and a flush's events of one partition run
// as one script call (EnqueueFolder). Thread-safe.
class RedisStreamQueue final : public EventQueue {
 public:
  // `writer` must be started, outlive this queue and have been built with
  // options passed through AddScripts.
  RedisStreamQueue(RedisStreamQueueOptions options, redis::GroupCommitWriter* writer);

  // Adds the queue's script and its folder (one script call per partition
  // and flush) to writer options.
  static void AddScripts(redis::PipelineWriterOptions* options);

  void Enqueue(std::vector<EventToStore> events, EnqueueCallback done) override;
  void Quarantine(QuarantineRecord record, StatusCallback done) override;
  bool healthy() const override { return writer_->healthy(); }

 private:
  const RedisStreamQueueOptions options_;
  redis::GroupCommitWriter* const writer_;
  const EnqueueCallBuilder calls_;
};

}  // namespace omnigate::queue
