#include "lib/webchat/visitor_socket.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/reject.h"
#include "lib/json/strict_json.h"
#include "lib/webchat/json_out.h"

namespace omnigate::webchat {
namespace {

constexpr size_t kMaxEntriesPerPush = 200;

std::string ErrorMessage(absl::string_view reason) {
  JsonOut json;
  json.BeginObject().Field("type", "error").Field("error", reason).EndObject();
  return json.Take();
}

}  // namespace

VisitorSocket::VisitorSocket(const WidgetSite* site, WebchatDeps deps, absl::Duration recheck)
    : site_(site), deps_(std::move(deps)), recheck_(recheck) {}

void VisitorSocket::OnOpen(std::weak_ptr<http::WebSocket> socket) {
  std::weak_ptr<VisitorSocket> weak = weak_from_this();
  std::lock_guard<std::mutex> lock(mu_);
  socket_ = std::move(socket);
  hello_timer_ =
      deps_.waiters->Add(absl::StrCat("hello-timeout:", reinterpret_cast<uintptr_t>(this)),
                         absl::Now() + kHelloTimeout, [weak](bool) {
                           if (auto self = weak.lock()) {
                             self->Fail("hello_timeout", "hello_timeout");
                           }
                         });
}

void VisitorSocket::OnMessage(std::string text) {
  auto doc = json::ParseStrictObject(text);
  std::string type, token, after;
  if (!doc.ok() || !json::GetString(**doc, "type", &type).ok()) {
    Fail("protocol", "bad_message");
    return;
  }
  if (type == "ping") return;
  if (type != "hello") {
    Fail("protocol", "unknown_type");
    return;
  }
  if (!json::GetString(**doc, "token", &token).ok() ||
      !json::GetString(**doc, "after", &after).ok() || !IsValidCursor(after)) {
    Fail("protocol", "bad_hello");
    return;
  }
  Hello(token, std::move(after));
}

void VisitorSocket::Hello(absl::string_view token, std::string after) {
  auto claims = site_->Verify(token, deps_.clock->NowMs() / 1000);
  if (!claims.ok()) {
    Fail("auth", RejectReason(claims.status()));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (session_.has_value()) return;  // a second hello changes nothing
    session_ = SessionRef{site_->settings.name, claims->visitor_id};
    cursor_ = std::move(after);
    deps_.waiters->Remove(hello_timer_);
  }
  if (deps_.metrics != nullptr) deps_.metrics->SocketConnected(+1);
  JsonOut json;
  json.BeginObject().Field("type", "ready").Field("visitor_id", claims->visitor_id).EndObject();
  Send(json.Take());
  Pump();  // what the visitor missed while away
}

void VisitorSocket::Fail(absl::string_view reason, absl::string_view error) {
  if (deps_.metrics != nullptr) deps_.metrics->SocketError(reason);
  std::shared_ptr<http::WebSocket> socket;
  {
    std::lock_guard<std::mutex> lock(mu_);
    socket = socket_.lock();
  }
  if (socket == nullptr) return;
  socket->Send(ErrorMessage(error));
  socket->Close();
}

void VisitorSocket::OnClose() {
  bool was_connected = false;
  uint64_t waiter = 0, hello = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    was_connected = session_.has_value();
    waiter = waiter_;
    hello = hello_timer_;
    waiter_ = 0;
  }
  if (waiter != 0) deps_.waiters->Remove(waiter);
  if (!was_connected) deps_.waiters->Remove(hello);
  if (was_connected && deps_.metrics != nullptr) deps_.metrics->SocketConnected(-1);
}

void VisitorSocket::Pump() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || !session_.has_value()) return;
    if (reading_) {
      again_ = true;
      return;
    }
    reading_ = true;
  }
  std::weak_ptr<VisitorSocket> weak = weak_from_this();
  const bool posted = deps_.work->Post([weak] {
    if (auto self = weak.lock()) self->ReadLoop();
  });
  if (!posted) {
    // Overloaded: the next wake-up or recheck tries again.
    std::lock_guard<std::mutex> lock(mu_);
    reading_ = false;
  }
}

void VisitorSocket::Arm() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || waiter_ != 0) return;
  std::weak_ptr<VisitorSocket> weak = weak_from_this();
  // The deadline doubles as a periodic re-check, in case a wake-up was lost.
  waiter_ = deps_.waiters->Add(session_->Name(), absl::Now() + recheck_, [weak](bool) {
    if (auto self = weak.lock()) {
      {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->waiter_ = 0;
      }
      self->Pump();
    }
  });
}

void VisitorSocket::ReadLoop() {
  for (;;) {
    // Armed before reading: an entry appended meanwhile still wakes us.
    Arm();
    SessionRef session;
    std::string cursor;
    {
      std::lock_guard<std::mutex> lock(mu_);
      session = *session_;
      cursor = cursor_;
    }
    auto entries = deps_.transcript->ReadAfter(session, cursor, kMaxEntriesPerPush);
    if (entries.ok() && !entries->empty()) {
      JsonOut json;
      json.BeginObject().Field("type", "messages").Key("messages").BeginArray();
      for (const TranscriptEntry& e : *entries) {
        json.BeginObject().Field("cursor", e.cursor).Key("message").Raw(e.json).EndObject();
      }
      json.EndArray().Field("cursor", entries->back().cursor).EndObject();
      {
        std::lock_guard<std::mutex> lock(mu_);
        cursor_ = entries->back().cursor;
      }
      Send(json.Take());
      if (entries->size() == kMaxEntriesPerPush) {
        std::lock_guard<std::mutex> lock(mu_);
        again_ = true;  // more may follow
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (again_ && !closed_) {
      again_ = false;
      continue;
    }
    reading_ = false;
    return;
  }
}

void VisitorSocket::Send(std::string text) {
  std::shared_ptr<http::WebSocket> socket;
  {
    std::lock_guard<std::mutex> lock(mu_);
    socket = socket_.lock();
  }
  if (socket != nullptr) socket->Send(std::move(text));
}

}  // namespace omnigate::webchat
