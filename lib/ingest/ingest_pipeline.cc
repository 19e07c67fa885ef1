#include "lib/ingest/ingest_pipeline.h"

#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/common/log.h"
#include "lib/common/reject.h"
#include "lib/connectors/connector.h"
#include "lib/crypto/hmac.h"
#include "lib/queue/partitioner.h"

namespace omnigate::ingest {
namespace {

using omnigate::v1::EnqueueResult;
using omnigate::v1::Event;

std::string JsonError(const absl::Status& status) {
  return absl::StrCat(R"({"error":")", absl::CHexEscape(RejectReason(status)), R"(","message":")",
                      absl::CHexEscape(status.message()), R"("})");
}

Outcome OutcomeForError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      return Outcome::kUnauthorized;
    case absl::StatusCode::kPermissionDenied:
      return Outcome::kForbidden;
    case absl::StatusCode::kInvalidArgument:
      return Outcome::kMalformed;
    case absl::StatusCode::kNotFound:
      return Outcome::kNotFound;
    case absl::StatusCode::kOutOfRange:
      return Outcome::kTooLarge;
    case absl::StatusCode::kResourceExhausted:
      return Outcome::kShed;
    default:
      return Outcome::kUnavailable;
  }
}

// A message the customer wrote or picked: it opens the channel's messaging
// window (WhatsApp, Messenger, Instagram). Receipts, lifecycle events,
// reactions, edits and ratings do not: better to refuse a reply the provider
// might take than to queue one it refuses. Returns when it was sent (never
// later than `now`: a sender's clock may run ahead), else 0.
int64_t CustomerMessageMs(const Event& e, int64_t now) {
  if (e.sender().role() != omnigate::v1::ROLE_CUSTOMER || e.is_echo()) return 0;
  switch (e.payload_case()) {
    case Event::kText:
    case Event::kMedia:
    case Event::kLocation:
    case Event::kContacts:
    case Event::kInteractive:
    case Event::kPostback:
      break;
    default:
      return 0;
  }
  return e.sent_at_ms() > 0 && e.sent_at_ms() < now ? e.sent_at_ms() : now;
}

// Where replies to this customer go: the address the channel's send API
// takes (e-mail address, phone for SMS), else the channel user id.
std::string CustomerAddress(const Event& e) {
  if (e.channel() == omnigate::v1::CHANNEL_EMAIL && !e.sender().email().empty()) {
    return e.sender().email();
  }
  if (e.channel() == omnigate::v1::CHANNEL_TWILIO && !e.sender().phone().empty()) {
    return e.sender().phone();
  }
  return e.sender().id();
}

// A provider's receipt for a message the business sent: the queue links it
// to the reply the sender recorded under the same provider id. Statuses
// omnigate did not send (the business's other tools) simply find no reply.
std::optional<queue::EventToStore::Receipt> ReceiptOf(const Event& e) {
  if (e.payload_case() != Event::kStatus || e.status().target_external_id().empty()) {
    return std::nullopt;
  }
  queue::EventToStore::Receipt r;
  switch (e.status().state()) {
    case omnigate::v1::Status::STATE_SENT:
      r.state = "sent";
      break;
    case omnigate::v1::Status::STATE_DELIVERED:
      r.state = "delivered";
      break;
    case omnigate::v1::Status::STATE_READ:
    case omnigate::v1::Status::STATE_PLAYED:
      r.state = "read";
      break;
    case omnigate::v1::Status::STATE_FAILED:
    case omnigate::v1::Status::STATE_UNDELIVERED:
      r.state = "failed";
      break;
    default:
      return std::nullopt;  // queued, deleted: nothing to record
  }
  r.connector = e.connector();
  r.provider_message_id = e.status().target_external_id();
  r.error_code = e.status().error_code();
  r.error_message = e.status().error_message();
  return r;
}

std::string HeaderLines(const Headers& headers) {
  std::string out;
  for (const auto& [name, value] : headers.entries())
    absl::StrAppend(&out, name, ": ", value, "\n");
  return out;
}

