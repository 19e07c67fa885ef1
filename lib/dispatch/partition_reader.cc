#include "lib/dispatch/partition_reader.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/dispatch/scripts.h"
#include "lib/dispatch/stream_connector.h"
#include "lib/queue/keys.h"

namespace omnigate::dispatch {
namespace {

// Reads shorter than this are not worth a round trip: the lease is about to
// end and the worker stops.
constexpr absl::Duration kMinBlock = absl::Milliseconds(2);

const redisReply* FieldValue(const redisReply* fields, absl::string_view name) {
  if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY) return nullptr;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    if (redis::ElementStr(fields->element[i]) == name) return fields->element[i + 1];
  }
  return nullptr;
}

}  // namespace

PartitionReader::PartitionReader(ReaderOptions options, redis::ConnectionFactory connect,
                                 DispatchMetrics* metrics,
                                 std::function<absl::Duration()> lease_remaining,
                                 EntryFilter filter, EntrySink sink)
    : options_(std::move(options)),
      connect_(std::move(connect)),
      metrics_(metrics),
      lease_remaining_(std::move(lease_remaining)),
      filter_(std::move(filter)),
      sink_(std::move(sink)),
      read_script_(kFencedReadScript),
      claim_script_(kFencedClaimScript) {}

redis::ConnectionFactory PartitionReader::ConnectionFor(const redis::RedisEndpoint& endpoint,
                                                        absl::Duration idle_block) {
  return redis::EndpointConnectionFactory(endpoint, absl::Seconds(1),
                                          idle_block + absl::Seconds(5));
}

PartitionReader::~PartitionReader() { Stop(); }

void PartitionReader::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PartitionReader::Grant(size_t entries) {
  if (entries == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  credits_ += entries;
  cv_.notify_all();
}

void PartitionReader::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool PartitionReader::Pause(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stop_; });
  return !stop_;
}

bool PartitionReader::Connected() {
  if (conn_ != nullptr && !conn_->broken()) return true;
  conn_.reset();
  setup_done_ = false;
  auto conn = connect_();
  if (!conn.ok()) {
    metrics_->RedisError();
    return false;
  }
  conn_ = *std::move(conn);
  return true;
}

absl::StatusOr<redis::RedisReply> PartitionReader::RunFenced(const redis::RedisScript& script,
                                                             std::vector<std::string> args) {
  std::vector<std::string> fixed = {options_.lease_owner, options_.group, options_.consumer};
  fixed.insert(fixed.end(), std::make_move_iterator(args.begin()),
               std::make_move_iterator(args.end()));
  return script.Run(*conn_, {options_.lease_key, options_.stream_key}, fixed);
}

absl::Status PartitionReader::Setup() {
  auto created =
      conn_->Run({"XGROUP", "CREATE", options_.stream_key, options_.group, "0", "MKSTREAM"});
  if (!created.ok()) return created.status();
  if (created->is_error() && !absl::StartsWith(created->str(), "BUSYGROUP"))
    return absl::InternalError(absl::StrCat("XGROUP CREATE: ", created->str()));
  // Take over what any earlier consumer of this group left unacknowledged:
  // the lease says nobody else works on this partition now.
  std::string cursor = "0-0";
  do {
    auto claimed = RunFenced(claim_script_, {cursor});
    if (!claimed.ok()) return claimed.status();
    if (IsNodeChangeReply(*claimed)) return NodeChanged(*claimed);
    if (claimed->is_error()) {
      return absl::FailedPreconditionError(absl::StrCat("XAUTOCLAIM: ", claimed->str()));
    }
    cursor = std::string(claimed->str());
  } while (cursor != "0-0" && !cursor.empty());
  // Where the group stands: new entries are those after it.
  auto groups = conn_->Run({"XINFO", "GROUPS", options_.stream_key});
  if (!groups.ok()) return groups.status();
  last_id_.clear();
  for (size_t g = 0; g < groups->size(); ++g) {
    const redisReply* info = groups->element(g);
    if (info == nullptr || info->type != REDIS_REPLY_ARRAY) continue;
    std::string name, last;
    for (size_t i = 0; i + 1 < info->elements; i += 2) {
      const absl::string_view field = redis::ElementStr(info->element[i]);
      if (field == "name") name = std::string(redis::ElementStr(info->element[i + 1]));
      if (field == "last-delivered-id") last = std::string(redis::ElementStr(info->element[i + 1]));
    }
    if (name == options_.group) last_id_ = last;
  }
  if (last_id_.empty()) return absl::InternalError("XINFO GROUPS: our group is missing");
  history_done_ = false;
  history_cursor_ = "0";
  caught_up_ = false;
  setup_done_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<redis::RedisReply>> PartitionReader::RunWithAcks(
    const std::vector<redis::RedisCommand>& commands) {
  // Entries turned away by the filter are acknowledged in this round trip.
  // An XACK sent twice (a reply lost with the connection) is harmless.
  const bool acking = !acks_.empty();
  absl::Status sent;
  if (acking) {
    redis::RedisCommand ack = {"XACK", options_.stream_key, options_.group};
    ack.insert(ack.end(), acks_.begin(), acks_.end());
    sent = conn_->Append(ack);
  }
  for (const redis::RedisCommand& command : commands) {
    if (sent.ok()) sent = conn_->Append(command);
  }
  if (sent.ok()) sent = conn_->Flush();
  if (!sent.ok()) return sent;
  if (acking) {
    auto acked = conn_->ReadReply();
    if (!acked.ok()) return acked.status();
    if (acked->is_error()) {
      metrics_->RedisError();  // kept: sent again with the next read
    } else {
      acks_.clear();
    }
  }
  std::vector<redis::RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    auto reply = conn_->ReadReply();
    if (!reply.ok()) return reply.status();
    replies.push_back(*std::move(reply));
  }
  return replies;
}

