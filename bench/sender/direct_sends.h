#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/httpclient/curl_client_options.h"
#include "lib/outbound/http_request.h"

namespace omnigate::bench {

struct DirectResult {
  int answered_2xx = 0;
  int failed = 0;  // any other status, or no answer
  double wall_s = 0;
  // Process user + system CPU over the sends (getrusage), every thread.
  double cpu_s = 0;
  // Voluntary + involuntary context switches over the sends, every thread.
  long context_switches = 0;
};

// The baseline: sends every request with CurlHttpClient, keeping
// options.max_in_flight in flight (the next request goes as an answer comes
// back), and measures wall and process CPU time from the first Send to the
// last answer.
absl::StatusOr<DirectResult> RunDirectSends(std::vector<outbound::HttpRequest> requests,
                                            const httpclient::CurlClientOptions& options,
                                            absl::Duration timeout);

}  // namespace omnigate::bench
