#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/clock.h"
#include "lib/config/webchat_config.h"
#include "lib/connectors/connector.h"
#include "lib/http/http_types.h"
#include "lib/ingest/ingest_pipeline.h"
#include "lib/webchat/session_waiters.h"
#include "lib/webchat/transcript.h"
#include "lib/webchat/visitor_token.h"
#include "lib/webchat/webchat_metrics.h"
#include "lib/webchat/widget_site.h"
#include "lib/webchat/work_queue.h"

namespace omnigate::webchat {

// Hands canonical events to the ingest pipeline (IngestPipeline::Publish).
using PublishFn = std::function<void(std::vector<omnigate::v1::Event>, ingest::PublishDone)>;

struct WebchatDeps {
  PublishFn publish;
  Transcript* transcript = nullptr;
  SessionWaiters* waiters = nullptr;
  WorkQueue* work = nullptr;
  const Clock* clock = nullptr;
  // Optional.
  WebchatMetrics* metrics = nullptr;
};

// The hosted web chat on ingest's HTTP port, for web chat connectors only:
//   GET  /webchat/{c}/widget.js   the embeddable widget (CSS inside)
//   GET  /webchat/{c}/demo        a page embedding it with one script tag
//   POST /webchat/{c}/session     {"token"?} -> the visitor's session token
//   POST /webchat/{c}/messages    a visitor message (Bearer token) -> 200
//                                 only once durably queued
//   GET  /webchat/{c}/poll?after=CURSOR[&wait=1]   transcript entries after
//                                 the cursor, long-polled when wait=1
//   GET  /webchat/{c}/socket      WebSocket pushing replies (VisitorSocket)
//   POST /webchat/{c}/replies     omnigate-sender's signed reply batch
//   OPTIONS                       CORS preflight of the browser calls
// Errors are JSON {"error": reason, "message": text}. Thread-safe.
// A visitor message on its way to the transcript once it is durable.
struct ShownMessage {
  SessionRef session;
  std::string message_id;
  std::string json;
  std::vector<std::pair<std::string, std::string>> cors;
};

class WebchatHttpHandler final : public http::Handler {
 public:
  static constexpr char kPrefix[] = "/webchat/";

  WebchatHttpHandler(const std::vector<connectors::ConnectorSettings>& connectors,
                     const config::WebchatConfig& config, WebchatDeps deps);

  void Handle(http::Request request, http::Responder respond) override;
  // GET /webchat/{c}/socket: the widget's WebSocket (VisitorSocket), from
  // allowed origins only.
  http::UpgradeAnswer Upgrade(const http::Request& request) override;

 private:
  void ServeWidget(const WidgetSite& site, http::Responder respond) const;
  void ServeDemo(const WidgetSite& site, http::Responder respond) const;
  void StartSession(WidgetSite& site, const http::Request& request, http::Responder respond);
  void PostMessage(WidgetSite& site, const http::Request& request, http::Responder respond);
  void Record(const ShownMessage& shown, bool duplicate, const http::Responder& respond);
  void Poll(WidgetSite& site, const http::Request& request, http::Responder respond);
  void PostReplies(WidgetSite& site, const http::Request& request, http::Responder respond);
  http::Responder CountingRefusals(http::Responder respond) const;
  void Refuse(const absl::Status& status, const http::Request& request,
              const http::Responder& respond) const;
  // The visitor of the request's Bearer token, or a 401 answered.
  std::optional<VisitorClaims> Authenticate(const WidgetSite& site, const http::Request& request,
                                            const http::Responder& respond) const;

  // The site of a /webchat/{connector}/{action} path, and the action.
  WidgetSite* SiteOf(absl::string_view path, absl::string_view* action) const;

  const config::WebchatConfig config_;
  const WebchatDeps deps_;
  std::string widget_js_;
  std::map<std::string, std::unique_ptr<WidgetSite>> sites_;
};

}  // namespace omnigate::webchat
