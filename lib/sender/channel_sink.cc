#include "lib/sender/channel_sink.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/log.h"
#include "lib/queue/partitioner.h"

namespace omnigate::sender {

using omnigate::v1::Event;
using outbound::SendOutcome;

struct ChannelSink::Job {
  // The worker's request, shared rather than copied: its one event is the
  // reply.
  std::shared_ptr<const omnigate::v1::DeliverRequest> delivery;
  const Event& event() const { return delivery->events(0); }
  SenderConnector* connector = nullptr;
  outbound::OutboundMessage message;
  outbound::HttpRequest request;
  Done done;
  absl::Time deadline;
  absl::Time started;
};

namespace {

grpc::Status Unavailable(const std::string& why) {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, why);
}

// A wait that is not the reply's fault: it costs no attempt.
dispatch::RetryHint Wait(absl::Duration after) { return dispatch::RetryHint{after, false}; }

std::string Tag(const Event& e) { return absl::StrCat(e.connector(), "/", e.id()); }

}  // namespace

Event FailedStatusEvent(const Event& reply, const std::string& id, const std::string& code,
                        const std::string& message, int64_t now_ms) {
  Event e;
  e.set_id(id);
  e.set_channel(reply.channel());
  e.set_connector(reply.connector());
  e.set_account_id(reply.account_id());
  e.set_conversation_key(reply.conversation_key());
  e.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  *e.mutable_recipient() = reply.recipient();
  e.set_sent_at_ms(now_ms);
  e.set_received_at_ms(now_ms);
  e.set_locale(reply.locale());
  // One failure event per reply however often the dead letter is retried.
  e.set_idempotency_key(absl::StrCat("omnigate-sender:failed:", reply.id()));
  omnigate::v1::Status* status = e.mutable_status();
  status->set_state(omnigate::v1::Status::STATE_FAILED);
  status->set_outbound_event_id(reply.id());
  status->set_error_code(code);
  status->set_error_message(message.substr(0, 512));
  status->set_recipient_id(reply.recipient().id());
  return e;
}

ChannelSink::ChannelSink(ChannelSinkOptions options, ChannelSinkDeps deps)
    : options_(std::move(options)), deps_(deps), ids_(*deps.clock) {}

ChannelSink::~ChannelSink() { Stop(); }

void ChannelSink::Stop() {
  slots_.Stop();
  finisher_.Stop();
}

void ChannelSink::Deliver(std::shared_ptr<const omnigate::v1::DeliverRequest> request,
                          absl::Duration timeout, Done done) {
  if (request->events_size() != 1) {
    // The sender's workers send one reply per call (batch_events 1).
    done(grpc::Status(grpc::StatusCode::INTERNAL, "the sender takes one reply per call"),
         dispatch::RetryHint{});
    return;
  }
  auto job = std::make_shared<Job>();
  job->delivery = std::move(request);
  job->done = std::move(done);
  job->started = absl::Now();
  job->deadline = job->started + timeout;
  Start(std::move(job));
}

