#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace omnigate::webchat {

// One reply for a visitor, from the signed batch omnigate-sender's web chat
// adapter POSTs (docs/channels.md, "Web chat"), ready for the transcript.
struct ReplyForVisitor {
  // The session id of the conversation key (the visitor id).
  std::string visitor_id;
  // server_message_id: dedupes a sender's retry.
  std::string message_id;
  // {"id", "role": "bot"|"agent", "text", "at", "quick_replies": [...],
  //  "attachments": [...]}, rebuilt field by field so nothing unexpected
  // reaches the browser; only http(s) attachment URLs are kept.
  std::string json;
};

// INVALID_ARGUMENT with a reason when the batch is not what the sender
// sends.
absl::StatusOr<std::vector<ReplyForVisitor>> ParseReplyBatch(absl::string_view body,
                                                             int64_t now_ms);

}  // namespace omnigate::webchat
