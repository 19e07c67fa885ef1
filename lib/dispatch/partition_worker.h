#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/dispatch/partition_reader.h"
#include "lib/dispatch/retry_policy.h"
#include "lib/dispatch/sink_client.h"
#include "lib/queue/keys.h"
#include "lib/redis/connection.h"
#include "lib/redis/redis_script.h"
#include "lib/routing/router.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::dispatch {

struct WorkerOptions {
  uint32_t partition = 0;
  std::string sink;
  // Consumer name in the sink's group: the dispatcher instance id, which is
  // also what the partition's lease key holds while this replica owns it.
  std::string consumer;
  int max_attempts = 8;
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(30);
  // Deadline of a Deliver call; shortened to what is left of the lease.
  absl::Duration deliver_timeout = absl::Seconds(5);
  int batch_events = 100;
  int max_buffered = 1000;
  int read_count = 200;
  // Longest XREADGROUP BLOCK of the reader; bounds how fast a stop is noticed.
  absl::Duration idle_block = absl::Milliseconds(250);
  int64_t dead_letter_max_len = 1000000;
  // Stream, lease and dead-letter keys (the dispatcher's or the sender's).
  const queue::ConsumerKeys* keys = &queue::kDispatcherKeys;
};

struct WorkerDeps {
  // The worker's Redis connection (acks and dead letters), made again after
  // one broke.
  redis::ConnectionFactory connect;
  // The reader's, whose reads block up to idle_block and so need a longer
  // I/O timeout (PartitionReader::ConnectionFor); empty: `connect`.
  redis::ConnectionFactory reader_connect;
  // Picks the entries for this sink; nullptr: every entry is (the sender).
  const routing::Router* router = nullptr;
  SinkClient* sink = nullptr;
  InFlightLimiter* limiter = nullptr;
  DispatchMetrics* metrics = nullptr;
  const Clock* clock = nullptr;
  // How long this replica may still act for the partition (zero: no more).
  std::function<absl::Duration()> lease_remaining;
};

// Delivers one partition stream to one sink, as the only consumer of the
// sink's group on that partition (the lease guarantees it).
//
// A PartitionReader thread reads entries (first whatever the group left
// pending, then new ones) and hands them over; this worker's thread routes
// them, sends Deliver calls and acknowledges. Per conversation, event n+1 is
// sent only after the call carrying event n succeeded (or n was
// dead-lettered); other conversations proceed meanwhile, several per Deliver
// call. Entries are acknowledged (XACK) only after the sink accepted them or
// they were dead-lettered, so a crash at any moment leaves them pending for
// the next owner: at-least-once.
//
// Nothing polls: the reader blocks in Redis, this thread on a condition
// variable that entries, call completions, a freed in-flight permit, a retry
// timer or the lease's end wake. Memory is bounded: the reader holds at most
// max_buffered entries' worth of credit, and calls in flight to the sink are
// capped across partitions by the limiter. No call outlives the lease: its
// deadline is cut to the lease's remaining local validity.
class PartitionWorker final : public InFlightLimiter::Waiter {
 public:
  PartitionWorker(WorkerOptions options, WorkerDeps deps);
  ~PartitionWorker() override;
  PartitionWorker(const PartitionWorker&) = delete;
  PartitionWorker& operator=(const PartitionWorker&) = delete;

  void Start();
  // Stops reading; calls in flight finish (bounded by the deliver timeout)
  // and their results are acknowledged; then the thread exits.
  void RequestStop();
  bool finished() const;
  void Join();

  uint32_t partition() const { return options_.partition; }
  const std::string& sink() const { return options_.sink; }

  // InFlightLimiter::Waiter
  void PermitFreed() override;

 private:
  struct Pending {
    std::string entry_id;
    omnigate::v1::Event event;
    int attempts = 0;  // failed calls that carried this event
  };
  struct Conversation {
    std::deque<Pending> queue;
    size_t in_flight = 0;  // events at the front that are in a call
    absl::Time retry_at = absl::InfinitePast();
    // After a failure, this many front events are sent one per call, so a
    // refusal names the event refused and the others get through.
    size_t isolate_remaining = 0;
    std::optional<grpc::Status> dead_letter;  // front waits to be dead-lettered
  };
  struct Completion {
    std::vector<std::pair<std::string, size_t>> parts;  // conversation, events
    grpc::Status status;
    RetryHint hint;
    absl::Time started;
    size_t events = 0;
  };

  void Run();
  // Redis connection for acks and dead letters; false while unreachable.
  bool Connected();
  // On the reader thread: parses and routes an entry; false when it is not
  // for this sink (the reader acknowledges it).
  bool Filter(const EntryFields& fields, StreamEntry* out) const;
  void Accept(StreamEntry entry);
  // Sends what is ready; true when the sink's in-flight cap stopped it.
  bool Dispatch();
  void Send(std::vector<std::pair<std::string, size_t>> parts,
            std::shared_ptr<omnigate::v1::DeliverRequest> request, int attempt);
  void Complete(Completion& c);
  void DeadLetterFronts();
  absl::Status DeadLetter(const Pending& pending, const grpc::Status& status, int attempts);
  // Sends the gathered acks without waiting for their replies.
  void FlushAcks();
  // Takes the replies of acks sent; waits for them only when `block`.
  void CollectAckReplies(bool block);
  // The connection broke: acks sent and unconfirmed are sent again.
  void ResetConnection();
  // An entry the reader delivered is no longer held here: room for another.
  void Release(const std::string& entry_id);
  // How long to sleep; `starved`: the in-flight limiter refused a permit,
  // so ready conversations wait for PermitFreed.
  absl::Duration NextWait(bool starved) const;
  absl::Duration LeaseRemaining() const;
  // Waits for something to do (or `wait`), then takes it. While draining
  // only completions count.
  void Gather(absl::Duration wait, bool draining, std::vector<StreamEntry>* entries,
              std::vector<Completion>* completions);

  const WorkerOptions options_;
  const WorkerDeps deps_;
  const BackoffPolicy backoff_;
  const std::string stream_key_;
  const std::string dead_letter_key_;
  const redis::RedisScript dead_letter_script_;
  absl::BitGen rng_;
  PartitionReader reader_;

  // Worker thread only.
  std::unique_ptr<redis::Connection> conn_;
  absl::Time next_connect_ = absl::InfinitePast();
  absl::Duration reconnect_backoff_ = absl::Milliseconds(50);
  absl::flat_hash_map<std::string, Conversation> conversations_;
  size_t buffered_ = 0;
  // Conversations whose front waits to be dead-lettered (DeadLetterFronts).
  size_t dead_letters_due_ = 0;
  int calls_in_flight_ = 0;
  std::vector<std::string> acks_;  // to send
  // XACKs sent whose replies were not read yet, oldest first. Replies are
  // read when they have arrived, so a delivery costs no wait for its ack.
  std::deque<std::vector<std::string>> acks_sent_;
  // Entry ids held here (queued, in flight, or waiting for XACK): the pending
  // list, read again after every reconnect, holds them too and must not
  // deliver them twice.
  absl::flat_hash_set<std::string> held_;

  // Shared with the reader, completion callbacks and the limiter.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<StreamEntry> inbox_;
  std::vector<Completion> completions_;
  bool permit_freed_ = false;
  bool stop_ = false;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace omnigate::dispatch