void ChannelSink::Start(std::shared_ptr<Job> job) {
  const Event& event = job->event();
  // A reply scheduled for later (the CSAT question's delay) waits its turn;
  // the conversation's later replies wait behind it, keeping their order.
  if (auto it = event.attributes().find(std::string(kNotBeforeAttribute));
      it != event.attributes().end()) {
    int64_t not_before_ms = 0;
    const int64_t now_ms = deps_.clock->NowMs();
    if (absl::SimpleAtoi(it->second, &not_before_ms) && not_before_ms > now_ms) {
      job->done(Unavailable("held until its not_before time"),
                Wait(std::min(absl::Milliseconds(not_before_ms - now_ms), absl::Minutes(1))));
      return;
    }
  }
  auto it = deps_.connectors->find(event.connector());
  if (it == deps_.connectors->end()) {
    FailForGood(job, "unknown_connector",
                absl::StrCat("no connector named '", event.connector(), "' is configured"));
    return;
  }
  job->connector = it->second.get();
  SenderConnector& c = *job->connector;
  auto message = outbound::FromEvent(event, c.settings);
  if (!message.ok()) {
    deps_.metrics->Invalid(c.name);
    FailForGood(job, "invalid_reply", std::string(message.status().message()));
    return;
  }
  job->message = *std::move(message);
  // What only the sender decides. A person's reply travels as one: Meta's
  // HUMAN_AGENT tag (Outbound.Send let it through up to 7 days), the web
  // chat's "agent" author.
  job->message.human_agent = event.sender().role() == omnigate::v1::ROLE_AGENT;
  if (c.channel == omnigate::v1::CHANNEL_LINE && deps_.reply_tokens != nullptr) {
    auto usable = deps_.reply_tokens->Claim(event);
    if (!usable.ok()) OG_LOG(WARNING) << "reply token of " << Tag(event) << ": " << usable.status();
    job->message.line_reply_token_usable = usable.ok() && *usable;
  }
  if (c.channel == omnigate::v1::CHANNEL_EMAIL && job->message.subject.empty()) {
    // A reply without a subject of its own (the chatbot's) still needs one.
    job->message.subject = absl::StartsWith(job->message.locale, "id") ? "Balasan untuk pesan Anda"
                                                                       : "Reply to your message";
  }
  auto request = c.sender->Build(job->message);
  if (!request.ok()) {
    deps_.metrics->Invalid(c.name);
    FailForGood(job, "invalid_reply", std::string(request.status().message()));
    return;
  }
  job->request = *std::move(request);

  if (c.in_flight.load() >= options_.max_in_flight_per_connector) {
    job->done(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "connector busy"),
              Wait(absl::Milliseconds(20)));
    return;
  }
  // The slot is booked without holding this (the worker's) thread: the
  // bookings of sends made meanwhile share a round trip and a script call.
  deps_.limiter->ReserveAsync(c.name, job->message.recipient, c.limits, deps_.clock->NowMs(),
                              [this, job](absl::StatusOr<outbound::RateDecision> decision) {
                                Reserved(job, std::move(decision));
                              });
}

void ChannelSink::Reserved(std::shared_ptr<Job> job,
                           absl::StatusOr<outbound::RateDecision> decision) {
  SenderConnector& c = *job->connector;
  if (!decision.ok()) {
    job->done(Unavailable(absl::StrCat("rate limiter: ", decision.status().message())),
              Wait(options_.redis_retry));
    return;
  }
  switch (decision->kind) {
    case outbound::RateDecision::kWait:
      deps_.metrics->ThrottleWait(c.name, "rate_limit", decision->wait);
      job->done(Unavailable("rate limited"), Wait(decision->wait));
      return;
    case outbound::RateDecision::kPaused:
      deps_.metrics->ThrottleWait(c.name, "connector", decision->wait);
      job->done(Unavailable("connector or recipient paused"), Wait(decision->wait));
      return;
    case outbound::RateDecision::kGo:
      break;
  }
  if (decision->wait <= absl::ZeroDuration()) {
    Call(std::move(job));
    return;
  }
  deps_.metrics->ThrottleWait(c.name, "rate_limit", decision->wait);
  slots_.RunAt(absl::Now() + decision->wait, [this, job] { Call(job); });
}

void ChannelSink::Call(std::shared_ptr<Job> job) {
  SenderConnector& c = *job->connector;
  const absl::Duration timeout = std::min(options_.send_timeout, job->deadline - absl::Now());
  if (timeout <= absl::ZeroDuration()) {
    // The slot came too late for the worker's deadline (the lease is ending).
    job->done(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no time left to send"),
              Wait(absl::ZeroDuration()));
    return;
  }
  c.in_flight.fetch_add(1);
  deps_.metrics->AddInFlight(c.name, 1);
  const absl::Time sent = absl::Now();
  job->started = sent;
  // Moved: a LINE push after a refused reply token builds it again.
  deps_.transport->Send(std::move(job->request), timeout,
                        [this, job](outbound::HttpResponse response) {
                          Answered(std::move(job), std::move(response));
                        });
}

