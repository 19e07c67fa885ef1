#include "tools/fake_provider/providers.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace omnigate::fakeprovider {
namespace {

constexpr std::pair<Provider, absl::string_view> kNames[] = {
    {Provider::kWhatsApp, "whatsapp"},   {Provider::kMessenger, "messenger"},
    {Provider::kInstagram, "instagram"}, {Provider::kTelegram, "telegram"},
    {Provider::kLine, "line"},           {Provider::kTwilio, "twilio"},
    {Provider::kViber, "viber"},         {Provider::kX, "x"},
    {Provider::kSendGrid, "sendgrid"},   {Provider::kMailgun, "mailgun"},
    {Provider::kWebchat, "webchat"},
};

std::vector<absl::string_view> Segments(absl::string_view path) {
  return absl::StrSplit(absl::StripPrefix(path, "/"), '/');
}

// "/{id}/messages", optionally under a Graph version ("/v21.0/{id}/messages").
bool IsGraphMessages(const std::vector<absl::string_view>& s) {
  if (s.size() == 3 && absl::StartsWith(s[0], "v")) return !s[1].empty() && s[2] == "messages";
  return s.size() == 2 && !s[0].empty() && s[1] == "messages";
}

}  // namespace

const std::vector<Provider>& AllProviders() {
  static const auto* all = [] {
    auto* out = new std::vector<Provider>;
    for (const auto& [provider, name] : kNames) out->push_back(provider);
    return out;
  }();
  return *all;
}

absl::string_view ProviderName(Provider provider) {
  for (const auto& [p, name] : kNames) {
    if (p == provider) return name;
  }
  return "unknown";
}

std::optional<Provider> ProviderFromName(absl::string_view name) {
  for (const auto& [p, n] : kNames) {
    if (n == name) return p;
  }
  return std::nullopt;
}

bool IsSendPath(Provider provider, absl::string_view path) {
  const std::vector<absl::string_view> s = Segments(path);
  switch (provider) {
    case Provider::kWhatsApp:
    case Provider::kMessenger:
    case Provider::kInstagram:
      return IsGraphMessages(s);
    case Provider::kTelegram:
      return s.size() == 2 && absl::StartsWith(s[0], "bot") && s[0].size() > 3 &&
             absl::StartsWith(s[1], "send");
    case Provider::kLine:
      return s.size() == 4 && s[0] == "v2" && s[1] == "bot" && s[2] == "message" &&
             (s[3] == "reply" || s[3] == "push");
    case Provider::kTwilio:
      return s.size() == 4 && s[0] == "2010-04-01" && s[1] == "Accounts" && !s[2].empty() &&
             s[3] == "Messages.json";
    case Provider::kViber:
      return path == "/pa/send_message";
    case Provider::kX:
      return (s.size() == 5 && s[0] == "2" && s[1] == "dm_conversations" && s[2] == "with" &&
              !s[3].empty() && s[4] == "messages") ||
             (s.size() == 4 && s[0] == "2" && s[1] == "dm_conversations" && !s[2].empty() &&
              s[3] == "messages");
    case Provider::kSendGrid:
      return path == "/v3/mail/send";
    case Provider::kMailgun:
      return s.size() == 3 && s[0] == "v3" && !s[1].empty() && s[2] == "messages";
    case Provider::kWebchat:
      return true;  // the site's own URL: any path
  }
  return false;
}

Route RouteRequest(absl::string_view path, const Headers& headers, absl::string_view body) {
  Route route;
  const std::vector<absl::string_view> s = Segments(path);
  if (const auto named = ProviderFromName(s[0])) {
    route.provider = named;
    const absl::string_view rest = absl::StripPrefix(absl::StripPrefix(path, "/"), s[0]);
    route.provider_path = rest.empty() ? "/" : std::string(rest);
    return route;
  }
  route.provider_path = std::string(path);
  // Unambiguous shapes first; the Graph shape last, as it is the loosest.
  for (const Provider p :
       {Provider::kTelegram, Provider::kLine, Provider::kTwilio, Provider::kViber, Provider::kX,
        Provider::kSendGrid, Provider::kMailgun}) {
    if (IsSendPath(p, path)) {
      route.provider = p;
      return route;
    }
  }
  if (headers.Get("x-webchat-signature")) {
    route.provider = Provider::kWebchat;
  } else if (IsGraphMessages(s)) {
    // Cheaper than parsing: the builders write this member verbatim.
    route.provider = absl::StrContains(body, "\"messaging_product\":\"whatsapp\"")
                         ? Provider::kWhatsApp
                         : Provider::kMessenger;
  }
  return route;
}

}  // namespace omnigate::fakeprovider
