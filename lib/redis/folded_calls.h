#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "lib/redis/connection.h"
#include "lib/redis/pipeline_writer.h"

namespace omnigate::redis {

// The bookkeeping every BatchFolder shares: commands that join a group
// (a partition, a connector...) become one EVALSHA carrying up to
// `max_items` of them, written where the group's first command was; other
// commands pass through in place. Fills the folder's answers as it goes.
class FoldedCalls {
 public:
  // A folded call under assembly: EVALSHA sha #keys keys... args...
  struct Call {
    std::string sha;
    std::vector<std::string> keys;
    std::vector<std::string> args;
    size_t items = 0;
  };

  FoldedCalls(size_t commands, size_t max_items, std::vector<BatchFolder::Answer>* answers)
      : max_items_(max_items > 0 ? max_items : 1), answers_(answers) {
    answers_->assign(commands, BatchFolder::Answer{});
  }

  // Input command `i` is written as it is.
  void PassThrough(size_t i, RedisCommand& command) {
    (*answers_)[i] = BatchFolder::Answer{out_.size(), -1};
    out_.push_back(std::move(command));
  }

  // Input command `i` is the next item of the open call of `group`; a new
  // call is opened when there is none, it is full or `joins` refuses it.
  // Returns the call, and true when it was just opened (empty: the caller
  // adds what the call's items share first).
  std::pair<Call*, bool> Add(size_t i, absl::string_view group,
                             absl::FunctionRef<bool(const Call&)> joins) {
    auto it = open_.find(group);
    const bool opens = it == open_.end() || calls_[it->second].second.items >= max_items_ ||
                       !joins(calls_[it->second].second);
    if (opens) {
      calls_.emplace_back(out_.size(), Call{});
      out_.emplace_back();  // materialized by Finish
      it = open_.insert_or_assign(std::string(group), calls_.size() - 1).first;
    }
    auto& [written, call] = calls_[it->second];
    (*answers_)[i] = BatchFolder::Answer{written, static_cast<int>(call.items)};
    ++call.items;
    return {&call, opens};
  }
  std::pair<Call*, bool> Add(size_t i, absl::string_view group) {
    return Add(i, group, [](const Call&) { return true; });
  }

  // The commands to write.
  std::vector<RedisCommand> Finish() {
    for (auto& [written, call] : calls_) {
      RedisCommand& cmd = out_[written];
      cmd.reserve(3 + call.keys.size() + call.args.size());
      cmd.push_back("EVALSHA");
      cmd.push_back(std::move(call.sha));
      cmd.push_back(std::to_string(call.keys.size()));
      for (std::string& k : call.keys) cmd.push_back(std::move(k));
      for (std::string& a : call.args) cmd.push_back(std::move(a));
    }
    return std::move(out_);
  }

 private:
  const size_t max_items_;
  std::vector<BatchFolder::Answer>* const answers_;
  std::vector<RedisCommand> out_;
  std::vector<std::pair<size_t, Call>> calls_;     // written index, call
  absl::flat_hash_map<std::string, size_t> open_;  // group -> open call
};

// Two folders applied in turn, so one writer can fold two kinds of calls
// (e.g. the sender's reservations and sent records). `second` must pass what
// `first` wrote through untouched (it folds other scripts' calls).
class FolderChain final : public BatchFolder {
 public:
  FolderChain(const BatchFolder* first, const BatchFolder* second)
      : first_(first), second_(second) {}

  std::vector<RedisCommand> Fold(const std::vector<RedisCommand*>& commands,
                                 std::vector<Answer>* answers) const override {
    std::vector<Answer> first_answers;
    std::vector<RedisCommand> first = first_->Fold(commands, &first_answers);
    std::vector<RedisCommand*> middle;
    middle.reserve(first.size());
    for (RedisCommand& cmd : first) middle.push_back(&cmd);
    std::vector<Answer> second_answers;
    std::vector<RedisCommand> out = second_->Fold(middle, &second_answers);
    answers->assign(commands.size(), Answer{});
    for (size_t i = 0; i < commands.size(); ++i) {
      const Answer& a = first_answers[i];
      const Answer& b = second_answers[a.written];
      // Folded by the first: the second passed its call through whole.
      (*answers)[i] = a.element >= 0 ? Answer{b.written, a.element} : b;
    }
    return out;
  }

 private:
  const BatchFolder* const first_;
  const BatchFolder* const second_;
};

}  // namespace omnigate::redis
