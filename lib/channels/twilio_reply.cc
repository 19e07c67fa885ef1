#include "lib/channels/twilio_reply.h"

#include "lib/channels/form_encoding.h"

namespace omnigate::channels {

std::optional<TwilioReply> TwilioSuccessReply(const Headers& headers, absl::string_view body) {
  if (!headers.Get("x-twilio-signature").has_value()) return std::nullopt;
  bool status_callback = false;
  if (auto params = ParseUrlEncoded(body); params.ok()) {
    const std::string* status = FindParam(*params, "MessageStatus");
    status_callback =
        status != nullptr && !status->empty() && *status != "received" && *status != "receiving";
  }
  if (status_callback) return TwilioReply{"text/plain", ""};
  return TwilioReply{"text/xml", std::string(kEmptyTwiml)};
}

}  // namespace omnigate::channels
