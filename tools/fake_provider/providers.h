#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/common/headers.h"

namespace omnigate::fakeprovider {

// The send APIs the fake answers like. E-mail has two (SendGrid, Mailgun), so
// this is not omnigate::v1::Channel.
enum class Provider {
  kWhatsApp,
  kMessenger,
  kInstagram,
  kTelegram,
  kLine,
  kTwilio,
  kViber,
  kX,
  kSendGrid,
  kMailgun,
  kWebchat,
};

const std::vector<Provider>& AllProviders();

// "whatsapp", "messenger", "instagram", "telegram", "line", "twilio", "viber",
// "x", "sendgrid", "mailgun", "webchat": also the first path segment that
// selects the provider (base_url() + "/whatsapp" is WhatsApp's api_base_url).
absl::string_view ProviderName(Provider provider);
std::optional<Provider> ProviderFromName(absl::string_view name);

// Where a request goes: the provider and the path below its prefix.
struct Route {
  std::optional<Provider> provider;
  // The provider's own path ("/100000000000001/messages"), without the
  // "/whatsapp" prefix when there was one.
  std::string provider_path;
};

// The provider from the first path segment when it names one; otherwise
// guessed from the provider's own path shape (so a bare base_url() works
// too): WhatsApp and Messenger share "/{id}/messages" and are told apart by
// messaging_product in the body (Instagram reads as Messenger); the web chat
// by its X-Webchat-Signature header.
Route RouteRequest(absl::string_view path, const Headers& headers, absl::string_view body);

// Whether `path` (below the prefix) is one of the provider's send endpoints.
bool IsSendPath(Provider provider, absl::string_view path);

}  // namespace omnigate::fakeprovider
