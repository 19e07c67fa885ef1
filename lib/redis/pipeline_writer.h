#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/redis/group_commit_writer.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_reply.h"
#include "lib/redis/redis_url.h"
#include "lib/redis/replica_wait.h"

namespace omnigate::redis {

// Folds the commands of one flush into fewer commands before they are
// written: e.g. one script call per stream carrying every caller's events,
// so Redis runs one script instead of one per event. Runs on writer threads;
// must be thread-safe (lanes share it).
class BatchFolder {
 public:
  // Where the reply of one submitted command comes from: the reply of
  // written command `written`, or element `element` of it (an array reply
  // with one element per folded command); element -1 is the whole reply.
  struct Answer {
    size_t written = 0;
    int element = -1;
  };
  virtual ~BatchFolder() = default;
  // `commands` are the flush's commands in submission order (the folder may
  // move from them). Returns the commands to write and fills `answers` with
  // one Answer per input command. Commands on the same keys must keep their
  // order.
  virtual std::vector<RedisCommand> Fold(const std::vector<RedisCommand*>& commands,
                                         std::vector<Answer>* answers) const = 0;
};

struct PipelineWriterOptions {
  RedisEndpoint endpoint;
  // Independent connections, each with its own writer thread. A caller picks
  // the lane; commands of one lane are written in submission order, so
  // callers that map a partition to a lane keep that partition's order.
  int lanes = 2;
  // Commands waiting per lane before Submit answers RESOURCE_EXHAUSTED.
  size_t max_pending_commands_per_lane = 100000;
  // Upper bound of commands written in one pipeline round trip.
  size_t max_batch_commands = 4096;
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration io_timeout = absl::Seconds(3);
  absl::Duration reconnect_min_backoff = absl::Milliseconds(50);
  absl::Duration reconnect_max_backoff = absl::Seconds(2);
  // Lua scripts loaded (SCRIPT LOAD) on every connect, so EVALSHA of their
  // ScriptSha() works; a NOSCRIPT reply reloads them and retries once.
  std::vector<std::string> scripts;
  // Optional; must outlive the writer.
  const BatchFolder* folder = nullptr;
  // Enabled: one WAIT (after the offset mark of replica_wait.h) ends every
  // flushed pipeline, and when fewer replicas confirm it every job of that
  // flush fails with UNAVAILABLE (written on the master, not acknowledged).
  // io_timeout is raised to outlast the WAIT.
  ReplicaWait replica_wait;
};

// Receives what the writer does, for metrics. Called from writer threads.
class PipelineObserver {
 public:
  virtual ~PipelineObserver() = default;
  virtual void OnRoundTrip(absl::Duration elapsed, size_t commands) {}
  // `connected_lanes` after a lane connected or lost its connection.
  virtual void OnLanesConnected(int connected_lanes, int lanes) {}
  virtual void OnReconnectFailed() {}
  // After each flush's WAIT: how long the replies waited for it (after the
  // commands' own replies) and whether enough replicas confirmed.
  virtual void OnReplicaWait(absl::Duration waited, bool confirmed) {}
};

// Group commit: callers Submit() batches of commands from any thread; each
// lane's writer thread takes everything pending (up to max_batch_commands),
// writes it as one pipeline, reads the replies, then completes every caller.
// Under load many callers share one round trip; at low load a command is sent
// at once (no artificial delay).
//
// Failure: when a lane's connection fails, the batch in flight completes with
// UNAVAILABLE (its commands may or may not have run: callers must be
// idempotent), pending batches fail with UNAVAILABLE while the lane
// reconnects with exponential backoff, and Submit fails fast. Nothing waits
// forever.
//
// Thread-safe. Callbacks run on writer threads: keep them short.
class RedisPipelineWriter final : public GroupCommitWriter {
 public:
  RedisPipelineWriter(PipelineWriterOptions options, PipelineObserver* observer);
  ~RedisPipelineWriter();
  RedisPipelineWriter(const RedisPipelineWriter&) = delete;
  RedisPipelineWriter& operator=(const RedisPipelineWriter&) = delete;

  // Starts the writer threads (they connect in the background).
  void Start();

  // Queues `commands` on `lane` (taken modulo lanes). `done` gets one reply
  // per command, in order, or an error status; it is called exactly once.
  void Submit(size_t lane, std::vector<RedisCommand> commands, Done done);
  // GroupCommitWriter: one Redis serves every route key.
  void Submit(absl::string_view route_key, size_t lane, std::vector<RedisCommand> commands,
              Done done) override {
    Submit(lane, std::move(commands), std::move(done));
  }

  int lanes() const override { return static_cast<int>(lanes_.size()); }
  // True when every lane has a live connection.
  bool healthy() const override { return connected_lanes_.load() == lanes(); }

  // Writes what is pending (bounded by io timeouts), then stops the threads.
  // Later Submit() calls fail with UNAVAILABLE.
  void Shutdown();

  // Lowercase hex SHA-1 of a script, as EVALSHA expects.
  static std::string ScriptSha(const std::string& script);

 private:
  struct Job {
    std::vector<RedisCommand> commands;
    Done done;
  };
  struct Lane {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Job> pending;
    size_t pending_commands = 0;
    bool connected = false;                 // guarded by mu; mirrors conn != nullptr
    std::unique_ptr<RedisConnection> conn;  // writer thread only
    std::thread thread;
  };

  void Run(Lane* lane);
  bool EnsureConnected(Lane* lane, absl::Duration* backoff);
  void SetConnected(Lane* lane, bool connected);
  void WriteBatch(Lane* lane, std::vector<Job>& batch);
  // The reply for one submitted command, taken out of `replies`.
  static RedisReply AnswerOf(const BatchFolder::Answer& answer, Replies& replies);
  absl::Status LoadScripts(RedisConnection* conn);
  void FailPending(Lane* lane, const absl::Status& status);

  const PipelineWriterOptions options_;
  PipelineObserver* const observer_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<int> connected_lanes_{0};
  std::atomic<bool> stopping_{false};
  bool started_ = false;
};

}  // namespace omnigate::redis
