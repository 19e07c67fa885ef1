#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "lib/http/http_types.h"
#include "tools/fake_provider/recorded_request.h"

namespace omnigate::fakeprovider {

// What the fake answers when nothing is scripted: the provider's documented
// success for its send endpoints (reference/outbound-apis.md "Response"
// sections), 405 for another method and 404 elsewhere. `seq` (1, 2, ...)
// makes the provider ids, so a run's ids are deterministic:
//   WhatsApp   200 messages[0].id "wamid.FAKE<seq>", contacts[0] echoes "to"
//   Messenger  200 {"recipient_id", "message_id":"m_FAKE<seq>"} (Instagram "aWdfFAKE<seq>")
//   Telegram   200 {"ok":true,"result":{"message_id":<seq>,"chat":{"id"},...}}
//   LINE       200 sentMessages[] one {"id","quoteToken"} per message object
//   Twilio     201 {"sid":"SM<32 hex>" ("MM" with media),"status":"queued"|"accepted",...}
//   Viber      200 {"status":0,"status_message":"ok","message_token":<int64>}
//   X          201 {"data":{"dm_conversation_id","dm_event_id"}}
//   SendGrid   202, empty body, X-Message-Id header
//   Mailgun    200 {"id":"<...@domain>","message":"Queued. Thank you."}
//   web chat   200 {"id":<delivery_id>}
http::Response DefaultAnswer(const RecordedRequest& request, uint64_t seq, absl::Time now);

}  // namespace omnigate::fakeprovider