absl::Status PartitionReader::Read(size_t count) {
  if (!history_done_) {
    // Our own pending list: reading it takes nothing from anyone.
    auto replies =
        RunWithAcks({{"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT",
                      absl::StrCat(count), "STREAMS", options_.stream_key, history_cursor_}});
    if (!replies.ok()) return replies.status();
    const redis::RedisReply& reply = replies->front();
    if (IsNodeChangeReply(reply)) return NodeChanged(reply);
    if (reply.is_error()) {
      setup_done_ = false;  // NOGROUP: the stream or group was deleted under us
      return absl::InternalError(absl::StrCat("XREADGROUP: ", reply.str()));
    }
    if (Deliver(reply, /*history=*/true) == 0) history_done_ = true;
    return absl::OkStatus();
  }
  std::vector<redis::RedisCommand> commands;
  if (caught_up_) {
    // Wait for entries after the group's position without taking them. The
    // fenced read is pipelined behind the wait: Redis runs it as soon as the
    // wait ends, so a new entry costs one round trip and one wake-up.
    const absl::Duration block = std::min(options_.idle_block, lease_remaining_() - kMinBlock);
    if (block < kMinBlock) return absl::OkStatus();  // the worker is about to stop
    commands.push_back({"XREAD", "COUNT", "1", "BLOCK",
                        absl::StrCat(absl::ToInt64Milliseconds(block)), "STREAMS",
                        options_.stream_key, last_id_});
  }
  const std::vector<std::string> keys = {options_.lease_key, options_.stream_key};
  const std::vector<std::string> args = {options_.lease_owner, options_.group, options_.consumer,
                                         absl::StrCat(count)};
  commands.push_back(read_script_.EvalShaCommand(keys, args));
  auto replies = RunWithAcks(commands);
  if (!replies.ok()) return replies.status();
  for (const redis::RedisReply& r : *replies) {
    if (IsNodeChangeReply(r)) return NodeChanged(r);
  }
  // The first entry after our position, when we waited: if the read finds
  // nothing (someone else's entries), waiting resumes after it instead of
  // spinning.
  std::string waited_for;
  if (caught_up_) {
    const redis::RedisReply& waited = replies->front();
    if (waited.is_error()) return absl::InternalError(absl::StrCat("XREAD: ", waited.str()));
    const redisReply* stream = waited.element(0);
    if (stream != nullptr && stream->type == REDIS_REPLY_ARRAY && stream->elements == 2 &&
        stream->element[1]->type == REDIS_REPLY_ARRAY && stream->element[1]->elements > 0) {
      waited_for = std::string(redis::ElementStr(stream->element[1]->element[0]->element[0]));
    }
  }
  redis::RedisReply reply = std::move(replies->back());
  if (reply.is_error() && absl::StartsWith(reply.str(), "NOSCRIPT")) {
    auto loaded = RunFenced(read_script_, {absl::StrCat(count)});  // EVAL loads it
    if (!loaded.ok()) return loaded.status();
    reply = *std::move(loaded);
  }
  if (reply.is_error()) {
    if (absl::StartsWith(reply.str(), "NOTOWNER")) {
      return absl::FailedPreconditionError("the partition lease moved to another replica");
    }
    setup_done_ = false;  // NOGROUP: the stream or group was deleted under us
    return absl::InternalError(absl::StrCat("XREADGROUP: ", reply.str()));
  }
  const size_t read = Deliver(reply, /*history=*/false);
  caught_up_ = read < count;
  if (read == 0 && !waited_for.empty()) last_id_ = waited_for;
  return absl::OkStatus();
}

