#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"
#include "lib/outbound/channel_sender.h"
#include "lib/outbound/outbound_message.h"
#include "lib/outbound/rate_defaults.h"

namespace omnigate::sender {

// One configured connector as the sender uses it: its channel's request
// builder, credentials, limits and calls in flight.
struct SenderConnector {
  std::string name;
  omnigate::v1::Channel channel = omnigate::v1::CHANNEL_UNSPECIFIED;
  std::unique_ptr<outbound::ChannelSender> sender;
  outbound::SenderSettings settings;
  outbound::RateDefaults limits;
  std::atomic<int> in_flight{0};
};

using SenderConnectors = std::map<std::string, std::unique_ptr<SenderConnector>>;

// The connectors of the config, by name. Rates come from each connector's
// outbound block (the config filled per-channel defaults), bursts follow
// the rates (outbound::RatesFor). INVALID_ARGUMENT for a channel or e-mail provider
// without a send API. `clock` must outlive the result.
absl::StatusOr<SenderConnectors> BuildSenderConnectors(
    const std::vector<connectors::ConnectorSettings>& connectors, const Clock& clock);

}  // namespace omnigate::sender
