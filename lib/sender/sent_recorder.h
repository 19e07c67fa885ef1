#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/redis/group_commit_writer.h"
#include "lib/redis/pipeline_writer.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::sender {

// Records replies the provider accepted, as OutboundStatusStore::RecordSent
// does (status record, provider id -> reply map, receipts that came early,
// response times, the id index) and with the same script, but without a
// round trip of its own: the records go through a group-commit writer, so
// the replies answered while one flush was in Redis share the next round
// trip, and with SentRecordFolder (AddScripts) those of one partition share
// one script call. The caller learns the outcome by callback, on the
// writer's thread. Thread-safe.
class SentRecorder {
 public:
  using Done = std::function<void(absl::StatusOr<conversations::SentRecord>)>;

  // `writer` serves the partitions' keys (status records) and the index;
  // `cluster`: they live in different slots (two submissions per record).
  SentRecorder(redis::GroupCommitWriter* writer, uint32_t partitions, absl::Duration retention,
               const Clock& clock, bool cluster);

  // Loads the batch script on the writer's connections and folds its calls:
  // per partition on a cluster (one slot per script call), all together on
  // one Redis. A folder already set (the rate limiter's) still runs first.
  static void AddScripts(redis::PipelineWriterOptions* options, bool cluster);

  // `done` runs exactly once, possibly before this returns.
  void RecordSent(const std::string& conversation_key, const std::string& event_id,
                  const std::string& connector, const std::string& provider_message_id,
                  omnigate::v1::Role role, Done done);

 private:
  redis::GroupCommitWriter* const writer_;
  const uint32_t partitions_;
  const std::string retention_ms_;
  const Clock& clock_;
  const bool cluster_;
};

// Folds the record calls of one writer flush: calls on the same partition
// (hash tag; any partition when not `by_slot`) become one script call
// carrying up to `max_per_call` records in submission order, written where
// the first of them was; each caller is answered with its own record. Other
// commands pass untouched. Records keep their order among themselves; they
// only move ahead of commands on other keys.
class SentRecordFolder final : public redis::BatchFolder {
 public:
  explicit SentRecordFolder(bool by_slot, size_t max_per_call = 128);

  std::vector<redis::RedisCommand> Fold(const std::vector<redis::RedisCommand*>& commands,
                                        std::vector<Answer>* answers) const override;

 private:
  const bool by_slot_;
  const size_t max_per_call_;
};

}  // namespace omnigate::sender
