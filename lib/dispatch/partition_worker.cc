#include "lib/dispatch/partition_worker.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/dispatch/dead_letter_scripts.h"
#include "lib/queue/keys.h"

namespace omnigate::dispatch {
namespace {

using omnigate::v1::DeliverRequest;
using omnigate::v1::Event;

// How long to wait for completions between polls while calls are in flight:
// short, because the next event of a conversation waits for this ack.
constexpr absl::Duration kBusyPoll = absl::Milliseconds(2);
// Acks gathered while no read happens that are sent on their own.
constexpr size_t kAcksWithoutRead = 64;
constexpr size_t kMaxAcksPerCommand = 1000;

// The value of field `name` of a stream entry, or null when absent.
const redisReply* FieldValue(const redisReply* fields, absl::string_view name) {
  if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY) return nullptr;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    if (redis::ElementStr(fields->element[i]) == name) return fields->element[i + 1];
  }
  return nullptr;
}

absl::string_view Field(const redisReply* fields, absl::string_view name) {
  return redis::ElementStr(FieldValue(fields, name));
}

}  // namespace

PartitionWorker::PartitionWorker(WorkerOptions options, WorkerDeps deps)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      backoff_(options_.backoff_initial, options_.backoff_max),
      stream_key_(queue::StreamKey(options_.partition)),
      dead_letter_key_(queue::DeadLetterKey(options_.partition)),
      dead_letter_script_(kDeadLetterScript) {}

PartitionWorker::~PartitionWorker() {
  RequestStop();
  Join();
}

void PartitionWorker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PartitionWorker::RequestStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  cv_.notify_all();
}

bool PartitionWorker::finished() const {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_;
}

void PartitionWorker::Join() {
  if (thread_.joinable()) thread_.join();
}

bool PartitionWorker::Connected() {
  if (conn_ != nullptr && !conn_->broken()) return true;
  conn_.reset();
  setup_done_ = false;
  auto conn = redis::RedisConnection::Connect(deps_.endpoint, absl::Seconds(1), absl::Seconds(5));
  if (!conn.ok()) {
    deps_.metrics->RedisError();
    return false;
  }
  conn_ = *std::move(conn);
  reconnect_backoff_ = absl::Milliseconds(50);
  return true;
}

absl::Status PartitionWorker::Setup() {
  auto created = conn_->Run({"XGROUP", "CREATE", stream_key_, options_.sink, "0", "MKSTREAM"});
  if (!created.ok()) return created.status();
  if (created->is_error() && !absl::StartsWith(created->str(), "BUSYGROUP"))
    return absl::InternalError(absl::StrCat("XGROUP CREATE: ", created->str()));
  // Take over what any earlier consumer of this group left unacknowledged:
  // the lease says nobody else works on this partition now.
  std::string cursor = "0-0";
  do {
    auto claimed = conn_->Run({"XAUTOCLAIM", stream_key_, options_.sink, options_.consumer, "0",
                               cursor, "COUNT", "1000", "JUSTID"});
    if (!claimed.ok()) return claimed.status();
    if (!claimed->is_array() || claimed->size() < 2)
      return absl::InternalError(absl::StrCat("XAUTOCLAIM: ", claimed->str()));
    cursor = std::string(redis::ElementStr(claimed->element(0)));
  } while (cursor != "0-0");
  // Read our pending list again on every (re)connect: an XREADGROUP whose
  // reply was lost with the connection left entries pending for us that we
  // never saw. Entries we already hold are skipped (held_).
  history_done_ = false;
  history_cursor_ = "0";
  setup_done_ = true;
  return absl::OkStatus();
}

