#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/redis/connection.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_script.h"
#include "lib/redis/redis_url.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::dispatch {

// The fields of one stream entry as read (views into the reply).
struct EntryFields {
  // The "event" field, null when absent (trimmed while pending).
  const redisReply* event = nullptr;
  absl::string_view mode;
  absl::string_view target_sink;
  // A receipt's reply (queue::kOutboundEventIdField); empty otherwise.
  absl::string_view outbound_event_id;
};

// One entry handed to the consumer.
struct StreamEntry {
  std::string id;
  // Read from our pending list (a previous owner's or a lost read's work).
  bool redelivered = false;
  // The entry holds no parseable omnigate.v1.Event (dead-letter it).
  bool malformed = false;
  omnigate::v1::Event event;
};

struct ReaderOptions {
  std::string stream_key;
  std::string group;
  std::string consumer;
  // The partition's lease key and the value it holds while this replica owns
  // it: every read that takes entries checks it in Redis (fencing).
  std::string lease_key;
  std::string lease_owner;
  int read_count = 200;
  // Longest XREADGROUP BLOCK; bounds how long Stop() waits for the thread.
  absl::Duration idle_block = absl::Milliseconds(250);
};

// Reads a partition stream as the only consumer of a group, on a thread and a
// Redis connection of its own, so it can block in XREADGROUP while whoever
// consumes the entries waits on something else (calls in flight). No polling:
// it blocks in Redis while it has room, and on a condition variable while it
// has none.
//
// Flow control is by credit: it reads at most as many entries as it was
// granted (Grant), so the consumer's memory is bounded; entries the filter
// turns away cost no credit. On every (re)connect
// it creates the group if needed, claims what any earlier consumer of the
// group left pending (the partition lease says nobody else works on it now)
// and reads its own pending list before new entries: an XREADGROUP whose reply
// was lost with a connection left entries pending that were never seen.
// Consumers must skip entries they already hold.
//
// Reads are fenced by the lease: new entries are taken by a script that
// checks, in the same atomic step, that the lease key still names this
// replica, and so is claiming at set-up. A reader that lost its lease without
// noticing (a stalled process) can therefore never take entries that the new
// owner must deliver first; it waits for new entries with a plain XREAD
// BLOCK, which takes nothing. BLOCK is also bounded by the lease's remaining
// local validity, and nothing is read once it ran out.
//
// On a Redis Cluster `connect` makes connections to the node serving the
// stream (ClusterStreamConnector): a connection that broke or was answered
// MOVED, ASK, TRYAGAIN or CLUSTERDOWN is dropped and made again, so the
// reader follows the stream to a new master after a failover.
class PartitionReader {
 public:
  // Called on the reader thread for each entry: fills `out` (id and
  // redelivered are set) and returns true to hand it over, or returns false
  // when the entry is not the consumer's to deliver: the reader then
  // acknowledges it itself, riding on its next read (no extra round trip).
  using EntryFilter = std::function<bool(const EntryFields& fields, StreamEntry* out)>;
  // Called on the reader thread with each non-empty batch, in stream order.
  using EntrySink = std::function<void(std::vector<StreamEntry>)>;

  // `connect` makes the reader's connection (again after one broke); its
  // I/O timeout must exceed idle_block, which a read may block for.
  PartitionReader(ReaderOptions options, redis::ConnectionFactory connect, DispatchMetrics* metrics,
                  std::function<absl::Duration()> lease_remaining, EntryFilter filter,
                  EntrySink sink);
  // Connections to `endpoint` with the timeouts a reader needs: a read
  // blocks up to idle_block before Redis answers.
  static redis::ConnectionFactory ConnectionFor(const redis::RedisEndpoint& endpoint,
                                                absl::Duration idle_block);
  ~PartitionReader();
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;

  void Start();
  // Room for `entries` more entries.
  void Grant(size_t entries);
  // Stops and joins the thread (within idle_block plus a connect timeout).
  void Stop();

 private:
  void Run();
  bool Connected();
  absl::Status Setup();
  absl::Status Read(size_t count);
  // Sends the turned-away entries' XACK (if any) and then `commands`, in one
  // round trip; returns the commands' replies.
  absl::StatusOr<std::vector<redis::RedisReply>> RunWithAcks(
      const std::vector<redis::RedisCommand>& commands);
  // Runs a fenced script; NOSCRIPT loads it by EVAL.
  absl::StatusOr<redis::RedisReply> RunFenced(const redis::RedisScript& script,
                                              std::vector<std::string> args);
  // Drops the connection after a MOVED/ASK/CLUSTERDOWN/TRYAGAIN reply, so
  // the next one is made to the stream's node now; UNAVAILABLE.
  absl::Status NodeChanged(const redis::RedisReply& reply);
  // Hands over what `reply` (XREADGROUP's) holds; returns how many it held.
  size_t Deliver(const redis::RedisReply& reply, bool history);
  // Waits up to `d` unless stopped; false when stopped.
  bool Pause(absl::Duration d);

  const ReaderOptions options_;
  const redis::ConnectionFactory connect_;
  DispatchMetrics* const metrics_;
  const std::function<absl::Duration()> lease_remaining_;
  const EntryFilter filter_;
  const EntrySink sink_;
  const redis::RedisScript read_script_;
  const redis::RedisScript claim_script_;

  // Reader thread only.
  std::unique_ptr<redis::Connection> conn_;
  bool setup_done_ = false;
  bool history_done_ = false;
  std::string history_cursor_ = "0";
  // The group's last delivered id: XREAD BLOCK waits for entries after it.
  std::string last_id_;
  // The last read took fewer entries than asked: wait before the next one.
  bool caught_up_ = false;
  absl::Duration backoff_ = absl::Milliseconds(50);
  // Entries filtered out, acknowledged with the next read.
  std::vector<std::string> acks_;

  std::mutex mu_;
  std::condition_variable cv_;
  size_t credits_ = 0;  // guarded by mu_
  bool stop_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace omnigate::dispatch
