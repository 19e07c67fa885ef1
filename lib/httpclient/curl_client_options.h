#pragma once

#include <cstddef>
#include <string>

#include "absl/time/time.h"

namespace omnigate::httpclient {

struct CurlClientOptions {
  // Transfers running at once; further requests wait in a FIFO queue.
  int max_in_flight = 256;
  // Requests allowed to wait; beyond it Send answers "queue full".
  int max_queued = 10000;
  // Connections to one host:port (HTTP/2 multiplexes requests over them).
  int max_connections_per_host = 16;
  absl::Duration connect_timeout = absl::Seconds(5);
  // Longer response bodies are cut here (the status is kept).
  size_t max_response_bytes = 1 << 20;
  bool verify_tls = true;
  // CA bundle replacing the system one; empty = system default.
  std::string ca_file;
  // HTTP/2 over TLS when the server offers it, multiplexed.
  bool http2 = true;
  std::string user_agent = "omnigate-sender";
};

}  // namespace omnigate::httpclient
