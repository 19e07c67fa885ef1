#pragma once

#include "absl/status/status.h"
#include "lib/json/strict_json.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels::telegram {

// Sets the payload of `event` from a Telegram Message's content field (text,
// photo, animation, document, voice, audio, video, video_note, sticker,
// location, contact). Other kinds become Unsupported, named by their first
// content key, never dropped.
absl::Status FillMessageContent(const json::Value& message, omnigate::v1::Event* event);

}  // namespace omnigate::channels::telegram
