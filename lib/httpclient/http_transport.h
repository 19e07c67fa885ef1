#pragma once

#include <functional>

#include "absl/time/time.h"
#include "lib/outbound/http_request.h"

namespace omnigate::httpclient {

// Sends provider calls without blocking the caller. The sender depends on
// this seam only, so its tests can answer calls without a network.
class HttpTransport {
 public:
  using Done = std::function<void(outbound::HttpResponse)>;

  virtual ~HttpTransport() = default;

  // Returns at once. `done` runs exactly once, on another thread (never
  // inside Send). `timeout` bounds the whole call from Send on. Without an
  // HTTP answer (network failure, timeout, overload, shutdown) the response
  // has status 0 and a short reason in transport_error.
  virtual void Send(outbound::HttpRequest request, absl::Duration timeout, Done done) = 0;
};

}  // namespace omnigate::httpclient
