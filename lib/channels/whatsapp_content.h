#pragma once

#include "absl/status/status.h"
#include "lib/json/strict_json.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels::whatsapp {

// Sets the payload of `event` from one entry of a WhatsApp `messages[]`
// array according to its `type`. Types omnigate does not model become
// Unsupported with the type name and the message's JSON, never dropped.
// Sets reply_to_external_id for reactions (the message reacted to).
absl::Status FillMessageContent(const json::Value& message, omnigate::v1::Event* event);

// Maps a WhatsApp status name ("sent", "delivered", ...) to the canonical
// state; STATE_UNSPECIFIED for names not known yet.
omnigate::v1::Status::State StatusState(absl::string_view name);

}  // namespace omnigate::channels::whatsapp
