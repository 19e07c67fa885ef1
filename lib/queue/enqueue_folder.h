#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lib/redis/pipeline_writer.h"

namespace omnigate::queue {

// Folds the enqueue script calls of one writer flush (enqueue_script.h):
// calls on the same stream with the same shared arguments become one call
// carrying all of their events in submission order, at most
// `max_events_per_call` each, written where the first of them was. Redis
// then pays the script call once per partition and flush instead of once
// per event. Other commands pass through untouched.
//
// Moving a partition's later calls up to its first only reorders them
// against commands on other keys (all of one partition's calls fold into
// the same call, in order), so per-partition order holds.
class EnqueueFolder final : public redis::BatchFolder {
 public:
  explicit EnqueueFolder(std::string script_sha, size_t max_events_per_call = 128);

  std::vector<redis::RedisCommand> Fold(const std::vector<redis::RedisCommand*>& commands,
                                        std::vector<Answer>* answers) const override;

 private:
  // Events in `cmd` when it is a well-formed call of the script, else 0.
  size_t EventsIn(const redis::RedisCommand& cmd) const;

  const std::string sha_;
  const size_t max_events_;
};

}  // namespace omnigate::queue
