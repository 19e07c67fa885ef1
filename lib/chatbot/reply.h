#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/chatbot/language.h"
#include "lib/common/clock.h"
#include "lib/common/uuid.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::chatbot {

// Sender id of every bot reply.
inline constexpr absl::string_view kBotSenderId = "omnigate-chatbot";

// The canonical outbound reply to `inbound`: same channel, connector,
// account and conversation, addressed to the inbound sender, threaded on its
// external id. `faq_id` (may be empty) is recorded in attributes; `options`
// (may be empty) go with the text as choices (buttons / quick replies).
omnigate::v1::Event BuildReply(const omnigate::v1::Event& inbound, absl::string_view text,
                               Language language, absl::string_view faq_id, UuidV7Generator& ids,
                               const Clock& clock,
                               const std::vector<omnigate::v1::Option>& options = {});

}  // namespace omnigate::chatbot
