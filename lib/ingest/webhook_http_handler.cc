#include "lib/ingest/webhook_http_handler.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "lib/channels/twilio_reply.h"

namespace omnigate::ingest {
namespace {

constexpr absl::string_view kWebhookPrefix = "/webhooks/";

http::Response Text(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

void WebhookHttpHandler::Handle(http::Request request, http::Responder respond) {
  const absl::string_view path = request.path;
  if (absl::StartsWith(path, kWebhookPrefix)) {
    const absl::string_view name = path.substr(kWebhookPrefix.size());
    if (name.empty() || absl::StrContains(name, '/')) {
      respond(Text(404, "{\"error\":\"unknown_path\"}"));
      return;
    }
    // Decided before the request is moved into the call: channels that
    // read the answer's body (Twilio parses TwiML) get what they expect.
    std::optional<channels::TwilioReply> twilio_reply =
        channels::TwilioSuccessReply(request.headers, request.body);
    WebhookCall call;
    call.connector = std::string(name);
    call.method = std::move(request.method);
    call.query = std::move(request.query);
    call.headers = std::move(request.headers);
    call.body = std::move(request.body);
    call.loop_lag = request.loop_lag;
    pipeline_->HandleWebhook(std::move(call), Transport::kHttp,
                             [respond = std::move(respond),
                              twilio_reply = std::move(twilio_reply)](WebhookAnswer answer) {
                               http::Response response;
                               response.status = answer.http_status;
                               response.content_type = std::move(answer.content_type);
                               response.body = std::move(answer.body);
                               if (response.status == 200 && twilio_reply.has_value()) {
                                 response.content_type = twilio_reply->content_type;
                                 response.body = twilio_reply->body;
                               }
                               if (response.status == 503)
                                 response.headers.emplace_back("Retry-After", "1");
                               respond(std::move(response));
                             });
    return;
  }
  if (path == "/healthz") {
    respond(Text(200, "ok\n"));
  } else if (path == "/readyz") {
    const bool ready = pipeline_->ready();
    respond(Text(ready ? 200 : 503, ready ? "ready\n" : "not ready\n"));
  } else {
    respond(Text(404, "{\"error\":\"unknown_path\"}"));
  }
}

}  // namespace omnigate::ingest
