#pragma once

// Test helper: a group-commit writer over FakeRedis, so the sender's batched
// Redis paths (reservations, sent records) run their real scripts and
// folders in unit tests.

#include <mutex>
#include <utility>
#include <vector>

#include "lib/redis/fake_redis.h"
#include "lib/redis/pipeline_writer.h"

namespace omnigate::sender {

// Runs what was submitted through the configured folder as one pipeline on
// a FakeRedis and answers each submission, like RedisPipelineWriter's flush.
// With `auto_flush` every Submit is flushed at once (answered before Submit
// returns, which the contract allows); otherwise Flush() does it, so a test
// decides what shares a flush. Thread-safe.
class FakeGroupCommitWriter final : public redis::GroupCommitWriter {
 public:
  // Loads `options.scripts`; uses `options.folder` when set.
  FakeGroupCommitWriter(redis::FakeRedis* redis, const redis::PipelineWriterOptions& options,
                        bool auto_flush)
      : redis_(redis), folder_(options.folder), auto_flush_(auto_flush) {
    for (const std::string& script : options.scripts) (void)redis_->Run({"SCRIPT", "LOAD", script});
  }

  void Submit(absl::string_view, size_t, std::vector<redis::RedisCommand> commands,
              Done done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(Job{std::move(commands), std::move(done)});
    }
    if (auto_flush_) Flush();
  }
  // The next flush answers every submission with `status` and writes
  // nothing (a writer that lost its connection).
  void FailNextFlush(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = std::move(status);
  }
  int lanes() const override { return 1; }
  bool healthy() const override { return true; }

  // Writes everything pending as one flush; returns the commands written.
  size_t Flush() {
    std::vector<Job> jobs;
    absl::Status fail;
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs.swap(pending_);
      std::swap(fail, fail_next_);
    }
    if (!fail.ok()) {
      for (Job& job : jobs) job.done(fail);
      return 0;
    }
    std::vector<redis::RedisCommand*> submitted;
    for (Job& job : jobs) {
      for (redis::RedisCommand& cmd : job.commands) submitted.push_back(&cmd);
    }
    std::vector<redis::BatchFolder::Answer> answers;
    std::vector<redis::RedisCommand> written;
    if (folder_ != nullptr) {
      written = folder_->Fold(submitted, &answers);
    } else {
      for (size_t i = 0; i < submitted.size(); ++i) {
        written.push_back(*submitted[i]);
        answers.push_back({i, -1});
      }
    }
    auto replies = redis_->RunPipeline(written);
    size_t next = 0;
    for (Job& job : jobs) {
      if (!replies.ok()) {
        job.done(replies.status());
        next += job.commands.size();
        continue;
      }
      Replies mine;
      for (size_t c = 0; c < job.commands.size(); ++c, ++next) {
        const redis::BatchFolder::Answer& a = answers[next];
        redis::RedisReply& reply = (*replies)[a.written];
        mine.push_back(a.element < 0 ? std::move(reply)
                                     : reply.TakeElement(static_cast<size_t>(a.element)));
      }
      job.done(std::move(mine));
    }
    return written.size();
  }

 private:
  struct Job {
    std::vector<redis::RedisCommand> commands;
    Done done;
  };

  redis::FakeRedis* const redis_;
  const redis::BatchFolder* const folder_;
  const bool auto_flush_;
  std::mutex mu_;
  std::vector<Job> pending_;
  absl::Status fail_next_;
};

}  // namespace omnigate::sender
