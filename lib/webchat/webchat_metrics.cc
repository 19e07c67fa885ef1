#include "lib/webchat/webchat_metrics.h"

#include "absl/strings/match.h"

namespace omnigate::webchat {
namespace {

constexpr const char* kRefusalFamilies[] = {"origin",    "token",     "anonymous",  "rate_limited",
                                            "too_large", "malformed", "unavailable"};
constexpr const char* kSocketErrors[] = {"auth", "protocol", "hello_timeout", "refused"};

absl::string_view FamilyOf(absl::string_view reason) {
  if (absl::StartsWith(reason, "origin")) return "origin";
  if (absl::StartsWith(reason, "token")) return "token";
  if (absl::StartsWith(reason, "anonymous")) return "anonymous";
  if (reason == "rate_limited") return "rate_limited";
  if (absl::StrContains(reason, "too_long") || absl::StrContains(reason, "too_large"))
    return "too_large";
  if (reason == "unavailable" || reason == "overloaded" || reason == "resource_exhausted")
    return "unavailable";
  return "malformed";
}

}  // namespace

WebchatMetrics::WebchatMetrics(prometheus::Registry& registry) {
  auto& connected = prometheus::BuildGauge()
                        .Name("omnigate_webchat_sessions_connected")
                        .Help(
                            "Web chat visitors connected to this ingest now, by transport "
                            "(websocket: authenticated sockets; longpoll: polls waiting).")
                        .Register(registry);
  sockets_ = &connected.Add({{"transport", "websocket"}});
  polls_ = &connected.Add({{"transport", "longpoll"}});
  auto& messages = prometheus::BuildCounter()
                       .Name("omnigate_webchat_messages_total")
                       .Help(
                           "Web chat widget messages: in = visitor messages acknowledged "
                           "(durable, not repeats); out = replies stored for visitors.")
                       .Register(registry);
  in_ = &messages.Add({{"direction", "in"}});
  out_ = &messages.Add({{"direction", "out"}});
  auto& refusals = prometheus::BuildCounter()
                       .Name("omnigate_webchat_refusals_total")
                       .Help(
                           "Web chat widget calls refused before anything was stored, by "
                           "reason family.")
                       .Register(registry);
  for (const char* r : kRefusalFamilies) refusals_[r] = &refusals.Add({{"reason", r}});
  auto& errors = prometheus::BuildCounter()
                     .Name("omnigate_webchat_socket_errors_total")
                     .Help("Web chat WebSockets refused or ended by an error, by reason.")
                     .Register(registry);
  for (const char* r : kSocketErrors) socket_errors_[r] = &errors.Add({{"reason", r}});
}

void WebchatMetrics::Refused(absl::string_view reason) {
  refusals_.find(FamilyOf(reason))->second->Increment();
}

void WebchatMetrics::SocketError(absl::string_view reason) {
  auto it = socket_errors_.find(reason);
  if (it != socket_errors_.end()) it->second->Increment();
}

}  // namespace omnigate::webchat
