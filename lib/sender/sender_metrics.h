#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/outbound/send_result.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace omnigate::sender {

// The sender's own metrics (the worker machinery adds omnigate_sender_*
// delivery, retry, dead-letter and ready families through DispatchMetrics). Labels
// are connector names from the config, channel names and fixed words: all
// bounded. Thread-safe.
class SenderMetrics {
 public:
  SenderMetrics(prometheus::Registry& registry, const std::vector<std::string>& connectors);

  // One provider answer (or no answer), by its class.
  void Sent(const std::string& connector, outbound::SendOutcome::Kind kind, absl::Duration elapsed);
  // A reply refused before any call: it cannot be built for its channel.
  void Invalid(const std::string& connector);
  // A send held back: "rate_limit" (our shared limit), "connector" or
  // "recipient" (a pause the provider asked for, or a paused connector).
  void ThrottleWait(const std::string& connector, absl::string_view scope, absl::Duration wait);
  void SetPaused(const std::string& connector, bool paused);
  void AddInFlight(const std::string& connector, double delta);
  // A status record or failure event could not be written (Redis).
  void StatusError() { status_errors_.Increment(); }

 private:
  struct PerConnector {
    std::map<outbound::SendOutcome::Kind, prometheus::Counter*> sends;
    prometheus::Counter* invalid = nullptr;
    prometheus::Histogram* send_seconds = nullptr;
    std::map<std::string, prometheus::Counter*> throttles;
    std::map<std::string, prometheus::Counter*> throttle_seconds;
    prometheus::Gauge* paused = nullptr;
    prometheus::Gauge* in_flight = nullptr;
  };
  PerConnector* Find(const std::string& connector);

  prometheus::Family<prometheus::Counter>& sends_;
  prometheus::Family<prometheus::Histogram>& send_seconds_;
  prometheus::Family<prometheus::Counter>& throttles_;
  prometheus::Family<prometheus::Counter>& throttle_seconds_;
  prometheus::Family<prometheus::Gauge>& paused_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Counter& status_errors_;
  std::map<std::string, PerConnector> connectors_;
};

}  // namespace omnigate::sender
