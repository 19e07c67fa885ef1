#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "omnigate/v1/event.pb.h"

// The channels' customer-service windows (reference/outbound-apis.md 1.5,
// 2.x): how long after the customer's last message a reply may still go out.
namespace omnigate::conversations {

// The window `reply` needs, or zero when the channel has none for it:
// WhatsApp 24 h except for a template; Messenger and Instagram 24 h, or 7
// days for an agent's reply (the sender tags it HUMAN_AGENT).
absl::Duration ReplyWindow(const omnigate::v1::Event& reply);

// OK when `reply` is inside its window at `now_ms`, the customer's last
// message being at `last_customer_ms` (0: none on record). Else
// FAILED_PRECONDITION saying why and what would work instead.
absl::Status CheckReplyWindow(const omnigate::v1::Event& reply, int64_t last_customer_ms,
                              int64_t now_ms);

}  // namespace omnigate::conversations
