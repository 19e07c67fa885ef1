#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace omnigate::metrics {

// Serves GET /metrics (Prometheus text format) for one registry, plus the
// process metrics every service exports (omnigate_process_*).
class MetricsServer {
 public:
  // Binds HOST:PORT (port 0 picks a free one). INVALID_ARGUMENT /
  // UNAVAILABLE naming the address when it cannot.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsServer();
  int port() const { return port_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  // The exposer holds collectables weakly; they live here.
  std::shared_ptr<prometheus::Collectable> process_collector_;
  int port_ = 0;
};

// Splits "HOST:PORT" / "[v6]:PORT". INVALID_ARGUMENT when malformed.
absl::Status SplitHostPort(const std::string& address, std::string* host, int* port);

}  // namespace omnigate::metrics