void PartitionWorker::Accept(const redisReply* entry, bool history) {
  if (entry == nullptr || entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) return;
  const std::string id(redis::ElementStr(entry->element[0]));
  const redisReply* fields = entry->element[1];
  if (history) history_cursor_ = id;
  if (held_.contains(id)) return;  // re-read after a reconnect: already ours
  const redisReply* event_value = FieldValue(fields, queue::kEventField);
  if (event_value == nullptr) {
    // Trimmed away (MAXLEN) while pending, or not ours: nothing to deliver.
    acks_.push_back(id);
    held_.insert(id);
    return;
  }
  if (history) deps_.metrics->Redelivered(options_.sink, 1);
  Pending pending;
  pending.entry_id = id;
  const absl::string_view bytes = redis::ElementStr(event_value);
  if (!pending.event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    // Cannot be delivered to anyone: keep it as a dead letter, raw.
    grpc::Status bad(grpc::StatusCode::DATA_LOSS, "entry is not an omnigate.v1.Event");
    if (!DeadLetter(pending, bad, 0).ok()) {  // never block on it
      acks_.push_back(id);
      held_.insert(id);
    }
    return;
  }
  const routing::RouteDecision decision = deps_.router->Route(
      pending.event, Field(fields, queue::kModeField), Field(fields, queue::kTargetSinkField));
  if (std::find(decision.sinks.begin(), decision.sinks.end(), options_.sink) ==
      decision.sinks.end()) {
    acks_.push_back(id);
    held_.insert(id);
    deps_.metrics->Events(options_.sink, EventOutcome::kRoutedElsewhere, 1);
    return;
  }
  auto& attributes = *pending.event.mutable_attributes();
  if (!decision.priority.empty())
    attributes[std::string(routing::kPriorityAttribute)] = decision.priority;
  if (!decision.skill.empty()) attributes[std::string(routing::kSkillAttribute)] = decision.skill;
  if (!decision.rule.empty()) attributes[std::string(routing::kRuleAttribute)] = decision.rule;
  held_.insert(id);
  Conversation& conv = conversations_[pending.event.conversation_key()];
  conv.queue.push_back(std::move(pending));
  ++buffered_;
  deps_.metrics->AddBuffered(options_.sink, 1);
}

absl::Status PartitionWorker::Read(bool history, absl::Duration block) {
  const size_t room = static_cast<size_t>(options_.max_buffered) -
                      std::min<size_t>(buffered_, options_.max_buffered);
  if (room == 0) return absl::OkStatus();
  const size_t count = std::min<size_t>(room, static_cast<size_t>(options_.read_count));
  redis::RedisCommand command = {"XREADGROUP",      "GROUP", options_.sink,
                                 options_.consumer, "COUNT", absl::StrCat(count)};
  if (!history && block > absl::ZeroDuration()) {
    command.push_back("BLOCK");
    command.push_back(absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(block))));
  }
  command.push_back("STREAMS");
  command.push_back(stream_key_);
  command.push_back(history ? history_cursor_ : ">");
  // Acknowledgements ride in the read's round trip: at low rates one round
  // trip (and its thread wake-ups) per message instead of two.
  const std::vector<redis::RedisCommand> acks = AckCommands();
  absl::Status sent;
  for (const redis::RedisCommand& ack : acks) {
    if (sent.ok()) sent = conn_->Append(ack);
  }
  if (sent.ok()) sent = conn_->Append(command);
  if (sent.ok()) sent = conn_->Flush();
  if (!sent.ok()) return sent;
  size_t acked = 0;
  bool ack_refused = false;
  for (const redis::RedisCommand& ack : acks) {
    auto reply = conn_->ReadReply();
    if (!reply.ok()) {
      Acknowledged(acked);
      return reply.status();
    }
    ack_refused = ack_refused || reply->is_error();
    if (!ack_refused) acked += ack.size() - 3;  // the rest stays for the next pass
  }
  if (ack_refused) deps_.metrics->RedisError();
  if (!acks.empty()) Acknowledged(acked);
  auto reply = conn_->ReadReply();
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    // NOGROUP: the stream or group was deleted under us; set up again.
    setup_done_ = false;
    return absl::InternalError(absl::StrCat("XREADGROUP: ", reply->str()));
  }
  size_t entries = 0;
  if (reply->is_array()) {
    for (size_t s = 0; s < reply->size(); ++s) {
      const redisReply* stream = reply->element(s);
      if (stream == nullptr || stream->type != REDIS_REPLY_ARRAY || stream->elements != 2) continue;
      const redisReply* list = stream->element[1];
      if (list == nullptr || list->type != REDIS_REPLY_ARRAY) continue;
      entries += list->elements;
      for (size_t i = 0; i < list->elements; ++i) Accept(list->element[i], history);
    }
  }
  if (history && entries == 0) history_done_ = true;
  return absl::OkStatus();
}