// Checks "Authorization: Basic base64(user:password)" in constant time.
absl::Status CheckBasicAuth(const std::string& expected, const Headers& headers) {
  const auto header = headers.Get("authorization");
  if (!header.has_value()) return Unauthenticated("basic_auth_missing");
  constexpr absl::string_view kPrefix = "Basic ";
  if (header->size() <= kPrefix.size() || header->substr(0, kPrefix.size()) != kPrefix) {
    return Unauthenticated("basic_auth_malformed");
  }
  const auto decoded = Base64Decode(header->substr(kPrefix.size()));
  if (!decoded.has_value()) return Unauthenticated("basic_auth_malformed");
  if (!crypto::ConstantTimeEquals(*decoded, expected))
    return Unauthenticated("basic_auth_mismatch");
  return absl::OkStatus();
}

}  // namespace

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kOutOfRange:
      return 413;  // body too large
    case absl::StatusCode::kUnimplemented:
      return 405;
    default:
      return 503;  // unavailable, shed, deadline: the channel retries
  }
}

IngestPipeline::IngestPipeline(IngestOptions options, std::vector<Connector> connectors,
                               queue::EventQueue* queue, const Clock& clock, IngestMetrics* metrics)
    : options_(options), queue_(queue), clock_(clock), ids_(clock), metrics_(metrics) {
  for (auto& c : connectors) {
    std::string name = c.settings.name;
    connectors_.emplace(std::move(name), std::move(c));
  }
}

const Connector* IngestPipeline::FindConnector(const std::string& name) const {
  auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : &it->second;
}

void IngestPipeline::Finish(Transport transport, const std::string& connector, Outcome outcome,
                            absl::Time start, WebhookAnswer answer, const WebhookDone& done) {
  if (metrics_ != nullptr) {
    metrics_->Request(transport, connector, outcome, absl::Now() - start);
    metrics_->SetInFlight(static_cast<double>(in_flight_.load() - 1));
  }
  in_flight_.fetch_sub(1);
  done(std::move(answer));
}

void IngestPipeline::HandleWebhook(WebhookCall call, Transport transport, WebhookDone done) {
  const absl::Time start = absl::Now();
  in_flight_.fetch_add(1);
  // Wrap `done` so every path records its outcome exactly once.
  const Connector* connector = FindConnector(call.connector);
  const std::string metric_name = connector != nullptr ? call.connector : "unknown";
  auto finish = [this, transport, metric_name, start, done = std::move(done)](
                    Outcome outcome, WebhookAnswer answer) {
    Finish(transport, metric_name, outcome, start, std::move(answer), done);
  };
  auto fail = [&finish](const absl::Status& status, Outcome outcome) {
    WebhookAnswer answer;
    answer.status = status;
    answer.http_status = HttpStatusFor(status);
    answer.body = JsonError(status);
    finish(outcome, std::move(answer));
  };

  if (connector == nullptr) {
    fail(Reject(absl::StatusCode::kNotFound, "unknown_connector",
                "no connector with this name is configured"),
         Outcome::kNotFound);
    return;
  }
  if (call.method == "GET") {
    HandleGet(*connector, call, start, [finish](WebhookAnswer a) {
      finish(a.status.ok() ? Outcome::kHandshake : OutcomeForError(a.status), std::move(a));
    });
    return;
  }
  if (call.method != "POST") {
    fail(Reject(absl::StatusCode::kUnimplemented, "method_not_allowed",
                "use POST (or GET for handshakes)"),
         Outcome::kNotFound);
    return;
  }
  if (options_.max_loop_lag > absl::ZeroDuration() && call.loop_lag > options_.max_loop_lag) {
    fail(Reject(absl::StatusCode::kResourceExhausted, "overloaded",
                "ingest is over capacity; retry later"),
         Outcome::kShed);
    return;
  }
  if (call.body.size() > options_.max_body_bytes) {
    fail(Reject(absl::StatusCode::kOutOfRange, "body_too_large",
                absl::StrCat(call.body.size(), " bytes; limit ", options_.max_body_bytes)),
         Outcome::kTooLarge);
    return;
  }
  HandlePost(*connector, std::move(call), start, [finish](WebhookAnswer a) {
    Outcome outcome = Outcome::kAccepted;
    if (!a.status.ok()) {
      outcome = OutcomeForError(a.status);
    } else if (a.results.empty()) {
      outcome = a.ignored ? Outcome::kIgnored : Outcome::kEmpty;
    } else {
      bool all_dup = true;
      for (const auto& r : a.results) all_dup = all_dup && r.duplicate();
      if (all_dup) outcome = Outcome::kDuplicate;
    }
    finish(outcome, std::move(a));
  });
}

