#include "lib/sender/sender_connector.h"

#include "absl/strings/str_cat.h"
#include "lib/outbound/sender_factory.h"

namespace omnigate::sender {

absl::StatusOr<SenderConnectors> BuildSenderConnectors(
    const std::vector<connectors::ConnectorSettings>& connectors, const Clock& clock) {
  SenderConnectors out;
  for (const auto& settings : connectors) {
    auto c = std::make_unique<SenderConnector>();
    c->name = settings.name;
    c->channel = settings.channel;
    c->sender = outbound::SenderFor(settings.channel, settings.provider, clock);
    if (c->sender == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "connector '", settings.name, "': channel '", connectors::ChannelName(settings.channel),
          "'", settings.provider.empty() ? "" : absl::StrCat(" (", settings.provider, ")"),
          " has no send API"));
    }
    c->settings = outbound::SenderSettingsFor(settings);
    c->limits = outbound::RatesFor(settings.channel, settings.outbound.rate_per_s,
                                   settings.outbound.recipient_rate_per_s);
    out.emplace(settings.name, std::move(c));
  }
  return out;
}

}  // namespace omnigate::sender
