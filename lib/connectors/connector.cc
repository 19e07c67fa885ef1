#include "lib/connectors/connector.h"

#include <array>
#include <utility>

namespace omnigate::connectors {
namespace {

using omnigate::v1::Channel;

constexpr std::array<std::pair<absl::string_view, Channel>, 10> kChannelNames = {{
    {"whatsapp", omnigate::v1::CHANNEL_WHATSAPP},
    {"messenger", omnigate::v1::CHANNEL_MESSENGER},
    {"instagram", omnigate::v1::CHANNEL_INSTAGRAM},
    {"telegram", omnigate::v1::CHANNEL_TELEGRAM},
    {"line", omnigate::v1::CHANNEL_LINE},
    {"twilio", omnigate::v1::CHANNEL_TWILIO},
    {"viber", omnigate::v1::CHANNEL_VIBER},
    {"x", omnigate::v1::CHANNEL_X},
    {"email", omnigate::v1::CHANNEL_EMAIL},
    {"webchat", omnigate::v1::CHANNEL_WEBCHAT},
}};

}  // namespace

Channel ChannelFromName(absl::string_view name) {
  for (const auto& [n, c] : kChannelNames) {
    if (n == name) return c;
  }
  return omnigate::v1::CHANNEL_UNSPECIFIED;
}

absl::string_view ChannelName(Channel channel) {
  for (const auto& [n, c] : kChannelNames) {
    if (c == channel) return n;
  }
  if (channel == omnigate::v1::CHANNEL_INTERNAL) return "internal";
  return "unspecified";
}

}  // namespace omnigate::connectors
