#include "lib/dispatch/partition_worker.h"

#include <pthread.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/dispatch/scripts.h"
#include "lib/dispatch/stream_connector.h"
#include "lib/queue/keys.h"

namespace omnigate::dispatch {
namespace {

using omnigate::v1::DeliverRequest;
using omnigate::v1::Event;

constexpr size_t kMaxAcksPerCommand = 1000;
// Longest sleep without looking at the lease (it can end without a call).
constexpr absl::Duration kMaxWait = absl::Seconds(1);

}  // namespace

PartitionWorker::PartitionWorker(WorkerOptions options, WorkerDeps deps)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      backoff_(options_.backoff_initial, options_.backoff_max),
      stream_key_(options_.keys->stream(options_.partition)),
      dead_letter_key_(options_.keys->dead_letter(options_.partition)),
      dead_letter_script_(kDeadLetterScript),
      reader_(
          ReaderOptions{stream_key_, options_.sink, options_.consumer,
                        options_.keys->lease(options_.partition), options_.consumer,
                        options_.read_count, options_.idle_block},
          deps_.reader_connect ? deps_.reader_connect : deps_.connect, deps_.metrics,
          [this] { return LeaseRemaining(); },
          [this](const EntryFields& fields, StreamEntry* out) { return Filter(fields, out); },
          [this](std::vector<StreamEntry> entries) {
            std::lock_guard<std::mutex> lock(mu_);
            if (inbox_.empty()) {
              inbox_ = std::move(entries);
            } else {
              for (auto& e : entries) inbox_.push_back(std::move(e));
            }
            cv_.notify_all();
          }) {}

PartitionWorker::~PartitionWorker() {
  RequestStop();
  Join();
  deps_.limiter->Forget(this);
}

void PartitionWorker::Start() {
  reader_.Grant(static_cast<size_t>(std::max(1, options_.max_buffered)));
  reader_.Start();
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
  reader_.Stop();
}

void PartitionWorker::PermitFreed() {
  std::lock_guard<std::mutex> lock(mu_);
  permit_freed_ = true;
  cv_.notify_all();
}

absl::Duration PartitionWorker::LeaseRemaining() const {
  return deps_.lease_remaining ? deps_.lease_remaining() : absl::InfiniteDuration();
}

bool PartitionWorker::Connected() {
  if (conn_ != nullptr && !conn_->broken()) return true;
  ResetConnection();
  if (absl::Now() < next_connect_) return false;
  auto conn = deps_.connect();
  if (!conn.ok()) {
    deps_.metrics->RedisError();
    next_connect_ = absl::Now() + reconnect_backoff_;
    reconnect_backoff_ = std::min(reconnect_backoff_ * 2, absl::Seconds(1));
    return false;
  }
  conn_ = *std::move(conn);
  reconnect_backoff_ = absl::Milliseconds(50);
  return true;
}

void PartitionWorker::ResetConnection() {
  conn_.reset();
  // Their replies are lost with the connection: send them again (XACK of an
  // acknowledged entry is a no-op).
  while (!acks_sent_.empty()) {
    acks_.insert(acks_.begin(), acks_sent_.back().begin(), acks_sent_.back().end());
    acks_sent_.pop_back();
  }
}

void PartitionWorker::Release(const std::string& entry_id) {
  if (held_.erase(entry_id) > 0) reader_.Grant(1);
}

bool PartitionWorker::Filter(const EntryFields& fields, StreamEntry* out) const {
  // No event: trimmed away (MAXLEN) while pending; nothing to deliver.
  if (fields.event == nullptr) return false;
  const absl::string_view bytes = redis::ElementStr(fields.event);
  if (!out->event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    out->malformed = true;  // the worker dead-letters it, raw
    return true;
  }
  // Ingest linked this receipt to the reply it is about (stamped beside the
  // event: the stored bytes stay as the channel's adapter made them).
  if (!fields.outbound_event_id.empty() && out->event.has_status()) {
    out->event.mutable_status()->set_outbound_event_id(std::string(fields.outbound_event_id));
  }
  if (deps_.router == nullptr) return true;
  const routing::RouteDecision decision =
      deps_.router->Route(out->event, fields.mode, fields.target_sink);
  if (std::find(decision.sinks.begin(), decision.sinks.end(), options_.sink) ==
      decision.sinks.end()) {
    deps_.metrics->Events(options_.sink, EventOutcome::kRoutedElsewhere, 1);
    return false;
  }
  auto& attributes = *out->event.mutable_attributes();
  if (!decision.priority.empty())
    attributes[std::string(routing::kPriorityAttribute)] = decision.priority;
  if (!decision.skill.empty()) attributes[std::string(routing::kSkillAttribute)] = decision.skill;
  if (!decision.rule.empty()) attributes[std::string(routing::kRuleAttribute)] = decision.rule;
  return true;
}

void PartitionWorker::Accept(StreamEntry entry) {
  const std::string& id = entry.id;
  if (held_.contains(id)) {  // re-read after a reconnect: already ours
    reader_.Grant(1);
    return;
  }
  held_.insert(id);
  if (entry.redelivered) deps_.metrics->Redelivered(options_.sink, 1);
  Pending pending;
  pending.entry_id = id;
  if (entry.malformed) {
    // Cannot be delivered to anyone: keep it as a dead letter, raw.
    grpc::Status bad(grpc::StatusCode::DATA_LOSS, "entry is not an omnigate.v1.Event");
    if (DeadLetter(pending, bad, 0).ok()) {
      Release(id);
    } else {
      acks_.push_back(id);  // never block on it
    }
    return;
  }
  pending.event = std::move(entry.event);
  Conversation& conv = conversations_[pending.event.conversation_key()];
  conv.queue.push_back(std::move(pending));
  ++buffered_;
  deps_.metrics->AddBuffered(options_.sink, 1);
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
  // Another replica may take the partition once our lease's local validity
  // ends: no call of ours may still run then.
  const absl::Duration timeout = std::min(options_.deliver_timeout, LeaseRemaining());
  deps_.sink->Deliver(
      std::move(request), timeout,
      [this, parts = std::move(parts), started, events](grpc::Status status, RetryHint hint) {
        deps_.limiter->Release();
        std::lock_guard<std::mutex> lock(mu_);
        completions_.push_back(
            Completion{std::move(parts), std::move(status), hint, started, events});
        cv_.notify_all();
      });
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
    if (c.hint.counts) {
      for (size_t i = 0; i < n && i < conv.queue.size(); ++i) ++conv.queue[i].attempts;
    }
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
    // A throttle waits what it was told; a failure of the events backs off.
    const absl::Duration delay =
        c.hint.counts || c.hint.after <= absl::ZeroDuration()
            ? std::max(backoff_.Delay(std::max(attempts, 1), rng_), c.hint.after)
            : c.hint.after;
    conv.retry_at = absl::Now() + delay;
  }
  if (!c.status.ok()) {
    OG_LOG(DEBUG) << "deliver to " << options_.sink << " partition " << options_.partition
                  << " failed: " << CodeName(c.status.error_code()) << " "
                  << c.status.error_message();
  }
}

