#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/webchat/visitor_token.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::webchat {

// What the widget POSTs to /webchat/{connector}/messages:
//   {"client_message_id": "...", "text": "...",
//    "quick_reply": {"payload": "..."}, "locale": "en", "page_url": "..."}
// The client_message_id is chosen once per message and reused on every
// retry, so a retry after a network error is stored once.
struct VisitorMessage {
  std::string client_message_id;
  std::string text;
  std::string quick_reply_payload;
  std::string locale;
  std::string page_url;
};

// INVALID_ARGUMENT with a reason ("missing_required_field:text",
// "text_too_long", ...) for anything the widget would never send.
absl::StatusOr<VisitorMessage> ParseVisitorMessage(absl::string_view body, size_t max_text_bytes);

// The canonical web chat event of `message`, as the server-to-server web
// chat protocol would produce it: conversation "webchat:<site>:<visitor>",
// sender the visitor (customer), idempotency key from the visitor and the
// client message id.
omnigate::v1::Event VisitorEvent(const std::string& connector, const VisitorClaims& visitor,
                                 const VisitorMessage& message, int64_t now_ms);

// The conversation key of a visitor of `site`.
std::string ConversationKeyOf(absl::string_view site, absl::string_view visitor_id);

// The transcript entry of the visitor's message (what the widget renders).
std::string VisitorEntryJson(const VisitorMessage& message, int64_t now_ms);

}  // namespace omnigate::webchat