void ChannelSink::Answered(std::shared_ptr<Job> job, outbound::HttpResponse response) {
  SendOutcome outcome = job->connector->sender->Classify(job->message, response);
  if (response.status == 0 && outcome.error_message.empty()) {
    outcome.error_message = response.transport_error;
  }
  if (outcome.kind == SendOutcome::kSent && deps_.recorder != nullptr) {
    SenderConnector& c = *job->connector;
    c.in_flight.fetch_sub(1);
    deps_.metrics->AddInFlight(c.name, -1);
    deps_.metrics->Sent(c.name, outcome.kind, absl::Now() - job->started);
    Sent(std::move(job), outcome);
    return;
  }
  // Off the HTTP client's thread: Redis calls follow.
  finisher_.RunAt(absl::InfinitePast(), [this, job, outcome = std::move(outcome)]() mutable {
    Finish(job, std::move(outcome));
  });
}

void ChannelSink::Sent(std::shared_ptr<Job> job, const SendOutcome& outcome) {
  auto recorded = [this, job](absl::StatusOr<conversations::SentRecord> recorded) {
    if (!recorded.ok()) {
      // The reply is out: never send it twice for a bookkeeping failure.
      deps_.metrics->StatusError();
      OG_LOG(WARNING) << "sent " << Tag(job->event())
                      << " but its status was not recorded: " << recorded.status();
    } else {
      ObserveResponseTimes(job->event(), *recorded);
    }
    job->done(grpc::Status::OK, dispatch::RetryHint{});
  };
  // The record and its index; recording twice changes nothing (the script
  // only moves a record forward and measures a response time once).
  auto record_now = [this, job, id = outcome.provider_message_id] {
    const Event& reply = job->event();
    return deps_.statuses->RecordSent(reply.conversation_key(), reply.id(), job->connector->name,
                                      id, reply.sender().role());
  };
  if (deps_.recorder == nullptr) {
    recorded(record_now());
    return;
  }
  const Event& reply = job->event();
  deps_.recorder->RecordSent(
      reply.conversation_key(), reply.id(), job->connector->name, outcome.provider_message_id,
      reply.sender().role(),
      [this, recorded, record_now](absl::StatusOr<conversations::SentRecord> batched) mutable {
        if (batched.ok()) {
          recorded(std::move(batched));
          return;
        }
        // The group-commit writer failed fast (its connection is being
        // made again) or lost the answer: one more try on a pooled
        // connection, as without batching, off the writer's thread. Without
        // the provider id, a receipt could not name its reply.
        OG_LOG(DEBUG) << "batched sent record failed (" << batched.status() << "): retrying";
        finisher_.RunAt(absl::InfinitePast(),
                        [recorded = std::move(recorded),
                         record_now = std::move(record_now)]() mutable { recorded(record_now()); });
      });
}