void IngestPipeline::HandleGet(const Connector& connector, const WebhookCall& call,
                               absl::Time start, WebhookDone done) {
  channels::InboundRequest request;
  request.method = call.method;
  request.query = call.query;
  request.headers = &call.headers;
  request.received_at_ms = clock_.NowMs();
  auto reply = connector.adapter->Handshake(request);
  WebhookAnswer answer;
  if (!reply.ok()) {
    answer.status = reply.status();
    answer.http_status = HttpStatusFor(reply.status());
    answer.body = JsonError(reply.status());
  } else {
    answer.http_status = reply->http_status;
    answer.content_type = reply->content_type;
    answer.body = std::move(reply->body);
  }
  done(std::move(answer));
}

void IngestPipeline::HandlePost(const Connector& connector, WebhookCall call, absl::Time start,
                                WebhookDone done) {
  channels::InboundRequest request;
  request.method = call.method;
  request.query = call.query;
  request.headers = &call.headers;
  request.body = call.body;
  request.received_at_ms = clock_.NowMs();
  const omnigate::v1::Channel channel = connector.settings.channel;

  absl::Status auth = connector.settings.basic_auth.empty()
                          ? absl::OkStatus()
                          : CheckBasicAuth(connector.settings.basic_auth, call.headers);
  if (auth.ok()) auth = connector.adapter->Authenticate(request);
  if (!auth.ok()) {
    // Not from the channel: store nothing, not even in quarantine (that
    // would let anyone fill Redis).
    if (metrics_ != nullptr) metrics_->Reject(channel, ReasonFamily(RejectReason(auth)));
    OG_LOG(INFO) << "connector=" << connector.settings.name << " rejected: " << RejectReason(auth);
    WebhookAnswer answer;
    answer.status = auth;
    answer.http_status = 401;
    answer.body = JsonError(auth);
    done(std::move(answer));
    return;
  }

  channels::NormalizeResult result;
  absl::Status normalized = connector.adapter->Normalize(request, &result);
  if (normalized.ok() && result.events.size() > options_.max_events_per_request) {
    normalized = Malformed("too_many_events", absl::StrCat(result.events.size(), " events; limit ",
                                                           options_.max_events_per_request));
  }
  if (!normalized.ok()) {
    if (metrics_ != nullptr) metrics_->Reject(channel, ReasonFamily(RejectReason(normalized)));
    QuarantineAndAnswer(&connector, std::move(call), normalized, 400, Outcome::kMalformed, start,
                        std::move(done));
    return;
  }
  if (!result.ignored_reason.empty()) {
    if (metrics_ != nullptr) metrics_->Reject(channel, ReasonFamily(result.ignored_reason));
    QuarantineAndAnswer(&connector, std::move(call),
                        Malformed(result.ignored_reason, "acknowledged and not queued"), 200,
                        Outcome::kIgnored, start, std::move(done));
    return;
  }
  if (result.events.empty()) {
    WebhookAnswer answer;
    answer.body = R"({"status":"ok","events":0})";
    done(std::move(answer));
    return;
  }

  // Envelope fields the adapter does not know.
  const std::string body_sha = HexEncode(crypto::Sha256(call.body));
  const auto traceparent = call.headers.Get("traceparent");
  const auto tracestate = call.headers.Get("tracestate");
  const uint32_t count = static_cast<uint32_t>(result.events.size());
  for (uint32_t i = 0; i < count; ++i) {
    Event& e = result.events[i];
    auto* raw = e.mutable_raw();
    raw->set_body_sha256(body_sha);
    raw->set_body_size(static_cast<uint32_t>(call.body.size()));
    raw->set_index_in_request(i);
    raw->set_events_in_request(count);
    if (traceparent.has_value()) e.mutable_trace()->set_traceparent(std::string(*traceparent));
    if (tracestate.has_value()) e.mutable_trace()->set_tracestate(std::string(*tracestate));
  }
  // Kept for the answer: a request not stored lets its channel retry.
  auto kept = std::make_shared<WebhookCall>(std::move(call));
  Store(std::move(result.events), [&connector, kept, done = std::move(done)](
                                      absl::StatusOr<std::vector<EnqueueResult>> stored) {
    WebhookAnswer answer;
    if (!stored.ok()) {
      channels::InboundRequest retried;
      retried.method = kept->method;
      retried.query = kept->query;
      retried.headers = &kept->headers;
      retried.body = kept->body;
      connector.adapter->ForgetAuthentication(retried);
      answer.status = stored.status();
      answer.http_status = HttpStatusFor(stored.status());
      answer.body = JsonError(stored.status());
    } else {
      size_t dups = 0;
      for (const auto& r : *stored) dups += r.duplicate() ? 1 : 0;
      answer.body = absl::StrCat(R"({"status":"ok","events":)", stored->size(), R"(,"duplicates":)",
                                 dups, "}");
      answer.results = *std::move(stored);
    }
    done(std::move(answer));
  });
}

