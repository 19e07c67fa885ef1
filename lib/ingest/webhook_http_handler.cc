#include "lib/ingest/webhook_http_handler.h"

#include <utility>

#include "absl/strings/match.h"

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
    WebhookCall call;
    call.connector = std::string(name);
    call.method = std::move(request.method);
    call.query = std::move(request.query);
    call.headers = std::move(request.headers);
    call.body = std::move(request.body);
    call.loop_lag = request.loop_lag;
    pipeline_->HandleWebhook(std::move(call), Transport::kHttp,
                             [respond = std::move(respond)](WebhookAnswer answer) {
                               http::Response response;
                               response.status = answer.http_status;
                               response.content_type = std::move(answer.content_type);
                               response.body = std::move(answer.body);
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
