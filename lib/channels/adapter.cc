#include "lib/channels/adapter.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/whatsapp_adapter.h"

namespace omnigate::channels {

void Headers::Add(absl::string_view name, absl::string_view value) {
  entries_.emplace_back(absl::AsciiStrToLower(name), std::string(value));
}

std::optional<absl::string_view> Headers::Get(absl::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (absl::EqualsIgnoreCase(n, name)) return absl::string_view(v);
  }
  return std::nullopt;
}

absl::StatusOr<HandshakeReply> ChannelAdapter::Handshake(const InboundRequest&) const {
  return absl::NotFoundError("this channel has no GET handshake");
}

absl::StatusOr<std::unique_ptr<ChannelAdapter>> CreateAdapter(const ConnectorSettings& settings,
                                                              const Clock& clock) {
  switch (settings.channel) {
    case omnigate::v1::CHANNEL_WHATSAPP:
      if (settings.secret.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("connector '", settings.name, "': whatsapp needs 'secret' (the Meta app secret)"));
      }
      return std::make_unique<WhatsAppAdapter>(settings, clock);
    default:
      return absl::InvalidArgumentError(absl::StrCat("connector '", settings.name, "': channel '",
                                                     ChannelName(settings.channel), "' is not supported yet"));
  }
}

}  // namespace omnigate::channels