void IngestPipeline::QuarantineAndAnswer(const Connector* connector, WebhookCall call,
                                         absl::Status reason, int http_status, Outcome outcome,
                                         absl::Time start, WebhookDone done) {
  queue::QuarantineRecord record;
  record.connector = call.connector;
  record.reason = RejectReason(reason);
  record.detail = std::string(reason.message());
  record.received_at_ms = clock_.NowMs();
  record.headers = HeaderLines(call.headers);
  record.query = call.query;
  record.body = std::move(call.body);
  OG_LOG(INFO) << "connector=" << call.connector << " quarantined: " << record.reason;
  queue_->Quarantine(std::move(record), [reason, http_status,
                                         done = std::move(done)](absl::Status stored) {
    WebhookAnswer answer;
    if (!stored.ok()) {
      // The raw request could not be kept: make the channel retry rather
      // than lose it silently.
      answer.status = stored;
      answer.http_status = HttpStatusFor(stored);
      answer.body = JsonError(stored);
    } else {
      answer.ignored = http_status == 200;
      answer.status = answer.ignored ? absl::OkStatus() : reason;
      answer.http_status = http_status;
      answer.body = http_status == 200 ? absl::StrCat(R"({"status":"ignored","reason":")",
                                                      absl::CHexEscape(RejectReason(reason)), "\"}")
                                       : JsonError(reason);
    }
    done(std::move(answer));
  });
}