absl::Status PartitionWorker::DeadLetter(const Pending& pending, const grpc::Status& status,
                                         int attempts) {
  if (!Connected()) return absl::UnavailableError("redis not connected");
  CollectAckReplies(/*block=*/true);  // the script's reply comes after theirs
  if (conn_ == nullptr) return absl::UnavailableError("redis not connected");
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
  if (IsNodeChangeReply(*reply)) {
    ResetConnection();  // reconnects to the partition's node now
    return absl::UnavailableError(absl::StrCat("dead letter: ", reply->str()));
  }
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
    Release(conv.queue.front().entry_id);
    conv.queue.pop_front();
    --buffered_;
    deps_.metrics->AddBuffered(options_.sink, -1);
    conv.dead_letter.reset();
    --dead_letters_due_;
    conv.isolate_remaining -= std::min<size_t>(conv.isolate_remaining, 1);
    conv.retry_at = absl::InfinitePast();
  }
}

void PartitionWorker::FlushAcks() {
  if (acks_.empty() || !Connected()) return;
  absl::Status sent;
  size_t appended = 0;
  for (size_t start = 0; start < acks_.size() && sent.ok(); start += kMaxAcksPerCommand) {
    const size_t end = std::min(acks_.size(), start + kMaxAcksPerCommand);
    redis::RedisCommand command = {"XACK", stream_key_, options_.sink};
    command.insert(command.end(), acks_.begin() + static_cast<std::ptrdiff_t>(start),
                   acks_.begin() + static_cast<std::ptrdiff_t>(end));
    sent = conn_->Append(command);
    if (sent.ok()) {
      acks_sent_.emplace_back(acks_.begin() + static_cast<std::ptrdiff_t>(start),
                              acks_.begin() + static_cast<std::ptrdiff_t>(end));
      appended = end;
    }
  }
  acks_.erase(acks_.begin(), acks_.begin() + static_cast<std::ptrdiff_t>(appended));
  if (sent.ok()) sent = conn_->Flush();
  if (!sent.ok()) {
    // Kept for the next pass; if we die first they are redelivered.
    deps_.metrics->RedisError();
    ResetConnection();
    return;
  }
  CollectAckReplies(/*block=*/false);
}

