#include "lib/conversations/outbound_metrics.h"

#include <string>

namespace omnigate::conversations {

OutboundMetrics::OutboundMetrics(prometheus::Registry& registry)
    : queued_(prometheus::BuildCounter()
                  .Name("omnigate_outbound_queued_total")
                  .Help("Replies Outbound.Send queued, by channel.")
                  .Register(registry)),
      refused_(prometheus::BuildCounter()
                   .Name("omnigate_outbound_window_refusals_total")
                   .Help("Replies Outbound.Send refused with FAILED_PRECONDITION because the "
                         "channel's messaging window is closed (a template is needed), by "
                         "channel.")
                   .Register(registry)) {
  // Series exist from the start, so rates and alerts see zeros, not gaps.
  for (auto channel : {omnigate::v1::CHANNEL_WHATSAPP, omnigate::v1::CHANNEL_MESSENGER,
                       omnigate::v1::CHANNEL_INSTAGRAM}) {
    refused_.Add({{"channel", std::string(connectors::ChannelName(channel))}});
  }
}

void OutboundMetrics::Queued(omnigate::v1::Channel channel) {
  queued_.Add({{"channel", std::string(connectors::ChannelName(channel))}}).Increment();
}

void OutboundMetrics::WindowRefused(omnigate::v1::Channel channel) {
  refused_.Add({{"channel", std::string(connectors::ChannelName(channel))}}).Increment();
}

}  // namespace omnigate::conversations
