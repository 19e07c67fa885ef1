#pragma once

#include <vector>

#include "absl/status/status.h"
#include "lib/channels/channel_errors.h"
#include "lib/json/strict_json.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels::whatsapp {

// The `errors` array of a WhatsApp messages[] item, statuses[] item or
// change value: objects with code (integer), title, message,
// error_data.details and href. Appends one ChannelError per item; absent or
// null leaves `out` as it is. INVALID_ARGUMENT for a wrong shape.
absl::Status ReadErrors(const json::Value& holder, std::vector<ChannelError>* out);

// Keeps errors on the event they came with, in attributes: error_code,
// error_title, error_message, error_details of the first error, error_count,
// and "errors" = the array's compact JSON (omitted beyond 4 KiB: the first
// error's fields stay). A status also gets them in Status.error_code and
// error_message (the title, else the message, else the details).
void KeepErrorsOnEvent(const std::vector<ChannelError>& errors, const json::Value* raw_errors,
                       omnigate::v1::Event* event);

}  // namespace omnigate::channels::whatsapp
