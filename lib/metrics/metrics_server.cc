#include "lib/metrics/metrics_server.h"

#include <exception>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/metrics/process_collector.h"
#include "prometheus/exposer.h"

namespace omnigate::metrics {

absl::Status SplitHostPort(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(absl::StrCat("address '", address, "': expected HOST:PORT"));
  }
  std::string h = address.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty())
    return absl::InvalidArgumentError(absl::StrCat("address '", address, "': missing host"));
  if (!absl::SimpleAtoi(address.substr(colon + 1), port) || *port < 0 || *port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("address '", address, "': bad port"));
  }
  *host = h;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  std::string host;
  int port = 0;
  if (auto s = SplitHostPort(address, &host, &port); !s.ok()) return s;
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  // civetweb wants IPv6 listen addresses in brackets.
  const std::string bind = host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port)
                                                               : absl::StrCat(host, ":", port);
  try {
    // prometheus-cpp reports bind failures by exception; stop them here.
    server->exposer_ = std::make_unique<prometheus::Exposer>(bind, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot listen on ", address, ": ", e.what()));
  }
  server->exposer_->RegisterCollectable(registry);
  server->process_collector_ = std::make_shared<ProcessCollector>();
  server->exposer_->RegisterCollectable(server->process_collector_);
  const auto ports = server->exposer_->GetListeningPorts();
  server->port_ = ports.empty() ? port : ports.front();
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace omnigate::metrics