void IngestPipeline::Publish(std::vector<Event> events, PublishDone done) {
  const absl::Time start = absl::Now();
  in_flight_.fetch_add(1);
  auto finish = [this, start,
                 done = std::move(done)](absl::StatusOr<std::vector<EnqueueResult>> result) {
    Outcome outcome = Outcome::kAccepted;
    if (!result.ok()) {
      outcome = OutcomeForError(result.status());
    } else if (result->empty()) {
      outcome = Outcome::kEmpty;
    }
    if (metrics_ != nullptr)
      metrics_->Request(Transport::kGrpc, "publish", outcome, absl::Now() - start);
    in_flight_.fetch_sub(1);
    done(std::move(result));
  };
  if (events.size() > options_.max_events_per_request) {
    finish(Malformed("too_many_events", absl::StrCat(events.size(), " events; limit ",
                                                     options_.max_events_per_request)));
    return;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    Event& e = events[i];
    const auto bad = [i](absl::string_view what) {
      return Malformed(absl::StrCat("invalid_event:", what),
                       absl::StrCat("events[", i, "]: ", what));
    };
    if (e.channel() == omnigate::v1::CHANNEL_UNSPECIFIED) {
      finish(bad("channel"));
      return;
    }
    if (e.conversation_key().empty() || e.conversation_key().size() > 1024) {
      finish(bad("conversation_key"));
      return;
    }
    if (e.idempotency_key().empty()) {
      if (e.external_id().empty()) {
        finish(bad("external_id or idempotency_key"));
        return;
      }
      e.set_idempotency_key(absl::StrCat(connectors::ChannelName(e.channel()), ":", e.account_id(),
                                         ":", e.external_id()));
    }
    if (e.idempotency_key().size() > 1024) {
      finish(bad("idempotency_key"));
      return;
    }
    if (e.ByteSizeLong() > options_.max_body_bytes) {
      finish(Reject(absl::StatusCode::kOutOfRange, "event_too_large",
                    absl::StrCat("events[", i, "]")));
      return;
    }
  }
  Store(std::move(events), std::move(finish));
}

void IngestPipeline::Store(std::vector<Event> events,
                           std::function<void(absl::StatusOr<std::vector<EnqueueResult>>)> done) {
  const int64_t now = clock_.NowMs();
  std::vector<queue::EventToStore> items(events.size());
  auto results = std::make_shared<std::vector<EnqueueResult>>(events.size());
  auto meta = std::make_shared<std::vector<std::pair<omnigate::v1::Channel, Event::PayloadCase>>>();
  meta->reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    Event& e = events[i];
    if (e.id().empty()) e.set_id(ids_.Next());
    if (e.received_at_ms() == 0) e.set_received_at_ms(now);
    queue::EventToStore& item = items[i];
    item.partition = queue::PartitionOf(e.conversation_key(), options_.partitions);
    if (options_.backlog != nullptr && options_.backlog->Overloaded(item.partition)) {
      done(absl::ResourceExhaustedError(
          absl::StrCat("load shed: partition ", item.partition,
                       " has more undelivered events than ingest.max_backlog; retry later")));
      return;
    }
    item.idempotency_key = e.idempotency_key();
    item.conversation_key = e.conversation_key();
    item.customer_message_ms = CustomerMessageMs(e, now);
    if (item.customer_message_ms > 0) {
      item.customer_id = CustomerAddress(e);
      item.connector = e.connector();
    }
    item.receipt = ReceiptOf(e);
    // Receipts belong to their reply's status; typing comes and goes.
    item.history = e.payload_case() != Event::kStatus &&
                   !(e.has_conversation() &&
                     e.conversation().kind() == omnigate::v1::ConversationEvent::KIND_TYPING);
    e.SerializeToString(&item.payload);
    EnqueueResult& r = (*results)[i];
    r.set_event_id(e.id());
    r.set_idempotency_key(e.idempotency_key());
    r.set_partition(item.partition);
    meta->emplace_back(e.channel(), e.payload_case());
  }
  queue_->Enqueue(
      std::move(items), [this, results, meta, done = std::move(done)](
                            absl::StatusOr<std::vector<queue::EnqueueOutcome>> outcomes) {
        if (!outcomes.ok()) {
          done(outcomes.status());
          return;
        }
        for (size_t i = 0; i < outcomes->size(); ++i) {
          (*results)[i].set_stream_entry_id((*outcomes)[i].stream_entry_id);
          (*results)[i].set_duplicate((*outcomes)[i].duplicate);
          if (metrics_ != nullptr)
            metrics_->Event((*meta)[i].first, (*meta)[i].second, (*outcomes)[i].duplicate);
          if (options_.cx_metrics != nullptr &&
              (*outcomes)[i].cycle != queue::EnqueueOutcome::Cycle::kNone) {
            options_.cx_metrics->Opened(
                (*meta)[i].first, (*outcomes)[i].cycle == queue::EnqueueOutcome::Cycle::kReopened);
          }
        }
        done(std::move(*results));
      });
}

}  // namespace omnigate::ingest
