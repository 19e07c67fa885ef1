#pragma once

#include <string>

#include "lib/http/http_types.h"

namespace omnigate::webchat {

// Sends requests whose path starts with `prefix` to `matched`, every other
// one to `fallback` (WebSocket upgrades too), so a new surface can share a
// listener without touching the existing handler. Both handlers must
// outlive the router.
class PrefixRouter final : public http::Handler {
 public:
  PrefixRouter(std::string prefix, http::Handler* matched, http::Handler* fallback)
      : prefix_(std::move(prefix)), matched_(matched), fallback_(fallback) {}

  void Handle(http::Request request, http::Responder respond) override {
    Route(request)->Handle(std::move(request), std::move(respond));
  }
  http::UpgradeAnswer Upgrade(const http::Request& request) override {
    return Route(request)->Upgrade(request);
  }

 private:
  http::Handler* Route(const http::Request& request) const {
    return request.path.compare(0, prefix_.size(), prefix_) == 0 ? matched_ : fallback_;
  }

  const std::string prefix_;
  http::Handler* const matched_;
  http::Handler* const fallback_;
};

}  // namespace omnigate::webchat
