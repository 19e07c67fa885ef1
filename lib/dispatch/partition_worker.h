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
#include "lib/dispatch/retry_policy.h"
#include "lib/dispatch/sink_client.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_script.h"
#include "lib/routing/router.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::dispatch {

struct WorkerOptions {
  uint32_t partition = 0;
  std::string sink;
  // Consumer name in the sink's group: the dispatcher instance id.
  std::string consumer;
  int max_attempts = 8;
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(30);
  absl::Duration deliver_timeout = absl::Seconds(5);
  int batch_events = 100;
  int max_buffered = 1000;
  int read_count = 200;
  // Longest XREADGROUP BLOCK when idle; bounds how fast a stop is noticed.
  absl::Duration idle_block = absl::Milliseconds(250);
  int64_t dead_letter_max_len = 1000000;
};

struct WorkerDeps {
  redis::RedisEndpoint endpoint;
  const routing::Router* router = nullptr;
  SinkClient* sink = nullptr;
  InFlightLimiter* limiter = nullptr;
  DispatchMetrics* metrics = nullptr;
  const Clock* clock = nullptr;
  // False once this replica may no longer act for the partition.
  std::function<bool()> lease_valid;
};

// Delivers one partition stream to one sink, as the only consumer of the
// sink's group on that partition (the lease guarantees it).
//
// On start it takes over every pending entry of the group (a previous owner's
// unacknowledged work) and delivers those first, in stream order; then it
// reads new entries. Per conversation, event n+1 is sent only after the call
// carrying event n succeeded (or n was dead-lettered); other conversations
// proceed meanwhile, several per Deliver call. Entries are acknowledged
// (XACK) only after the sink accepted them or they were dead-lettered, so a
// crash at any moment leaves them pending for the next owner: at-least-once.
//
// Memory is bounded: at most max_buffered entries are held, and calls in
// flight to the sink are capped across partitions by the limiter.
class PartitionWorker {
 public:
  PartitionWorker(WorkerOptions options, WorkerDeps deps);
  ~PartitionWorker();
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
    absl::Time started;
    size_t events = 0;
  };

  void Run();
  bool Connected();
  absl::Status Setup();
  absl::Status Read(bool history, absl::Duration block);
  void Accept(const redisReply* entry, bool history);
  // Sends what is ready; true when the sink's in-flight cap stopped it.
  bool Dispatch();
  void Send(std::vector<std::pair<std::string, size_t>> parts,
            std::shared_ptr<omnigate::v1::DeliverRequest> request, int attempt);
  void HandleCompletions();
  void Complete(Completion& c);
  void DeadLetterFronts();
  absl::Status DeadLetter(const Pending& pending, const grpc::Status& status, int attempts);
  // XACKs what is acknowledged locally; Read() sends them with the read.
  void FlushAcks();
  std::vector<redis::RedisCommand> AckCommands() const;
  // The first `count` of acks_ are acknowledged in Redis: forget them.
  void Acknowledged(size_t count);
  absl::Duration NextWait() const;
  bool TakeCompletions(std::vector<Completion>* out, absl::Duration wait);

  const WorkerOptions options_;
  const WorkerDeps deps_;
  const BackoffPolicy backoff_;
  const std::string stream_key_;
  const std::string dead_letter_key_;
  const redis::RedisScript dead_letter_script_;
  absl::BitGen rng_;

  // Worker thread only.
  std::unique_ptr<redis::RedisConnection> conn_;
  bool setup_done_ = false;
  bool history_done_ = false;
  std::string history_cursor_ = "0";
  absl::flat_hash_map<std::string, Conversation> conversations_;
  size_t buffered_ = 0;
  // Conversations whose front waits to be dead-lettered (DeadLetterFronts).
  size_t dead_letters_due_ = 0;
  int calls_in_flight_ = 0;
  std::vector<std::string> acks_;
  // Entry ids held here (queued, in flight, or waiting for XACK): the pending
  // list, read again after every reconnect, holds them too and must not
  // deliver them twice.
  absl::flat_hash_set<std::string> held_;
  absl::Duration reconnect_backoff_ = absl::Milliseconds(50);

  // Shared with completion callbacks.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Completion> completions_;
  bool stop_ = false;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace omnigate::dispatch
