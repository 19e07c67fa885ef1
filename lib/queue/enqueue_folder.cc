#include "lib/queue/enqueue_folder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "lib/queue/enqueue_script.h"
#include "lib/redis/folded_calls.h"

namespace omnigate::queue {
namespace {

// Offsets in an EVALSHA command: EVALSHA sha numkeys KEYS... ARGV...
constexpr size_t kFirstKey = 3;

}  // namespace

EnqueueFolder::EnqueueFolder(std::string script_sha, size_t max_events_per_call)
    : sha_(std::move(script_sha)), max_events_(max_events_per_call > 0 ? max_events_per_call : 1) {}

size_t EnqueueFolder::EventsIn(const redis::RedisCommand& cmd) const {
  if (cmd.size() < kFirstKey || cmd[0] != "EVALSHA" || cmd[1] != sha_) return 0;
  size_t keys = 0;
  if (!absl::SimpleAtoi(cmd[2], &keys) || keys < kEnqueueSharedKeys + kEnqueueKeysPerEvent ||
      (keys - kEnqueueSharedKeys) % kEnqueueKeysPerEvent != 0) {
    return 0;
  }
  const size_t events = (keys - kEnqueueSharedKeys) / kEnqueueKeysPerEvent;
  if (cmd.size() != kFirstKey + keys + kEnqueueSharedArgs + events * kEnqueueArgsPerEvent) {
    return 0;
  }
  return events;
}

std::vector<redis::RedisCommand> EnqueueFolder::Fold(
    const std::vector<redis::RedisCommand*>& commands, std::vector<Answer>* answers) const {
  redis::FoldedCalls folded(commands.size(), max_events_, answers);
  for (size_t i = 0; i < commands.size(); ++i) {
    redis::RedisCommand& cmd = *commands[i];
    // Calls already carrying several events are answered as a whole.
    if (EventsIn(cmd) != 1) {
      folded.PassThrough(i, cmd);
      continue;
    }
    const auto leading = cmd.begin() + kFirstKey;
    const auto event_keys = leading + kEnqueueSharedKeys;
    const auto shared_begin = event_keys + kEnqueueKeysPerEvent;
    const auto shared_end = shared_begin + kEnqueueSharedArgs;
    // A call joins the open call of its stream when the shared keys and
    // arguments match (they do for every call of one queue); compared in
    // place, this runs once per event.
    auto [call, opened] = folded.Add(i, cmd[kFirstKey], [&](const redis::FoldedCalls::Call& c) {
      return std::equal(leading, event_keys, c.keys.begin()) &&
             std::equal(shared_begin, shared_end, c.args.begin());
    });
    if (opened) {
      call->sha = cmd[1];
      call->keys.assign(std::make_move_iterator(leading), std::make_move_iterator(event_keys));
      call->args.assign(std::make_move_iterator(shared_begin), std::make_move_iterator(shared_end));
    }
    for (auto k = event_keys; k != shared_begin; ++k) call->keys.push_back(std::move(*k));
    for (auto a = shared_end; a != cmd.end(); ++a) call->args.push_back(std::move(*a));
  }
  return folded.Finish();
}

}  // namespace omnigate::queue
