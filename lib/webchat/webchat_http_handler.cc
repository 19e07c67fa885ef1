#include "lib/webchat/webchat_http_handler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "lib/common/log.h"
#include "lib/common/reject.h"
#include "lib/json/strict_json.h"
#include "lib/webchat/json_out.h"
#include "lib/webchat/reply_message.h"
#include "lib/webchat/visitor_message.h"
#include "lib/webchat/visitor_socket.h"
#include "lib/webchat/visitor_token.h"
#include "lib/webchat/widget_assets.h"

namespace omnigate::webchat {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A page asks for at most this many entries at once (history on reload).
constexpr size_t kMaxEntriesPerPoll = 200;

http::Response Json(int status, std::string body, Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::Response Error(int status, absl::string_view reason, absl::string_view message,
                     Headers headers = {}) {
  JsonOut json;
  json.BeginObject().Field("error", reason).Field("message", message).EndObject();
  return Json(status, json.Take(), std::move(headers));
}

// An error answer from a status built with Reject (reason attached).
http::Response ErrorOf(const absl::Status& status, Headers headers = {}) {
  return Error(ingest::HttpStatusFor(status), RejectReason(status), status.message(),
               std::move(headers));
}

http::Response Asset(absl::string_view content_type, std::string body) {
  http::Response r;
  r.content_type = std::string(content_type);
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "public, max-age=300");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

// "ip:port" or "[v6]:port" -> the address alone.
std::string ClientIp(absl::string_view remote) {
  const size_t colon = remote.rfind(':');
  absl::string_view ip = colon == absl::string_view::npos ? remote : remote.substr(0, colon);
  if (absl::StartsWith(ip, "[") && absl::EndsWith(ip, "]")) ip = ip.substr(1, ip.size() - 2);
  return std::string(ip);
}

std::string QueryParam(absl::string_view query, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(query, '&')) {
    const size_t eq = part.find('=');
    if (eq != absl::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
  }
  return "";
}

std::string QuoteJson(absl::string_view text) {
  JsonOut json;
  json.String(text);
  return json.Take();
}

// The answer to an acknowledged visitor message.
http::Response Accepted(const ShownMessage& shown, bool duplicate) {
  JsonOut json;
  json.BeginObject().Field("status", duplicate ? "duplicate" : "stored");
  json.Field("id", shown.message_id).EndObject();
  return Json(200, json.Take(), shown.cors);
}

std::string EntriesJson(const std::vector<TranscriptEntry>& entries, absl::string_view cursor) {
  JsonOut json;
  json.BeginObject().Key("messages").BeginArray();
  std::string last(cursor);
  for (const TranscriptEntry& e : entries) {
    json.BeginObject().Field("cursor", e.cursor).Key("message").Raw(e.json).EndObject();
    last = e.cursor;
  }
  json.EndArray().Field("cursor", last.empty() ? "0" : last).EndObject();
  return json.Take();
}

}  // namespace

WebchatHttpHandler::WebchatHttpHandler(const std::vector<connectors::ConnectorSettings>& connectors,
                                       const config::WebchatConfig& config, WebchatDeps deps)
    : config_(config), deps_(std::move(deps)) {
  for (const auto& c : connectors) {
    if (c.channel != omnigate::v1::CHANNEL_WEBCHAT) continue;
    sites_.emplace(c.name,
                   std::make_unique<WidgetSite>(c, config_.WidgetFor(c.name), *deps_.clock));
  }
  // The stylesheet travels inside the script: one request, one tag.
  widget_js_ =
      absl::StrReplaceAll(kWidgetJs, {{"\"__OMNIGATE_WIDGET_CSS__\"", QuoteJson(kWidgetCss)}});
}

WidgetSite* WebchatHttpHandler::SiteOf(absl::string_view path, absl::string_view* action) const {
  if (!absl::StartsWith(path, kPrefix)) return nullptr;
  const std::vector<absl::string_view> parts =
      absl::StrSplit(path.substr(sizeof(kPrefix) - 1), '/');
  if (parts.size() != 2) return nullptr;
  auto it = sites_.find(std::string(parts[0]));
  if (it == sites_.end()) return nullptr;
  *action = parts[1];
  return it->second.get();
}

http::UpgradeAnswer WebchatHttpHandler::Upgrade(const http::Request& request) {
  http::UpgradeAnswer answer;
  absl::string_view action;
  WidgetSite* site = SiteOf(request.path, &action);
  if (site == nullptr || action != "socket") {
    answer.refusal = Error(404, "unknown_path", "no web chat socket here");
  } else if (!site->origins.Allows(request.headers)) {
    answer.refusal = Error(403, "origin_not_allowed",
                           "this page's origin is not in the connector's allowed_origins");
  } else {
    answer.accept = std::make_shared<VisitorSocket>(site, deps_, config_.poll_timeout);
    return answer;
  }
  if (deps_.metrics != nullptr) deps_.metrics->SocketError("refused");
  return answer;
}

void WebchatHttpHandler::Handle(http::Request request, http::Responder respond) {
  // /webchat/{connector}/{action}
  absl::string_view action;
  WidgetSite* found = SiteOf(request.path, &action);
  if (found == nullptr) {
    respond(Error(404, "unknown_connector", "no such web chat connector or resource"));
    return;
  }
  WidgetSite& site = *found;
  const std::string& method = request.method;

  if (action == "widget.js" && method == "GET") return ServeWidget(site, std::move(respond));
  if (action == "demo" && method == "GET") return ServeDemo(site, std::move(respond));
  if (action == "replies" && method == "POST") {
    return PostReplies(site, request, std::move(respond));
  }
  const bool api = action == "session" || action == "messages" || action == "poll";
  if (!api) {
    respond(Error(404, "unknown_path", "no such web chat resource"));
    return;
  }
  // Every refusal of a browser call is counted here, by its reason.
  respond = CountingRefusals(std::move(respond));
  // Browser calls: only from the site's pages (and omnigate's demo).
  if (!site.origins.Allows(request.headers)) {
    respond(Error(403, "origin_not_allowed",
                  "this page's origin is not in the connector's allowed_origins"));
    return;
  }
  if (method == "OPTIONS") {
    http::Response preflight = Json(204, "", OriginPolicy::CorsHeaders(request.headers));
    respond(std::move(preflight));
    return;
  }
  if (action == "session" && method == "POST") {
    return StartSession(site, request, std::move(respond));
  }
  if (action == "messages" && method == "POST") {
    return PostMessage(site, request, std::move(respond));
  }
  if (action == "poll" && method == "GET") return Poll(site, request, std::move(respond));
  respond(Error(405, "method_not_allowed", "wrong method for this resource",
                OriginPolicy::CorsHeaders(request.headers)));
}

http::Responder WebchatHttpHandler::CountingRefusals(http::Responder respond) const {
  WebchatMetrics* metrics = deps_.metrics;
  if (metrics == nullptr) return respond;
  return [metrics, respond = std::move(respond)](http::Response r) {
    if (r.status >= 400 && r.status != 404 && r.status != 405) {
      std::string reason = "malformed";
      if (auto doc = json::ParseStrictObject(r.body); doc.ok()) {
        (void)json::GetString(**doc, "error", &reason);
      }
      metrics->Refused(reason);
    }
    respond(std::move(r));
  };
}

void WebchatHttpHandler::Refuse(const absl::Status& status, const http::Request& request,
                                const http::Responder& respond) const {
  respond(ErrorOf(status, OriginPolicy::CorsHeaders(request.headers)));
}

void WebchatHttpHandler::ServeWidget(const WidgetSite&, http::Responder respond) const {
  respond(Asset("application/javascript; charset=utf-8", widget_js_));
}

void WebchatHttpHandler::ServeDemo(const WidgetSite& site, http::Responder respond) const {
  // Connector names are [A-Za-z0-9_-] (config), safe inside the page.
  respond(Asset("text/html; charset=utf-8",
                absl::StrReplaceAll(kDemoHtml, {{"__CONNECTOR__", site.settings.name}})));
}

std::optional<VisitorClaims> WebchatHttpHandler::Authenticate(
    const WidgetSite& site, const http::Request& request, const http::Responder& respond) const {
  const std::optional<absl::string_view> header = request.headers.Get("authorization");
  if (!header || !absl::StartsWith(*header, "Bearer ")) {
    respond(Error(401, "token_missing", "send Authorization: Bearer <visitor token>",
                  OriginPolicy::CorsHeaders(request.headers)));
    return std::nullopt;
  }
  auto claims = site.Verify(header->substr(7), deps_.clock->NowMs() / 1000);
  if (!claims.ok()) {
    Refuse(claims.status(), request, respond);
    return std::nullopt;
  }
  return *std::move(claims);
}

void WebchatHttpHandler::StartSession(WidgetSite& site, const http::Request& request,
                                      http::Responder respond) {
  const Headers cors = OriginPolicy::CorsHeaders(request.headers);
  std::string token;
  if (!request.body.empty()) {
    auto doc = json::ParseStrictObject(request.body);
    if (!doc.ok()) {
      respond(ErrorOf(doc.status(), cors));
      return;
    }
    (void)json::GetString(**doc, "token", &token);
  }
  const int64_t now_s = deps_.clock->NowMs() / 1000;
  VisitorClaims claims;
  if (!token.empty()) {
    auto verified = site.Verify(token, now_s);
    if (!verified.ok()) {
      Refuse(verified.status(), request, respond);
      return;
    }
    claims = *std::move(verified);
  } else if (site.widget.allow_anonymous) {
    // A visitor nobody vouched for: per-IP limited, or anyone could mint
    // sessions (and conversations) without bound.
    if (!site.per_ip.TryTake(ClientIp(request.remote_address), deps_.clock->NowMs())) {
      respond(Error(429, "rate_limited", "too many requests from this address", cors));
      return;
    }
    claims.site = site.site;
    claims.visitor_id = absl::StrCat("anon-", UuidV7Generator(*deps_.clock).Next());
    claims.anonymous = true;
    claims.expires_at_s = now_s + absl::ToInt64Seconds(site.widget.session_ttl);
    token = SignVisitorToken(claims, site.settings.secret);
  } else {
    respond(Error(401, "token_required",
                  "this connector has no anonymous visitors: the site must sign a token", cors));
    return;
  }
  JsonOut json;
  json.BeginObject().Field("token", token).Field("visitor_id", claims.visitor_id);
  json.Field("name", claims.name).BoolField("anonymous", claims.anonymous);
  json.IntField("expires_at", claims.expires_at_s).EndObject();
  respond(Json(200, json.Take(), cors));
}

void WebchatHttpHandler::PostMessage(WidgetSite& site, const http::Request& request,
                                     http::Responder respond) {
  const Headers cors = OriginPolicy::CorsHeaders(request.headers);
  const int64_t now_ms = deps_.clock->NowMs();
  // Per address first: it also bounds token guessing.
  const std::string ip = ClientIp(request.remote_address);
  if (!site.per_ip.TryTake(ip, now_ms)) {
    Headers headers = cors;
    headers.emplace_back("Retry-After",
                         absl::StrCat(site.per_ip.RetryAfterMs(ip, now_ms) / 1000 + 1));
    respond(Error(429, "rate_limited", "too many messages from this address", headers));
    return;
  }
  std::optional<VisitorClaims> visitor = Authenticate(site, request, respond);
  if (!visitor) return;
  if (!site.per_visitor.TryTake(visitor->visitor_id, now_ms)) {
    Headers headers = cors;
    headers.emplace_back(
        "Retry-After",
        absl::StrCat(site.per_visitor.RetryAfterMs(visitor->visitor_id, now_ms) / 1000 + 1));
    respond(Error(429, "rate_limited", "too many messages in this chat; wait a moment", headers));
    return;
  }
  auto message = ParseVisitorMessage(request.body, static_cast<size_t>(site.widget.max_text_bytes));
  if (!message.ok()) {
    respond(ErrorOf(message.status(), cors));
    return;
  }
  std::vector<omnigate::v1::Event> events;
  events.push_back(VisitorEvent(site.settings.name, *visitor, *message, now_ms));
  const SessionRef session{site.settings.name, visitor->visitor_id};
  auto shown = std::make_shared<const ShownMessage>(
      ShownMessage{session, message->client_message_id, VisitorEntryJson(*message, now_ms), cors});
  deps_.publish(std::move(events), [this, shown, respond](
                                       absl::StatusOr<std::vector<omnigate::v1::EnqueueResult>> r) {
    if (!r.ok()) {
      respond(ErrorOf(r.status(), shown->cors));
      return;
    }
    const bool duplicate = !r->empty() && (*r)[0].duplicate();
    auto record = [this, shown, duplicate, respond] { Record(*shown, duplicate, respond); };
    // Durable already: a full work queue only skips the copy.
    if (!deps_.work->Post(record)) respond(Accepted(*shown, duplicate));
  });
}

void WebchatHttpHandler::Record(const ShownMessage& shown, bool duplicate,
                                const http::Responder& respond) {
  // The transcript copy is for display (history on reload). It is deduped by
  // the message id, so a retry after a failed copy fills it in.
  auto appended = deps_.transcript->Append(shown.session, shown.message_id, shown.json);
  if (!duplicate && deps_.metrics != nullptr) deps_.metrics->MessageIn();
  if (appended.ok()) {
    deps_.waiters->Notify(shown.session.Name());  // the visitor's other tabs, at once
  } else {
    OG_LOG(WARNING) << "webchat: transcript append failed: " << appended.status();
  }
  respond(Accepted(shown, duplicate));
}

void WebchatHttpHandler::Poll(WidgetSite& site, const http::Request& request,
                              http::Responder respond) {
  const Headers cors = OriginPolicy::CorsHeaders(request.headers);
  std::optional<VisitorClaims> visitor = Authenticate(site, request, respond);
  if (!visitor) return;
  const std::string cursor = QueryParam(request.query, "after");
  if (!IsValidCursor(cursor)) {
    respond(Error(400, "bad_cursor", "after= takes a cursor from an earlier answer", cors));
    return;
  }
  const bool wait = QueryParam(request.query, "wait") == "1";
  const SessionRef session{site.settings.name, visitor->visitor_id};
  Transcript* transcript = deps_.transcript;
  WorkQueue* work = deps_.work;
  auto read = [transcript, session, cursor, cors, respond](bool answer_empty) {
    auto entries = transcript->ReadAfter(session, cursor, kMaxEntriesPerPoll);
    if (!entries.ok()) {
      respond(Error(503, "unavailable", "storage unavailable; retry", cors));
      return true;
    }
    if (entries->empty() && !answer_empty) return false;
    respond(Json(200, EntriesJson(*entries, cursor), cors));
    return true;
  };
  WebchatMetrics* metrics = deps_.metrics;
  auto gauge = [metrics](int delta) {
    if (metrics != nullptr) metrics->PollWaiting(delta);
  };
  uint64_t waiter = 0;
  if (wait) {
    // Armed before the first read, so a reply appended in between still
    // wakes it. Whichever answers first wins (the responder answers once).
    gauge(+1);
    waiter = deps_.waiters->Add(session.Name(), absl::Now() + config_.poll_timeout,
                                [work, read, gauge](bool) {
                                  gauge(-1);
                                  if (!work->Post([read] { read(true); })) read(true);
                                });
  }
  SessionWaiters* waiters = deps_.waiters;
  auto forget = [waiters, waiter, gauge] {
    if (waiters->Remove(waiter)) gauge(-1);
  };
  const bool posted = work->Post([read, wait, forget] {
    if (read(!wait) && wait) forget();
  });
  if (!posted) {
    if (wait) forget();
    respond(Error(503, "overloaded", "too many requests in progress; retry", cors));
  }
}

void WebchatHttpHandler::PostReplies(WidgetSite& site, const http::Request& request,
                                     http::Responder respond) {
  channels::InboundRequest inbound;
  inbound.headers = &request.headers;
  inbound.body = request.body;
  if (absl::Status auth = site.reply_auth.Authenticate(inbound); !auth.ok()) {
    respond(ErrorOf(auth));
    return;
  }
  auto replies = ParseReplyBatch(request.body, deps_.clock->NowMs());
  if (!replies.ok()) {
    respond(ErrorOf(replies.status()));
    return;
  }
  const std::string connector = site.settings.name;
  Transcript* transcript = deps_.transcript;
  SessionWaiters* waiters = deps_.waiters;
  const bool posted = deps_.work->Post([transcript, waiters, metrics = deps_.metrics, connector,
                                        replies = *std::move(replies), respond] {
    for (const ReplyForVisitor& reply : replies) {
      const SessionRef session{connector, reply.visitor_id};
      auto appended = transcript->Append(session, reply.message_id, reply.json);
      if (!appended.ok()) {
        // The sender retries: nothing is lost, repeats are deduped.
        respond(Error(503, "unavailable", "storage unavailable; retry"));
        return;
      }
      if (metrics != nullptr && !appended->empty()) metrics->MessageOut();
      // This replica's waiters at once; the others through Redis pub/sub.
      waiters->Notify(session.Name());
    }
    respond(Json(200, "{\"status\":\"stored\"}"));
  });
  if (!posted) respond(Error(503, "overloaded", "too many requests in progress; retry"));
}

}  // namespace omnigate::webchat