bool PartitionWorker::Dispatch() {
  const absl::Time now = absl::Now();
  auto request = std::make_shared<DeliverRequest>();
  std::vector<std::pair<std::string, size_t>> parts;
  int attempt = 1;
  auto flush = [&]() {
    if (parts.empty()) return;
    Send(std::move(parts), std::move(request), attempt);
    request = std::make_shared<DeliverRequest>();
    parts.clear();
    attempt = 1;
  };
  bool have_permit = false;
  bool starved = false;
  for (auto& [key, conv] : conversations_) {
    if (conv.in_flight > 0 || conv.queue.empty() || conv.dead_letter.has_value() ||
        conv.retry_at > now) {
      continue;
    }
    if (!have_permit) {
      if (!deps_.limiter->TryAcquire()) {  // the sink is saturated: wait
        starved = true;
        break;
      }
      have_permit = true;
    }
    const bool isolate = conv.isolate_remaining > 0;
    if (isolate && !parts.empty()) {
      // A suspect event travels alone so a refusal names it.
      flush();
      if (!deps_.limiter->TryAcquire()) {
        have_permit = false;
        starved = true;
        break;
      }
    }
    const size_t room = static_cast<size_t>(options_.batch_events) - request->events_size();
    const size_t n = isolate ? 1 : std::min(conv.queue.size(), room);
    for (size_t i = 0; i < n; ++i) {
      *request->add_events() = conv.queue[i].event;
      attempt = std::max(attempt, conv.queue[i].attempts + 1);
    }
    conv.in_flight = n;
    parts.emplace_back(key, n);
    if (isolate || request->events_size() >= options_.batch_events) {
      flush();
      have_permit = false;
    }
  }
  if (!parts.empty()) {
    flush();
  } else if (have_permit) {
    deps_.limiter->Release();
  }
  return starved;
}

void PartitionWorker::Send(std::vector<std::pair<std::string, size_t>> parts,
                           std::shared_ptr<DeliverRequest> request, int attempt) {
  request->set_partition(options_.partition);
  request->set_sink(options_.sink);
  request->set_attempt(static_cast<uint32_t>(attempt));
  const size_t events = static_cast<size_t>(request->events_size());
  ++calls_in_flight_;
  deps_.metrics->AddInFlight(options_.sink, 1);
  const absl::Time started = absl::Now();
  deps_.sink->Deliver(
      std::move(request), options_.deliver_timeout,
      [this, parts = std::move(parts), started, events](grpc::Status status) {
        deps_.limiter->Release();
        std::lock_guard<std::mutex> lock(mu_);
        completions_.push_back(Completion{std::move(parts), std::move(status), started, events});
        cv_.notify_all();
      });
}

bool PartitionWorker::TakeCompletions(std::vector<Completion>* out, absl::Duration wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (completions_.empty() && wait > absl::ZeroDuration() && !stop_) {
    cv_.wait_for(lock, absl::ToChronoNanoseconds(wait));
  }
  out->swap(completions_);
  completions_.clear();
  return stop_;
}

void PartitionWorker::Complete(Completion& c) {
  --calls_in_flight_;
  deps_.metrics->AddInFlight(options_.sink, -1);
  deps_.metrics->Call(options_.sink, c.status.error_code(), absl::Now() - c.started, c.events);
  const int64_t now_ms = deps_.clock->NowMs();
  const bool alone = c.parts.size() == 1 && c.parts[0].second == 1;
  const FailureAction action = ActionFor(c.status.error_code());
  for (auto& [key, n] : c.parts) {
    auto it = conversations_.find(key);
    if (it == conversations_.end()) continue;
    Conversation& conv = it->second;
    conv.in_flight = 0;
    if (c.status.ok()) {
      for (size_t i = 0; i < n && !conv.queue.empty(); ++i) {
        const Pending& p = conv.queue.front();
        acks_.push_back(p.entry_id);
        deps_.metrics->DeliveryLatency(options_.sink,
                                       absl::Milliseconds(now_ms - p.event.received_at_ms()));
        conv.queue.pop_front();
      }
      buffered_ -= n;
      deps_.metrics->AddBuffered(options_.sink, -static_cast<double>(n));
      deps_.metrics->Events(options_.sink, EventOutcome::kDelivered, static_cast<double>(n));
      conv.isolate_remaining -= std::min(conv.isolate_remaining, n);
      conv.retry_at = absl::InfinitePast();
      continue;
    }
    for (size_t i = 0; i < n && i < conv.queue.size(); ++i) ++conv.queue[i].attempts;
    const int attempts = conv.queue.empty() ? 0 : conv.queue.front().attempts;
    if (alone && (action == FailureAction::kDeadLetter || attempts >= options_.max_attempts)) {
      if (!conv.dead_letter.has_value()) ++dead_letters_due_;
      conv.dead_letter = c.status;
      continue;
    }
    conv.isolate_remaining = std::max(conv.isolate_remaining, n);
    if (action == FailureAction::kDeadLetter) {
      conv.retry_at = absl::InfinitePast();  // resend alone at once to find the culprit
      continue;
    }
    deps_.metrics->Retry(options_.sink);
    conv.retry_at = absl::Now() + backoff_.Delay(attempts, rng_);
  }
  if (!c.status.ok()) {
    OG_LOG(DEBUG) << "deliver to " << options_.sink << " partition " << options_.partition
                  << " failed: " << CodeName(c.status.error_code()) << " "
                  << c.status.error_message();
  }
}

