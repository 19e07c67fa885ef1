#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/common/headers.h"

namespace omnigate::webchat {

// Which web pages may call a connector's widget API from a browser: the
// configured origins, and omnigate's own (its demo page). Requests without
// an Origin header (not from a browser page) pass: the visitor token is
// what authenticates; the origin check keeps other sites' pages from
// driving a visitor's session.
class OriginPolicy {
 public:
  explicit OriginPolicy(std::vector<std::string> allowed) : allowed_(std::move(allowed)) {}

  // True when the request may proceed.
  bool Allows(const Headers& headers) const;
  // CORS answer headers for an allowed request that named an origin.
  static std::vector<std::pair<std::string, std::string>> CorsHeaders(const Headers& headers);

 private:
  std::vector<std::string> allowed_;
};

}  // namespace omnigate::webchat
