#pragma once

// A RedisClient and a Connection that pass every command on to another one
// and record, first, whether the command would run on a Redis Cluster: every
// key of one script call (EVAL/EVALSHA) and of one multi-key command (DEL
// k1 k2, MGET, RENAME, SUNIONSTORE, ...) must hash to one slot, or Redis
// answers CROSSSLOT. For tests that run the modules on FakeRedis and assert
// their scripts stay cluster-safe.

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/redis/cluster_slot.h"
#include "lib/redis/connection.h"
#include "lib/redis/fake_redis.h"
#include "lib/redis/redis_client.h"

namespace omnigate::testing {

// The keys of `command` when it may name several, empty otherwise (one key
// is always one slot).
inline std::vector<std::string> MultiKeysOf(const redis::RedisCommand& command) {
  if (command.empty()) return {};
  const std::string name = absl::AsciiStrToUpper(command[0]);
  std::vector<std::string> keys;
  auto from = [&](size_t first, size_t step) {
    for (size_t i = first; i < command.size(); i += step) keys.push_back(command[i]);
  };
  if (name == "EVAL" || name == "EVALSHA" || name == "EVAL_RO" || name == "EVALSHA_RO" ||
      name == "FCALL" || name == "FCALL_RO" || name == "ZUNIONSTORE" || name == "ZINTERSTORE" ||
      name == "ZDIFFSTORE") {
    const bool store = absl::EndsWith(name, "STORE");
    const size_t count_at = 2;
    size_t n = 0;
    if (command.size() <= count_at || !absl::SimpleAtoi(command[count_at], &n)) return {};
    if (store) keys.push_back(command[1]);
    for (size_t i = 0; i < n && count_at + 1 + i < command.size(); ++i) {
      keys.push_back(command[count_at + 1 + i]);
    }
  } else if (name == "DEL" || name == "UNLINK" || name == "EXISTS" || name == "TOUCH" ||
             name == "MGET" || name == "WATCH" || name == "SUNION" || name == "SINTER" ||
             name == "SDIFF" || name == "SUNIONSTORE" || name == "SINTERSTORE" ||
             name == "SDIFFSTORE" || name == "PFCOUNT" || name == "PFMERGE") {
    from(1, 1);
  } else if (name == "MSET" || name == "MSETNX") {
    from(1, 2);
  } else if (name == "RENAME" || name == "RENAMENX" || name == "SMOVE" || name == "LMOVE" ||
             name == "RPOPLPUSH" || name == "COPY" || name == "BLMOVE" || name == "BRPOPLPUSH") {
    keys = {command.size() > 1 ? command[1] : "", command.size() > 2 ? command[2] : ""};
  } else if (name == "XREAD" || name == "XREADGROUP") {
    size_t streams = command.size();
    for (size_t i = 1; i < command.size(); ++i) {
      if (absl::AsciiStrToUpper(command[i]) == "STREAMS") streams = i + 1;
    }
    const size_t n = (command.size() - std::min(streams, command.size())) / 2;
    for (size_t i = 0; i < n; ++i) keys.push_back(command[streams + i]);
  } else if (name == "BLPOP" || name == "BRPOP" || name == "BZPOPMIN" || name == "BZPOPMAX") {
    for (size_t i = 1; i + 1 < command.size(); ++i) keys.push_back(command[i]);
  }
  return keys;
}

// What the decorators saw. Thread-safe.
class SlotChecker {
 public:
  void Check(const redis::RedisCommand& command) {
    const std::vector<std::string> keys = MultiKeysOf(command);
    std::lock_guard<std::mutex> lock(mu_);
    if (!command.empty() && (absl::EqualsIgnoreCase(command[0], "EVALSHA") ||
                             absl::EqualsIgnoreCase(command[0], "EVAL"))) {
      // Counted by sha: a script's EVAL after NOSCRIPT follows its EVALSHA.
      if (absl::EqualsIgnoreCase(command[0], "EVALSHA") && command.size() > 1) {
        shas_.insert(command[1]);
      }
      ++script_calls_;
    }
    for (const std::string& key : keys) {
      if (redis::KeySlot(key) != redis::KeySlot(keys.front())) {
        violations_.push_back(
            absl::StrCat(command[0], " keys in several slots: ", absl::StrJoin(keys, " ")));
        return;
      }
    }
  }

  std::vector<std::string> violations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return violations_;
  }
  // Distinct scripts run by EVALSHA (a script only ever run by EVAL counts
  // as not seen: every module calls EVALSHA first).
  size_t scripts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return shas_.size();
  }
  int script_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return script_calls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> violations_;
  std::set<std::string> shas_;
  int script_calls_ = 0;
};

class SlotCheckingClient final : public redis::RedisClient {
 public:
  // Both outlive the client.
  SlotCheckingClient(redis::RedisClient* inner, SlotChecker* checker)
      : inner_(inner), checker_(checker) {}

  absl::StatusOr<redis::RedisReply> Run(const redis::RedisCommand& command) override {
    checker_->Check(command);
    return inner_->Run(command);
  }
  absl::StatusOr<std::vector<redis::RedisReply>> RunPipeline(
      const std::vector<redis::RedisCommand>& commands) override {
    // A pipeline may span slots (a cluster client splits it by node); each
    // command may not.
    for (const auto& command : commands) checker_->Check(command);
    return inner_->RunPipeline(commands);
  }

 private:
  redis::RedisClient* const inner_;
  SlotChecker* const checker_;
};

class SlotCheckingConnection final : public redis::Connection {
 public:
  SlotCheckingConnection(std::unique_ptr<redis::Connection> inner, SlotChecker* checker)
      : inner_(std::move(inner)), checker_(checker) {}

  absl::StatusOr<redis::RedisReply> Run(const redis::RedisCommand& command) override {
    checker_->Check(command);
    return inner_->Run(command);
  }
  absl::Status Append(const redis::RedisCommand& command) override {
    checker_->Check(command);
    return inner_->Append(command);
  }
  absl::Status Flush() override { return inner_->Flush(); }
  absl::StatusOr<redis::RedisReply> ReadReply() override { return inner_->ReadReply(); }
  absl::StatusOr<std::optional<redis::RedisReply>> PollReply() override {
    return inner_->PollReply();
  }
  bool broken() const override { return inner_->broken(); }

 private:
  const std::unique_ptr<redis::Connection> inner_;
  SlotChecker* const checker_;
};

// Connections to `fake` that check every command.
inline redis::ConnectionFactory SlotCheckingFactory(redis::FakeRedis* fake, SlotChecker* checker) {
  return [fake, checker]() -> absl::StatusOr<std::unique_ptr<redis::Connection>> {
    auto conn = fake->Connect();
    if (!conn.ok()) return conn.status();
    return std::unique_ptr<redis::Connection>(
        std::make_unique<SlotCheckingConnection>(*std::move(conn), checker));
  };
}

}  // namespace omnigate::testing
