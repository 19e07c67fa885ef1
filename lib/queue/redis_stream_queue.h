#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "lib/queue/event_queue.h"
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

// EventQueue on Redis Streams. Events are grouped by writer lane (partition
// modulo lanes) so one partition always uses one connection and keeps its
// order; each lane's share is pipelined together with other callers' writes
// (group commit). Thread-safe.
class RedisStreamQueue final : public EventQueue {
 public:
  // `writer` must be started, outlive this queue and have EnqueueScript() in
  // its scripts (see MakeWriterOptions).
  RedisStreamQueue(RedisStreamQueueOptions options, redis::RedisPipelineWriter* writer);

  // Adds the queue's scripts to writer options.
  static void AddScripts(redis::PipelineWriterOptions* options);

  void Enqueue(std::vector<EventToStore> events, EnqueueCallback done) override;
  void Quarantine(QuarantineRecord record, StatusCallback done) override;
  bool healthy() const override { return writer_->healthy(); }

 private:
  const RedisStreamQueueOptions options_;
  redis::RedisPipelineWriter* const writer_;
  const std::string script_sha_;
  const std::string ttl_arg_;
  const std::string max_len_arg_;
  const std::string retention_arg_;
  const std::string status_retention_arg_;
  const std::string history_max_len_arg_;
  const std::string history_retention_arg_;
};

}  // namespace omnigate::queue
