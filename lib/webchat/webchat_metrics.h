#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace omnigate::webchat {

// The hosted widget's families (deploy/metrics.md):
//   omnigate_webchat_sessions_connected{transport}  visitors connected now:
//       "websocket" (authenticated sockets) or "longpoll" (polls waiting)
//   omnigate_webchat_messages_total{direction}      "in": visitor messages
//       acknowledged (new, durable); "out": replies stored for visitors
//   omnigate_webchat_refusals_total{reason}         browser calls refused
//   omnigate_webchat_socket_errors_total{reason}    sockets ended by an error
// Labels are fixed sets, so the series count is bounded. Thread-safe.
class WebchatMetrics {
 public:
  explicit WebchatMetrics(prometheus::Registry& registry);

  void SocketConnected(int delta) { sockets_->Increment(delta); }
  void PollWaiting(int delta) { polls_->Increment(delta); }
  void MessageIn() { in_->Increment(); }
  void MessageOut() { out_->Increment(); }
  // `reason`: a reject reason ("token_expired", "rate_limited", ...),
  // folded to its family: origin, token, anonymous, rate_limited,
  // too_large, malformed, unavailable.
  void Refused(absl::string_view reason);
  // auth, protocol, hello_timeout, refused.
  void SocketError(absl::string_view reason);

 private:
  prometheus::Gauge* sockets_;
  prometheus::Gauge* polls_;
  prometheus::Counter* in_;
  prometheus::Counter* out_;
  std::map<std::string, prometheus::Counter*, std::less<>> refusals_;
  std::map<std::string, prometheus::Counter*, std::less<>> socket_errors_;
};

}  // namespace omnigate::webchat
