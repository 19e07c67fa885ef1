#include "lib/queue/enqueue_folder.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/queue/enqueue_script.h"

namespace omnigate::queue {
namespace {

// One folded call being assembled.
struct Group {
  std::string sha;
  std::vector<std::string> leading;  // KEYS[1..kEnqueueSharedKeys]
  std::vector<std::string> keys;     // per-event keys, in order
  std::vector<std::string> shared;   // ARGV[1..kEnqueueSharedArgs]
  std::vector<std::string> args;     // per-event args, in order
  size_t events = 0;
};

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
  // Each written command is a passed-through input (index into `commands`)
  // or a group, materialized at the end.
  struct Slot {
    redis::RedisCommand* passthrough = nullptr;
    size_t group = 0;
  };
  std::vector<Slot> slots;
  std::vector<Group> groups;
  absl::flat_hash_map<std::string, size_t> open;  // stream -> slot of its open group
  answers->assign(commands.size(), Answer{});

  for (size_t i = 0; i < commands.size(); ++i) {
    redis::RedisCommand& cmd = *commands[i];
    // Calls already carrying several events are answered as a whole.
    if (EventsIn(cmd) != 1) {
      (*answers)[i] = Answer{slots.size(), -1};
      slots.push_back(Slot{&cmd, 0});
      continue;
    }
    const auto event_keys = cmd.begin() + kFirstKey + kEnqueueSharedKeys;
    const auto shared_begin = event_keys + kEnqueueKeysPerEvent;
    const auto shared_end = shared_begin + kEnqueueSharedArgs;
    // A call joins the open group of its stream when the shared keys and
    // arguments match (they do for every call of one queue); looked up
    // without building a key, this runs once per event.
    size_t slot = 0;
    auto it = open.find(absl::string_view(cmd[kFirstKey]));
    const bool joins = it != open.end() && [&] {
      const Group& g = groups[slots[it->second].group];
      return g.events < max_events_ && std::equal(shared_begin, shared_end, g.shared.begin()) &&
             std::equal(cmd.begin() + kFirstKey, event_keys, g.leading.begin());
    }();
    if (joins) {
      slot = it->second;
    } else {
      Group g;
      g.sha = cmd[1];
      g.leading.assign(std::make_move_iterator(cmd.begin() + kFirstKey),
                       std::make_move_iterator(event_keys));
      g.shared.assign(std::make_move_iterator(shared_begin), std::make_move_iterator(shared_end));
      slot = slots.size();
      open.insert_or_assign(g.leading.front(), slot);
      groups.push_back(std::move(g));
      slots.push_back(Slot{nullptr, groups.size() - 1});
    }
    Group& g = groups[slots[slot].group];
    (*answers)[i] = Answer{slot, static_cast<int>(g.events)};
    for (auto k = event_keys; k != shared_begin; ++k) {
      g.keys.push_back(std::move(*k));
    }
    for (auto a = shared_end; a != cmd.end(); ++a) g.args.push_back(std::move(*a));
    ++g.events;
  }

  std::vector<redis::RedisCommand> out;
  out.reserve(slots.size());
  for (const Slot& slot : slots) {
    if (slot.passthrough != nullptr) {
      out.push_back(std::move(*slot.passthrough));
      continue;
    }
    Group& g = groups[slot.group];
    redis::RedisCommand cmd;
    cmd.reserve(kFirstKey + g.leading.size() + g.keys.size() + g.shared.size() + g.args.size());
    cmd.push_back("EVALSHA");
    cmd.push_back(std::move(g.sha));
    cmd.push_back(absl::StrCat(g.leading.size() + g.keys.size()));
    for (std::string& k : g.leading) cmd.push_back(std::move(k));
    for (std::string& k : g.keys) cmd.push_back(std::move(k));
    for (std::string& a : g.shared) cmd.push_back(std::move(a));
    for (std::string& a : g.args) cmd.push_back(std::move(a));
    out.push_back(std::move(cmd));
  }
  return out;
}

}  // namespace omnigate::queue