void ChannelSink::Finish(std::shared_ptr<Job> job, SendOutcome outcome) {
  SenderConnector& c = *job->connector;
  c.in_flight.fetch_sub(1);
  deps_.metrics->AddInFlight(c.name, -1);
  if (job->message.line_reply_token_usable && outcome.kind == SendOutcome::kPolicy) {
    // LINE refused the reply token (expired, or used by a reply that got
    // no answer): the same messages go as a push.
    OG_LOG(INFO) << "reply token of " << Tag(job->event()) << " refused (" << outcome.error_message
                 << "): pushing";
    job->message.line_reply_token_usable = false;
    auto push = c.sender->Build(job->message);
    if (push.ok()) {
      job->request = *std::move(push);
      Call(std::move(job));
      return;
    }
    outcome.error_message = std::string(push.status().message());
  }
  deps_.metrics->Sent(c.name, outcome.kind, absl::Now() - job->started);
  const std::string what =
      absl::StrCat(KindName(outcome.kind), " ", outcome.error_code, " ", outcome.error_message);
  switch (outcome.kind) {
    case SendOutcome::kSent:
      Sent(std::move(job), outcome);
      return;
    case SendOutcome::kThrottled: {
      const absl::Duration wait = outcome.retry_after > absl::ZeroDuration()
                                      ? outcome.retry_after
                                      : options_.default_throttle_wait;
      const bool recipient_only = outcome.throttle_scope == SendOutcome::Scope::kRecipient;
      const std::string recipient = recipient_only ? job->message.recipient : "";
      if (auto s = deps_.limiter->Pause(
              c.name, recipient, deps_.clock->NowMs() + absl::ToInt64Milliseconds(wait), what);
          !s.ok()) {
        OG_LOG(WARNING) << "could not share a throttle pause of " << c.name << ": " << s;
      }
      deps_.metrics->ThrottleWait(c.name, recipient_only ? "recipient" : "connector", wait);
      job->done(Unavailable(what), Wait(wait));
      return;
    }
    case SendOutcome::kTransient:
      job->done(Unavailable(what), dispatch::RetryHint{outcome.retry_after, true});
      return;
    case SendOutcome::kConnector: {
      if (auto s = deps_.limiter->PauseConnector(c.name, options_.connector_pause, what); !s.ok()) {
        OG_LOG(WARNING) << "could not pause connector " << c.name << ": " << s;
      }
      deps_.metrics->SetPaused(c.name, true);
      OG_LOG(ERROR) << "connector " << c.name << " paused for "
                    << absl::FormatDuration(options_.connector_pause)
                    << ": the provider refused its credentials or account (" << what << ")";
      job->done(Unavailable(what), Wait(options_.connector_pause));
      return;
    }
    case SendOutcome::kPermanent:
    case SendOutcome::kPolicy:
      FailForGood(job, outcome.error_code, outcome.error_message);
      return;
  }
}

void ChannelSink::ObserveResponseTimes(const omnigate::v1::Event& reply,
                                       const conversations::SentRecord& recorded) const {
  if (deps_.cx_metrics == nullptr) return;
  if (recorded.first_response.has_value()) {
    const bool breached =
        deps_.first_response_sla &&
        *recorded.first_response > deps_.first_response_sla(cx::PriorityLabel(recorded.priority));
    deps_.cx_metrics->FirstResponse(reply.channel(), recorded.priority, *recorded.first_response,
                                    breached);
  }
  if (recorded.agent_first_response.has_value()) {
    deps_.cx_metrics->AgentFirstResponse(reply.channel(), recorded.priority,
                                         *recorded.agent_first_response);
  }
}

void ChannelSink::FailForGood(std::shared_ptr<Job> job, const std::string& code,
                              const std::string& message) {
  const Event& reply = job->event();
  const std::string connector =
      job->connector != nullptr ? job->connector->name : reply.connector();
  if (auto s = deps_.statuses->RecordFailed(reply.conversation_key(), reply.id(), connector, code,
                                            message);
      !s.ok()) {
    deps_.metrics->StatusError();
    OG_LOG(WARNING) << "failed status of " << Tag(reply) << " not recorded: " << s;
  }
  const int64_t now_ms = deps_.clock->NowMs();
  Event failed = FailedStatusEvent(reply, ids_.Next(), code, message, now_ms);
  queue::EventToStore store;
  store.partition = queue::PartitionOf(reply.conversation_key(), options_.partitions);
  store.idempotency_key = failed.idempotency_key();
  store.conversation_key = reply.conversation_key();
  store.payload = failed.SerializeAsString();
  std::vector<queue::EventToStore> events;
  events.push_back(std::move(store));
  const std::string why = absl::StrCat(code, ": ", message);
  OG_LOG(WARNING) << "reply " << Tag(reply) << " failed for good: " << why;
  deps_.events->Enqueue(
      std::move(events),
      [this, job, why](absl::StatusOr<std::vector<queue::EnqueueOutcome>> stored) {
        if (!stored.ok()) {
          // Retried (the provider refuses again): the conversation must hear of it.
          deps_.metrics->StatusError();
          job->done(
              Unavailable(absl::StrCat("failure event not stored: ", stored.status().message())),
              Wait(options_.redis_retry));
          return;
        }
        job->done(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, why), dispatch::RetryHint{});
      });
}

}  // namespace omnigate::sender
