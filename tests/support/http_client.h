#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace omnigate::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // lowercased names
};

// A minimal blocking HTTP/1.1 client for tests: one request per connection
// (Connection: close) to 127.0.0.1:port. Bounded by `timeout`.
absl::StatusOr<HttpResult> HttpRequest(
    int port, const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    const std::string& body = "", absl::Duration timeout = absl::Seconds(10));

}  // namespace omnigate::testing