absl::Status PartitionReader::NodeChanged(const redis::RedisReply& reply) {
  // The stream moved (failover, slot migration) or the cluster is changing:
  // a new connection asks the cluster where the stream lives now.
  conn_.reset();
  setup_done_ = false;
  return absl::UnavailableError(absl::StrCat("the partition's node changed: ", reply.str()));
}

size_t PartitionReader::Deliver(const redis::RedisReply& reply, bool history) {
  std::vector<StreamEntry> entries;
  size_t read = 0;
  for (size_t s = 0; s < reply.size(); ++s) {
    const redisReply* stream = reply.element(s);
    if (stream == nullptr || stream->type != REDIS_REPLY_ARRAY || stream->elements != 2) continue;
    const redisReply* list = stream->element[1];
    if (list == nullptr || list->type != REDIS_REPLY_ARRAY) continue;
    for (size_t i = 0; i < list->elements; ++i) {
      const redisReply* e = list->element[i];
      if (e == nullptr || e->type != REDIS_REPLY_ARRAY || e->elements != 2) continue;
      ++read;
      StreamEntry entry;
      entry.id = std::string(redis::ElementStr(e->element[0]));
      entry.redelivered = history;
      if (history) {
        history_cursor_ = entry.id;
      } else {
        last_id_ = entry.id;
      }
      const redisReply* fields = e->element[1];
      EntryFields view;
      view.event = FieldValue(fields, queue::kEventField);
      view.mode = redis::ElementStr(FieldValue(fields, queue::kModeField));
      view.target_sink = redis::ElementStr(FieldValue(fields, queue::kTargetSinkField));
      view.outbound_event_id = redis::ElementStr(FieldValue(fields, queue::kOutboundEventIdField));
      if (filter_(view, &entry)) {
        entries.push_back(std::move(entry));
      } else {
        acks_.push_back(std::move(entry.id));
      }
    }
  }
  if (!entries.empty()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      credits_ -= std::min(credits_, entries.size());
    }
    sink_(std::move(entries));
  }
  return read;
}

void PartitionReader::Run() {
  pthread_setname_np(pthread_self(), "og-reader");  // per-thread CPU in benchmarks
  while (true) {
    size_t count = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || credits_ > 0; });
      if (stop_) break;
      count = std::min<size_t>(credits_, static_cast<size_t>(options_.read_count));
    }
    if (lease_remaining_() <= kMinBlock) {
      // The lease ran out locally: read nothing more; the worker stops us.
      if (!Pause(absl::Milliseconds(20))) break;
      continue;
    }
    bool ready = Connected();
    if (ready && !setup_done_) {
      if (absl::Status setup = Setup(); !setup.ok()) {
        if (!absl::IsFailedPrecondition(setup)) {
          OG_LOG(WARNING) << options_.stream_key << " group " << options_.group
                          << ": setup failed: " << setup.message();
          metrics_->RedisError();
        }
        conn_.reset();
        ready = false;
      }
    }
    if (!ready) {
      if (!Pause(backoff_)) break;
      backoff_ = std::min(backoff_ * 2, absl::Seconds(1));
      continue;
    }
    if (absl::Status read = Read(count); !read.ok()) {
      if (absl::IsFailedPrecondition(read)) {
        // The lease moved on: read nothing more; the worker stops us.
        if (!Pause(absl::Milliseconds(20))) break;
        continue;
      }
      metrics_->RedisError();
      OG_LOG(WARNING) << options_.stream_key << " group " << options_.group
                      << ": read failed: " << read.message();
      if (!Pause(backoff_)) break;
      backoff_ = std::min(backoff_ * 2, absl::Seconds(1));
      continue;
    }
    backoff_ = absl::Milliseconds(50);
  }
  // What the filter turned away since the last read.
  if (!acks_.empty() && conn_ != nullptr && !conn_->broken()) {
    redis::RedisCommand ack = {"XACK", options_.stream_key, options_.group};
    ack.insert(ack.end(), acks_.begin(), acks_.end());
    (void)conn_->Run(ack);  // if lost, the next owner turns them away again
  }
}

}  // namespace omnigate::dispatch
