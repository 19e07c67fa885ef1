#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace omnigate::outbound {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One provider call, ready for libcurl. Content-Type is kept apart from the
// other headers so a transport can set it the way its library wants.
struct HttpRequest {
  std::string method = "POST";
  std::string url;
  HeaderList headers;
  std::string body;
  std::string content_type;
  // Credentials inside url/headers/body (tokens, keys): ForLog() hides them.
  std::vector<std::string> secrets;

  // "METHOD url" with every secret replaced by "REDACTED", for logs.
  std::string ForLog() const;
};

// What the provider answered. status 0 = no answer at all (DNS, connect,
// timeout, reset): the transport reports network failures this way.
struct HttpResponse {
  int status = 0;
  HeaderList headers;
  std::string body;
  // Why there was no answer when status is 0 ("timeout", "connect refused",
  // "queue full", "shutting down", ...). Set beside a status, the body is
  // incomplete ("body truncated" at the size cap, or the connection failed).
  // Empty otherwise.
  std::string transport_error;
};

// The first value of header `name` (any case), or nullopt.
std::optional<absl::string_view> FindHeader(const HeaderList& headers, absl::string_view name);

}  // namespace omnigate::outbound
