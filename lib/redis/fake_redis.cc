#include "lib/redis/fake_redis.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/redis/fake_lua.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/reply_builder.h"

namespace omnigate::redis {
namespace {

absl::Status Down() { return absl::UnavailableError("redis (fake): unavailable"); }
absl::Status Broken() { return absl::UnavailableError("redis (fake): connection is broken"); }

}  // namespace

// Runs commands at Flush(): the replies are all there once it returns, so
// PollReply() after a Flush() always finds them.
class FakeRedis::FakeConnection final : public Connection {
 public:
  explicit FakeConnection(FakeRedis* redis) : redis_(redis) {}
  ~FakeConnection() override {
    std::lock_guard<std::mutex> lock(redis_->mu_);
    auto& all = redis_->connections_;
    all.erase(std::remove(all.begin(), all.end(), this), all.end());
  }

  absl::StatusOr<RedisReply> Run(const RedisCommand& command) override {
    if (auto status = Append(command); !status.ok()) return status;
    if (auto status = Flush(); !status.ok()) return status;
    return ReadReply();
  }

  absl::Status Append(const RedisCommand& command) override {
    if (broken_.load()) return Broken();
    queued_.push_back(command);
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    while (!queued_.empty()) {
      if (broken_.load()) return Broken();
      if (redis_->unavailable_.load()) return Break(Down());
      absl::StatusOr<RedisReply> reply;
      {
        std::unique_lock<std::mutex> lock(redis_->mu_);
        reply = redis_->ExecuteTopLevel(lock, queued_.front(), &broken_);
      }
      if (!reply.ok()) return Break(reply.status());
      queued_.pop_front();
      replies_.push_back(*std::move(reply));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RedisReply> ReadReply() override {
    if (broken_.load()) return Broken();
    if (replies_.empty()) {
      // A real connection would wait for a reply that never comes and time
      // out, which breaks it.
      return Break(absl::FailedPreconditionError("redis (fake): no reply pending"));
    }
    RedisReply reply = std::move(replies_.front());
    replies_.pop_front();
    return reply;
  }

  absl::StatusOr<std::optional<RedisReply>> PollReply() override {
    if (broken_.load()) return Broken();
    if (replies_.empty()) return std::optional<RedisReply>();
    std::optional<RedisReply> reply(std::move(replies_.front()));
    replies_.pop_front();
    return reply;
  }

  bool broken() const override { return broken_.load(); }

  // mu_ held by the caller.
  void MarkBroken() { broken_.store(true); }

 private:
  absl::Status Break(absl::Status status) {
    broken_.store(true);
    queued_.clear();
    replies_.clear();
    return status;
  }

  FakeRedis* const redis_;
  std::atomic<bool> broken_{false};  // also set by BreakConnections()
  std::deque<RedisCommand> queued_;
  std::deque<RedisReply> replies_;
};

FakeRedis::FakeRedis(const Clock& clock) : db_(clock) {
  fake::AddKeyCommands(&commands_);
  fake::AddStreamCommands(&commands_);
  fake::AddListCommands(&commands_);
}

absl::StatusOr<RedisReply> FakeRedis::Run(const RedisCommand& command) {
  if (unavailable_.load()) return Down();
  std::unique_lock<std::mutex> lock(mu_);
  return ExecuteTopLevel(lock, command, nullptr);
}

absl::StatusOr<std::vector<RedisReply>> FakeRedis::RunPipeline(
    const std::vector<RedisCommand>& commands) {
  if (unavailable_.load()) return Down();
  std::unique_lock<std::mutex> lock(mu_);
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (const auto& command : commands) {
    auto reply = ExecuteTopLevel(lock, command, nullptr);
    if (!reply.ok()) return reply.status();
    replies.push_back(*std::move(reply));
  }
  return replies;
}

absl::StatusOr<std::unique_ptr<Connection>> FakeRedis::Connect() {
  if (unavailable_.load()) return Down();
  auto conn = std::make_unique<FakeConnection>(this);
  std::lock_guard<std::mutex> lock(mu_);
  connections_.push_back(conn.get());
  connects_.fetch_add(1);
  return std::unique_ptr<Connection>(std::move(conn));
}

ConnectionFactory FakeRedis::Factory() {
  return [this] { return Connect(); };
}

void FakeRedis::BreakConnections() {
  std::lock_guard<std::mutex> lock(mu_);
  for (FakeConnection* conn : connections_) conn->MarkBroken();
  cv_.notify_all();
}

absl::StatusOr<RedisReply> FakeRedis::ExecuteTopLevel(std::unique_lock<std::mutex>& lock,
                                                      const RedisCommand& command,
                                                      const std::atomic<bool>* broken) {
  const std::optional<int64_t> block_ms = fake::BlockMs(command);
  if (!block_ms.has_value()) {
    RedisReply reply = Execute(command, false);
    // Anything else may have added entries a blocked read waits for.
    cv_.notify_all();
    return reply;
  }
  const RedisCommand resolved = fake::ResolveLastIds(db_, command);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*block_ms);
  while (true) {
    if (broken != nullptr && broken->load()) return Broken();
    RedisReply reply = Execute(resolved, false);
    if (!reply.is_null()) return reply;
    if (*block_ms == 0) {
      cv_.wait(lock);
    } else if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      if (broken != nullptr && broken->load()) return Broken();
      return Execute(resolved, false);  // a last look, as Redis answers at the deadline
    }
  }
}

std::vector<std::string> FakeRedis::Keys() {
  std::lock_guard<std::mutex> lock(mu_);
  return db_.Keys();
}

RedisReply FakeRedis::Execute(const RedisCommand& command, bool in_script) {
  if (command.empty()) return ErrorReply("ERR empty command");
  const std::string name = fake::Upper(command[0]);
  if (name == "PING") return StatusReply("PONG");
  if (name == "EVAL" || name == "EVALSHA" || name == "SCRIPT") return Script(command, in_script);
  auto it = commands_.find(name);
  if (it == commands_.end()) {
    return ErrorReply(absl::StrCat("ERR unknown command '", command[0], "'"));
  }
  return it->second(db_, command);
}

RedisReply FakeRedis::Script(const RedisCommand& command, bool in_script) {
  if (in_script) return ErrorReply("ERR This Redis command is not allowed from script");
  const std::string name = fake::Upper(command[0]);
  if (name == "SCRIPT") {
    const std::string sub = command.size() > 1 ? fake::Upper(command[1]) : "";
    if (sub == "LOAD" && command.size() == 3) {
      std::string sha = RedisPipelineWriter::ScriptSha(command[2]);
      scripts_[sha] = command[2];
      return BulkReply(sha);
    }
    if (sub == "FLUSH") {
      scripts_.clear();
      return StatusReply("OK");
    }
    if (sub == "EXISTS") {
      std::vector<RedisReply> out;
      for (size_t i = 2; i < command.size(); ++i) {
        out.push_back(IntegerReply(scripts_.count(absl::AsciiStrToLower(command[i]))));
      }
      return ArrayReply(std::move(out));
    }
    return fake::SyntaxError();
  }
  if (command.size() < 3) return fake::WrongArity(command);
  int64_t numkeys = 0;
  if (!fake::ParseInt(command[2], &numkeys) || numkeys < 0) return fake::NotInteger();
  if (numkeys > static_cast<int64_t>(command.size()) - 3) {
    return ErrorReply("ERR Number of keys can't be greater than number of args");
  }
  std::string source;
  if (name == "EVAL") {
    source = command[1];
    scripts_[RedisPipelineWriter::ScriptSha(source)] = source;
  } else {
    auto it = scripts_.find(absl::AsciiStrToLower(command[1]));
    if (it == scripts_.end()) return ErrorReply("NOSCRIPT No matching script. Please use EVAL.");
    source = it->second;
  }
  const auto keys_begin = command.begin() + 3;
  const auto args_begin = keys_begin + numkeys;
  std::vector<std::string> keys(keys_begin, args_begin);
  std::vector<std::string> args(args_begin, command.end());
  return RunLuaScript(source, keys, args,
                      [this](const RedisCommand& call) { return Execute(call, true); });
}

}  // namespace omnigate::redis