absl::Status PartitionWorker::DeadLetter(const Pending& pending, const grpc::Status& status,
                                         int attempts) {
  if (conn_ == nullptr || conn_->broken()) return absl::UnavailableError("redis not connected");
  std::vector<std::string> args = {options_.sink,
                                   pending.entry_id,
                                   absl::StrCat(options_.dead_letter_max_len),
                                   "event",
                                   pending.event.SerializeAsString(),
                                   "sink",
                                   options_.sink,
                                   "code",
                                   absl::StrCat(static_cast<int>(status.error_code())),
                                   "message",
                                   status.error_message().substr(0, 1024),
                                   "attempts",
                                   absl::StrCat(attempts),
                                   "source_entry_id",
                                   pending.entry_id,
                                   "partition",
                                   absl::StrCat(options_.partition),
                                   "dead_at_ms",
                                   absl::StrCat(deps_.clock->NowMs()),
                                   "conversation_key",
                                   pending.event.conversation_key()};
  auto reply = dead_letter_script_.Run(*conn_, {dead_letter_key_, stream_key_}, args);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::InternalError(absl::StrCat("dead letter: ", reply->str()));
  deps_.metrics->DeadLetter(options_.sink, status.error_code());
  deps_.metrics->Events(options_.sink, EventOutcome::kDeadLettered, 1);
  OG_LOG(WARNING) << "dead-lettered entry " << pending.entry_id << " of partition "
                  << options_.partition << " for sink " << options_.sink << " after " << attempts
                  << " attempt(s): " << CodeName(status.error_code());
  return absl::OkStatus();
}

void PartitionWorker::DeadLetterFronts() {
  if (dead_letters_due_ == 0) return;  // the usual case: no scan on every pass
  for (auto& [key, conv] : conversations_) {
    if (!conv.dead_letter.has_value() || conv.queue.empty()) continue;
    if (!DeadLetter(conv.queue.front(), *conv.dead_letter, conv.queue.front().attempts).ok()) {
      deps_.metrics->RedisError();
      return;  // retried on the next pass; the entry stays pending meanwhile
    }
    held_.erase(conv.queue.front().entry_id);
    conv.queue.pop_front();
    --buffered_;
    deps_.metrics->AddBuffered(options_.sink, -1);
    conv.dead_letter.reset();
    --dead_letters_due_;
    conv.isolate_remaining -= std::min<size_t>(conv.isolate_remaining, 1);
    conv.retry_at = absl::InfinitePast();
  }
}

void PartitionWorker::HandleCompletions() {
  std::vector<Completion> done;
  TakeCompletions(&done, absl::ZeroDuration());
  for (auto& c : done) Complete(c);
}

std::vector<redis::RedisCommand> PartitionWorker::AckCommands() const {
  std::vector<redis::RedisCommand> commands;
  for (size_t start = 0; start < acks_.size(); start += kMaxAcksPerCommand) {
    const size_t end = std::min(acks_.size(), start + kMaxAcksPerCommand);
    redis::RedisCommand command = {"XACK", stream_key_, options_.sink};
    command.insert(command.end(), acks_.begin() + start, acks_.begin() + end);
    commands.push_back(std::move(command));
  }
  return commands;
}

