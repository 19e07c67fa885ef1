#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/common/headers.h"

namespace omnigate::channels {

// The body Twilio expects in a successful webhook answer.
struct TwilioReply {
  std::string content_type;
  std::string body;
};

// The empty TwiML document: "do nothing" for an inbound message. Anything
// else (JSON) makes Twilio log error 12300 "Invalid Content-Type" and, for
// a document it cannot parse, 12100.
inline constexpr absl::string_view kEmptyTwiml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

// What to answer a request that was accepted (HTTP 200), when it is a Twilio
// webhook (it carries X-Twilio-Signature): empty TwiML as text/xml for an
// inbound message, an empty body for a status callback (its MessageStatus
// is neither "received" nor "receiving"; Twilio ignores the body there).
// nullopt for any other request: its answer stays as it is.
std::optional<TwilioReply> TwilioSuccessReply(const Headers& headers, absl::string_view body);

}  // namespace omnigate::channels
