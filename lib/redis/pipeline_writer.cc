#include "lib/redis/pipeline_writer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/common/log.h"
#include "lib/redis/reply_builder.h"
#include "openssl/sha.h"

namespace omnigate::redis {

RedisPipelineWriter::RedisPipelineWriter(PipelineWriterOptions options, PipelineObserver* observer)
    : options_(std::move(options)), observer_(observer) {
  const int lanes = std::max(1, options_.lanes);
  for (int i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<Lane>());
}

RedisPipelineWriter::~RedisPipelineWriter() { Shutdown(); }

std::string RedisPipelineWriter::ScriptSha(const std::string& script) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(script.data()), script.size(), digest);
  return HexEncode(absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

void RedisPipelineWriter::Start() {
  if (started_) return;
  started_ = true;
  for (auto& lane : lanes_) {
    Lane* l = lane.get();
    l->thread = std::thread([this, l] { Run(l); });
  }
}

void RedisPipelineWriter::Submit(size_t lane_index, std::vector<RedisCommand> commands, Done done) {
  if (commands.empty()) {
    done(Replies{});
    return;
  }
  Lane* lane = lanes_[lane_index % lanes_.size()].get();
  absl::Status reject;
  {
    std::lock_guard<std::mutex> lock(lane->mu);
    if (stopping_.load()) {
      reject = absl::UnavailableError("redis writer is shutting down");
    } else if (!lane->connected) {
      reject = absl::UnavailableError("redis unavailable");
    } else if (lane->pending_commands + commands.size() > options_.max_pending_commands_per_lane) {
      reject = absl::ResourceExhaustedError("redis write queue full: shedding load");
    } else {
      lane->pending_commands += commands.size();
      lane->pending.push_back(Job{std::move(commands), std::move(done)});
    }
  }
  if (!reject.ok()) {
    done(reject);
    return;
  }
  lane->cv.notify_one();
}

void RedisPipelineWriter::Shutdown() {
  if (stopping_.exchange(true)) return;
  for (auto& lane : lanes_) {
    std::lock_guard<std::mutex> lock(lane->mu);
    lane->cv.notify_all();
  }
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
    FailPending(lane.get(), absl::UnavailableError("redis writer stopped"));
  }
}

void RedisPipelineWriter::SetConnected(Lane* lane, bool connected) {
  {
    std::lock_guard<std::mutex> lock(lane->mu);
    if (lane->connected == connected) return;
    lane->connected = connected;
  }
  const int now = connected_lanes_.fetch_add(connected ? 1 : -1) + (connected ? 1 : -1);
  if (observer_ != nullptr) observer_->OnLanesConnected(now, lanes());
}

absl::Status RedisPipelineWriter::LoadScripts(RedisConnection* conn) {
  for (const auto& script : options_.scripts) {
    auto reply = conn->Run({"SCRIPT", "LOAD", script});
    if (!reply.ok()) return reply.status();
    if (reply->is_error())
      return absl::InternalError(absl::StrCat("redis SCRIPT LOAD: ", reply->str()));
  }
  return absl::OkStatus();
}

bool RedisPipelineWriter::EnsureConnected(Lane* lane, absl::Duration* backoff) {
  if (lane->conn != nullptr && !lane->conn->broken()) return true;
  lane->conn.reset();
  auto conn = RedisConnection::Connect(options_.endpoint, options_.connect_timeout,
                                       IoTimeoutFor(options_.io_timeout, options_.replica_wait));
  absl::Status status = conn.ok() ? LoadScripts(conn->get()) : conn.status();
  if (status.ok()) {
    lane->conn = *std::move(conn);
    *backoff = options_.reconnect_min_backoff;
    SetConnected(lane, true);
    OG_LOG(INFO) << "redis connected: " << options_.endpoint.ToSafeString();
    return true;
  }
  SetConnected(lane, false);
  if (observer_ != nullptr) observer_->OnReconnectFailed();
  OG_LOG(WARNING) << "redis connect failed, retrying in " << absl::FormatDuration(*backoff) << ": "
                  << status.message();
  FailPending(lane, absl::UnavailableError(absl::StrCat("redis unavailable: ", status.message())));
  std::unique_lock<std::mutex> lock(lane->mu);
  lane->cv.wait_for(lock, absl::ToChronoMilliseconds(*backoff),
                    [this] { return stopping_.load(); });
  *backoff = std::min(*backoff * 2, options_.reconnect_max_backoff);
  return false;
}

void RedisPipelineWriter::FailPending(Lane* lane, const absl::Status& status) {
  std::deque<Job> failed;
  {
    std::lock_guard<std::mutex> lock(lane->mu);
    failed.swap(lane->pending);
    lane->pending_commands = 0;
  }
  for (auto& job : failed) job.done(status);
}