void PartitionWorker::CollectAckReplies(bool block) {
  while (!acks_sent_.empty() && conn_ != nullptr) {
    absl::StatusOr<std::optional<redis::RedisReply>> reply;
    if (block) {
      auto r = conn_->ReadReply();
      if (r.ok()) {
        reply = std::optional<redis::RedisReply>(*std::move(r));
      } else {
        reply = r.status();
      }
    } else {
      reply = conn_->PollReply();
    }
    if (!reply.ok()) {
      deps_.metrics->RedisError();
      ResetConnection();
      return;
    }
    if (!reply->has_value()) return;  // not arrived yet: taken on a later pass
    if (IsNodeChangeReply(**reply)) {
      // The stream moved (failover, slot migration): these acks and the ones
      // behind them are sent again on a connection to its node now.
      deps_.metrics->RedisError();
      ResetConnection();
      return;
    }
    std::vector<std::string> ids = std::move(acks_sent_.front());
    acks_sent_.pop_front();
    if ((*reply)->is_error()) {
      deps_.metrics->RedisError();  // kept for the next pass
      acks_.insert(acks_.end(), ids.begin(), ids.end());
      continue;
    }
    for (const std::string& id : ids) Release(id);
  }
  if (!acks_.empty() || !acks_sent_.empty()) return;
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

absl::Duration PartitionWorker::NextWait(bool starved) const {
  const absl::Time now = absl::Now();
  absl::Time earliest = absl::InfiniteFuture();
  for (const auto& [key, conv] : conversations_) {
    if (conv.in_flight != 0 || conv.queue.empty() || conv.dead_letter.has_value()) continue;
    // Out of permits, a ready conversation waits for PermitFreed, not a
    // timer: counting it would spin the loop until a call completes.
    if (starved && conv.retry_at <= now) continue;
    earliest = std::min(earliest, conv.retry_at);
  }
  if (dead_letters_due_ > 0 || !acks_.empty()) earliest = std::min(earliest, next_connect_);
  absl::Duration wait = std::min({earliest - now, kMaxWait, LeaseRemaining()});
  return std::max(absl::ZeroDuration(), wait);
}

void PartitionWorker::Gather(absl::Duration wait, bool draining, std::vector<StreamEntry>* entries,
                             std::vector<Completion>* completions) {
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [this, draining] {
    if (draining) return !completions_.empty();
    return stop_ || permit_freed_ || !inbox_.empty() || !completions_.empty();
  };
  if (!ready() && wait > absl::ZeroDuration())
    cv_.wait_for(lock, absl::ToChronoNanoseconds(wait), ready);
  entries->swap(inbox_);
  completions->swap(completions_);
  permit_freed_ = false;
}

void PartitionWorker::Run() {
  pthread_setname_np(pthread_self(), "og-worker");  // per-thread CPU in benchmarks
  std::vector<StreamEntry> entries;
  std::vector<Completion> done;
  absl::Duration wait = absl::ZeroDuration();
  while (true) {
    entries.clear();
    done.clear();
    Gather(wait, /*draining=*/false, &entries, &done);
    for (auto& c : done) Complete(c);
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping = stop_;
    }
    if (stopping || LeaseRemaining() <= absl::ZeroDuration()) break;
    if (conn_ != nullptr) CollectAckReplies(/*block=*/false);
    for (auto& e : entries) Accept(std::move(e));
    DeadLetterFronts();
    FlushAcks();
    const bool starved = Dispatch();
    if (starved) deps_.limiter->NotifyWhenFree(this);
    wait = NextWait(starved);
  }
  // Stop reading, finish what is in flight and acknowledge it; the rest stays
  // pending for the next owner.
  reader_.Stop();
  while (calls_in_flight_ > 0) {
    done.clear();
    Gather(absl::Milliseconds(100), /*draining=*/true, &entries, &done);
    for (auto& c : done) Complete(c);
  }
  FlushAcks();
  CollectAckReplies(/*block=*/true);
  deps_.limiter->Forget(this);
  deps_.metrics->AddBuffered(options_.sink, -static_cast<double>(buffered_));
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
}

}  // namespace omnigate::dispatch
