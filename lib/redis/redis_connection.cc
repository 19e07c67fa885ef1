#include "lib/redis/redis_connection.h"

#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace omnigate::redis {
absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const RedisEndpoint& endpoint, absl::Duration connect_timeout, absl::Duration io_timeout) {
  redisContext* raw = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port,
                                              absl::ToTimeval(connect_timeout));
  if (raw == nullptr)
    return absl::ResourceExhaustedError("redis: cannot allocate a connection context");
  std::unique_ptr<RedisConnection> conn(new RedisConnection(raw));
  if (raw->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis ", endpoint.ToSafeString(), ": connect failed: ", raw->errstr));
  }
  if (redisSetTimeout(raw, absl::ToTimeval(io_timeout)) != REDIS_OK) {
    return absl::UnavailableError(
        absl::StrCat("redis ", endpoint.ToSafeString(), ": cannot set timeout"));
  }
  if (!endpoint.password.empty()) {
    RedisCommand auth = endpoint.user.empty()
                            ? RedisCommand{"AUTH", endpoint.password}
                            : RedisCommand{"AUTH", endpoint.user, endpoint.password};
    auto reply = conn->Run(auth);
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) {
      // The error text names no secret ("WRONGPASS invalid username-password pair").
      return absl::PermissionDeniedError(
          absl::StrCat("redis ", endpoint.ToSafeString(), ": AUTH failed: ", reply->str()));
    }
  }
  if (endpoint.db != 0) {
    auto reply = conn->Run({"SELECT", absl::StrCat(endpoint.db)});
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) {
      return absl::InvalidArgumentError(
          absl::StrCat("redis ", endpoint.ToSafeString(), ": SELECT failed: ", reply->str()));
    }
  }
  return conn;
}

absl::Status RedisConnection::IoError(absl::string_view during) {
  broken_ = true;
  return absl::UnavailableError(
      absl::StrCat("redis ", during, ": ", ctx_->errstr[0] ? ctx_->errstr : "I/O error"));
}

absl::StatusOr<RedisReply> RedisConnection::Run(const RedisCommand& command) {
  if (auto status = Append(command); !status.ok()) return status;
  if (auto status = Flush(); !status.ok()) return status;
  return ReadReply();
}

absl::Status RedisConnection::Append(const RedisCommand& command) {
  if (broken_) return absl::UnavailableError("redis: connection is broken");
  argv_.clear();
  argvlen_.clear();
  for (const auto& arg : command) {
    argv_.push_back(arg.data());
    argvlen_.push_back(arg.size());
  }
  if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv_.size()), argv_.data(),
                             argvlen_.data()) != REDIS_OK) {
    return IoError("append");
  }
  return absl::OkStatus();
}

absl::Status RedisConnection::Flush() {
  if (broken_) return absl::UnavailableError("redis: connection is broken");
  int done = 0;
  while (!done) {
    if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) return IoError("write");
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisConnection::ReadReply() {
  if (broken_) return absl::UnavailableError("redis: connection is broken");
  void* raw = nullptr;
  if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) return IoError("read");
  return RedisReply(static_cast<redisReply*>(raw));
}

absl::StatusOr<std::optional<RedisReply>> RedisConnection::PollReply() {
  return WaitReply(absl::ZeroDuration());
}

absl::StatusOr<std::optional<RedisReply>> RedisConnection::WaitReply(absl::Duration wait) {
  if (broken_) return absl::UnavailableError("redis: connection is broken");
  void* raw = nullptr;
  if (redisGetReplyFromReader(ctx_.get(), &raw) != REDIS_OK) return IoError("read");
  if (raw == nullptr) {
    pollfd pfd{ctx_->fd, POLLIN, 0};
    const int timeout_ms =
        static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(wait), 0, int64_t{60000}));
    const int ready = poll(&pfd, 1, timeout_ms);
    if (ready < 0) return IoError("poll");
    if (ready == 0) return std::optional<RedisReply>();
    // Readable: one read() of what has arrived (EOF is an error).
    if (redisBufferRead(ctx_.get()) != REDIS_OK) return IoError("read");
    if (redisGetReplyFromReader(ctx_.get(), &raw) != REDIS_OK) return IoError("read");
    if (raw == nullptr) return std::optional<RedisReply>();
  }
  return std::optional<RedisReply>(RedisReply(static_cast<redisReply*>(raw)));
}

ConnectionFactory EndpointConnectionFactory(RedisEndpoint endpoint, absl::Duration connect_timeout,
                                            absl::Duration io_timeout) {
  return [endpoint = std::move(endpoint), connect_timeout,
          io_timeout]() -> absl::StatusOr<std::unique_ptr<Connection>> {
    auto conn = RedisConnection::Connect(endpoint, connect_timeout, io_timeout);
    if (!conn.ok()) return conn.status();
    return std::unique_ptr<Connection>(*std::move(conn));
  };
}

}  // namespace omnigate::redis