void RedisPipelineWriter::Run(Lane* lane) {
  absl::Duration backoff = options_.reconnect_min_backoff;
  std::vector<Job> batch;
  while (true) {
    if (!EnsureConnected(lane, &backoff)) {
      if (stopping_.load()) return;
      continue;
    }
    batch.clear();
    {
      std::unique_lock<std::mutex> lock(lane->mu);
      lane->cv.wait(lock, [&] { return !lane->pending.empty() || stopping_.load(); });
      if (lane->pending.empty()) return;  // stopping and drained
      size_t commands = 0;
      while (!lane->pending.empty() &&
             (batch.empty() ||
              commands + lane->pending.front().commands.size() <= options_.max_batch_commands)) {
        commands += lane->pending.front().commands.size();
        batch.push_back(std::move(lane->pending.front()));
        lane->pending.pop_front();
      }
      lane->pending_commands -= commands;
    }
    WriteBatch(lane, batch);
    if (lane->conn == nullptr || lane->conn->broken()) SetConnected(lane, false);
  }
}

void RedisPipelineWriter::WriteBatch(Lane* lane, std::vector<Job>& batch) {
  RedisConnection* conn = lane->conn.get();
  const absl::Time start = absl::Now();
  std::vector<RedisCommand*> submitted;
  for (Job& job : batch) {
    for (RedisCommand& cmd : job.commands) submitted.push_back(&cmd);
  }
  // What goes on the wire: the submitted commands themselves, or what the
  // folder made of them.
  std::vector<RedisCommand> folded;
  std::vector<BatchFolder::Answer> answers;
  std::vector<RedisCommand*> written;
  if (options_.folder != nullptr) {
    folded = options_.folder->Fold(submitted, &answers);
    for (RedisCommand& cmd : folded) written.push_back(&cmd);
  } else {
    written = submitted;
    answers.resize(submitted.size());
    for (size_t i = 0; i < submitted.size(); ++i) answers[i].written = i;
  }

  absl::Status status;
  for (const RedisCommand* cmd : written) {
    status = conn->Append(*cmd);
    if (!status.ok()) break;
  }
  // One WAIT per flushed pipeline confirms every write above at once.
  const ReplicaWait& wait = options_.replica_wait;
  if (status.ok() && wait.enabled()) status = AppendWait(*conn, wait);
  if (status.ok()) status = conn->Flush();

  Replies replies;
  replies.reserve(written.size());
  std::vector<size_t> noscript;  // written commands to retry
  for (size_t w = 0; w < written.size() && status.ok(); ++w) {
    auto reply = conn->ReadReply();
    if (!reply.ok()) {
      status = reply.status();
      break;
    }
    if (reply->is_error() && absl::StartsWith(reply->str(), "NOSCRIPT")) noscript.push_back(w);
    replies.push_back(*std::move(reply));
  }
  absl::Status replicated;
  absl::Time wait_start = absl::Now();
  if (status.ok() && wait.enabled()) {
    auto waited = ReadWaitReply(*conn);
    if (waited.ok()) replicated = CheckWaitReply(*waited, wait);
    status = waited.status();
  }
  // Scripts vanish on SCRIPT FLUSH or a Redis restart that kept the
  // connection: reload and retry those commands once.
  if (status.ok() && !noscript.empty()) {
    status = LoadScripts(conn);
    for (size_t w : noscript) {
      if (!status.ok()) break;
      auto reply = conn->Run(*written[w]);
      if (!reply.ok()) {
        status = reply.status();
        break;
      }
      replies[w] = *std::move(reply);
    }
    // The retried commands ran after the WAIT: confirm them too.
    if (status.ok() && wait.enabled() && replicated.ok()) {
      wait_start = absl::Now();
      auto waited = conn->Run(WaitCommand(wait));
      if (waited.ok()) replicated = CheckWaitReply(*waited, wait);
      status = waited.status();
    }
  }
  if (observer_ != nullptr && status.ok() && wait.enabled()) {
    observer_->OnReplicaWait(absl::Now() - wait_start, replicated.ok());
  }
  if (observer_ != nullptr && status.ok()) {
    observer_->OnRoundTrip(absl::Now() - start, submitted.size());
  }
  if (!status.ok()) {
    OG_LOG(WARNING) << "redis pipeline of " << written.size()
                    << " commands failed: " << status.message();
    const absl::Status unknown = absl::UnavailableError(
        absl::StrCat("redis write failed (outcome unknown): ", status.message()));
    for (Job& job : batch) job.done(unknown);
    return;
  }
  if (!replicated.ok()) {
    OG_LOG(WARNING) << "redis pipeline of " << written.size()
                    << " commands not acknowledged: " << replicated.message();
    for (Job& job : batch) job.done(replicated);
    return;
  }
  size_t next = 0;
  for (Job& job : batch) {
    Replies mine;
    mine.reserve(job.commands.size());
    for (size_t c = 0; c < job.commands.size(); ++c) {
      mine.push_back(AnswerOf(answers[next++], replies));
    }
    job.done(std::move(mine));
  }
}

RedisReply RedisPipelineWriter::AnswerOf(const BatchFolder::Answer& answer, Replies& replies) {
  if (answer.written >= replies.size()) return ErrorReply("ERR no reply for a folded command");
  RedisReply& reply = replies[answer.written];
  if (answer.element < 0) return std::move(reply);
  // A folded command answered as a whole (an error such as OOM or BUSY, or
  // a malformed answer) answers each of its parts the same way.
  const size_t element = static_cast<size_t>(answer.element);
  if (reply.is_error()) return ErrorReply(reply.str());
  if (element >= reply.size()) return ErrorReply("ERR folded reply has too few elements");
  return reply.TakeElement(element);
}

}  // namespace omnigate::redis
