#pragma once

#include "lib/connectors/connector.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace omnigate::conversations {

// Outbound.Send's outcomes by channel (a bounded label): replies queued and
// replies refused because the channel's messaging window is closed.
// Thread-safe.
class OutboundMetrics {
 public:
  explicit OutboundMetrics(prometheus::Registry& registry);

  void Queued(omnigate::v1::Channel channel);
  void WindowRefused(omnigate::v1::Channel channel);

 private:
  prometheus::Family<prometheus::Counter>& queued_;
  prometheus::Family<prometheus::Counter>& refused_;
};

}  // namespace omnigate::conversations
