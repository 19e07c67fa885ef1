#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels {

// An error the channel reported inside a webhook (WhatsApp `errors`), as
// opposed to an error of the webhook itself.
struct ChannelError {
  std::string code;  // the channel's code as text ("131051")
  std::string title;
  std::string message;
  std::string details;
};

// Told about channel errors that belong to no message (WhatsApp value-level
// `errors`): they are counted and logged, never queued as conversation
// events. Implementations must be thread-safe.
class ChannelErrorObserver {
 public:
  virtual ~ChannelErrorObserver() = default;
  virtual void OnChannelError(omnigate::v1::Channel channel, absl::string_view code) = 0;
};

// Process-wide, because adapters are built before (and apart from) the
// metrics that count what they see. `observer` must stay valid until it is
// cleared; ClearChannelErrorObserver only clears it if it is still the one
// set (a later one wins).
void SetChannelErrorObserver(ChannelErrorObserver* observer);
void ClearChannelErrorObserver(ChannelErrorObserver* observer);

// Logs each error with the connector and tells the observer, if any.
void ReportChannelErrors(omnigate::v1::Channel channel, absl::string_view connector,
                         const std::vector<ChannelError>& errors);

// A bounded metric label for a channel's error code: the code when it is a
// number of at most 12 digits, else "other".
std::string ErrorCodeLabel(absl::string_view code);

}  // namespace omnigate::channels