void PartitionWorker::FlushAcks() {
  if (acks_.empty() || conn_ == nullptr || conn_->broken()) return;
  size_t acked = 0;
  for (const redis::RedisCommand& command : AckCommands()) {
    auto reply = conn_->Run(command);
    if (!reply.ok() || reply->is_error()) {
      // Kept for the next pass; if we die first they are redelivered.
      deps_.metrics->RedisError();
      break;
    }
    acked += command.size() - 3;
  }
  Acknowledged(acked);
}

void PartitionWorker::Acknowledged(size_t count) {
  for (size_t i = 0; i < count; ++i) held_.erase(acks_[i]);
  acks_.erase(acks_.begin(), acks_.begin() + static_cast<std::ptrdiff_t>(count));
  if (!acks_.empty()) return;
  // Forget conversations with nothing left, so memory follows the backlog.
  for (auto it = conversations_.begin(); it != conversations_.end();) {
    const Conversation& c = it->second;
    if (c.queue.empty() && c.in_flight == 0) {
      conversations_.erase(it++);
    } else {
      ++it;
    }
  }
}

absl::Duration PartitionWorker::NextWait() const {
  absl::Time earliest = absl::InfiniteFuture();
  for (const auto& [key, conv] : conversations_) {
    if (conv.in_flight == 0 && !conv.queue.empty() && !conv.dead_letter.has_value())
      earliest = std::min(earliest, conv.retry_at);
  }
  const absl::Duration until = earliest - absl::Now();
  return std::max(absl::ZeroDuration(), std::min(options_.idle_block, until));
}

void PartitionWorker::Run() {
  bool stopping = false;
  while (true) {
    if (!stopping) {
      std::lock_guard<std::mutex> lock(mu_);
      stopping = stop_;
    }
    if (!stopping && deps_.lease_valid && !deps_.lease_valid()) stopping = true;
    if (stopping) {
      // Finish what is in flight, acknowledge it, and leave the rest pending
      // for the next owner.
      std::vector<Completion> done;
      if (calls_in_flight_ > 0) TakeCompletions(&done, absl::Milliseconds(20));
      for (auto& c : done) Complete(c);
      if (calls_in_flight_ == 0) {
        if (Connected()) FlushAcks();
        break;
      }
      continue;
    }
    if (!Connected()) {
      std::vector<Completion> done;
      TakeCompletions(&done, reconnect_backoff_);
      for (auto& c : done) Complete(c);
      reconnect_backoff_ = std::min(reconnect_backoff_ * 2, absl::Seconds(1));
      continue;
    }
    if (!setup_done_) {
      if (auto s = Setup(); !s.ok()) {
        OG_LOG(WARNING) << "partition " << options_.partition << " sink " << options_.sink
                        << ": setup failed: " << s.message();
        deps_.metrics->RedisError();
        conn_.reset();
        std::vector<Completion> done;
        TakeCompletions(&done, reconnect_backoff_);
        for (auto& c : done) Complete(c);
        reconnect_backoff_ = std::min(reconnect_backoff_ * 2, absl::Seconds(1));
        continue;
      }
    }
    HandleCompletions();
    DeadLetterFronts();
    // Acks normally ride with the next read; while completions keep the
    // loop from reading, send them once enough have gathered.
    if (acks_.size() >= kAcksWithoutRead) FlushAcks();
    const bool starved = Dispatch();
    absl::Duration block = absl::ZeroDuration();
    if (calls_in_flight_ > 0 || starved) {
      std::vector<Completion> done;
      TakeCompletions(&done, kBusyPoll);
      for (auto& c : done) Complete(c);
      if (!done.empty()) continue;  // act on results before reading more
    } else {
      block = NextWait();
    }
    const bool full = buffered_ >= static_cast<size_t>(options_.max_buffered);
    if (full) {
      // Backpressure: wait for the sink instead of reading more.
      FlushAcks();
      std::vector<Completion> done;
      TakeCompletions(&done, calls_in_flight_ > 0 ? kBusyPoll : NextWait());
      for (auto& c : done) Complete(c);
      continue;
    }
    absl::Status read = Read(!history_done_, block);
    if (!read.ok()) {
      deps_.metrics->RedisError();
      OG_LOG(WARNING) << "partition " << options_.partition << " sink " << options_.sink
                      << ": read failed: " << read.message();
    }
  }
  deps_.metrics->AddBuffered(options_.sink, -static_cast<double>(buffered_));
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
}

}  // namespace omnigate::dispatch
