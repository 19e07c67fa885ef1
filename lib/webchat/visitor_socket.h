#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "lib/http/http_types.h"
#include "lib/webchat/transcript.h"
#include "lib/webchat/webchat_http_handler.h"
#include "lib/webchat/widget_site.h"

namespace omnigate::webchat {

// One widget's WebSocket (GET /webchat/{connector}/socket): the live
// channel replies are pushed on. The browser authenticates with its first
// message, {"type":"hello","token":"...","after":"<cursor>"}; the server
// answers {"type":"ready","visitor_id":...} and then, whenever the session
// has entries after the cursor (at once for what was missed while away),
// {"type":"messages","messages":[{cursor, message}],"cursor":"..."}.
// Visitor messages still go through POST /messages (acknowledged once
// durable). Wake-ups come from this replica or any other (SessionWaiters,
// fed by Redis pub/sub); each one re-reads the transcript after the
// cursor, so nothing is lost or repeated on this socket.
class VisitorSocket final : public http::WebSocketHandler,
                            public std::enable_shared_from_this<VisitorSocket> {
 public:
  // `site` and everything in `deps` must outlive the socket.
  VisitorSocket(const WidgetSite* site, WebchatDeps deps, absl::Duration recheck);

  void OnOpen(std::weak_ptr<http::WebSocket> socket) override;
  void OnMessage(std::string text) override;
  void OnClose() override;

  // A socket that has not said hello by then is closed.
  static constexpr absl::Duration kHelloTimeout = absl::Seconds(10);

 private:
  void Hello(absl::string_view token, std::string after);
  void Fail(absl::string_view reason, absl::string_view error);
  // Reads what follows the cursor and pushes it; one read at a time, a
  // wake-up during a read causes one more.
  void Pump();
  void ReadLoop();
  void Arm();
  void Send(std::string text);

  const WidgetSite* const site_;
  const WebchatDeps deps_;
  const absl::Duration recheck_;
  std::mutex mu_;
  std::weak_ptr<http::WebSocket> socket_;  // guarded by mu_
  std::optional<SessionRef> session_;      // guarded by mu_; set by hello
  std::string cursor_;                     // guarded by mu_
  uint64_t hello_timer_ = 0;               // guarded by mu_
  uint64_t waiter_ = 0;                    // guarded by mu_; 0 = not armed
  bool reading_ = false;                   // guarded by mu_
  bool again_ = false;                     // guarded by mu_
  bool closed_ = false;                    // guarded by mu_
};

}  // namespace omnigate::webchat
