#pragma once

#include "absl/status/statusor.h"
#include "lib/outbound/http_request.h"
#include "lib/outbound/outbound_message.h"
#include "lib/outbound/send_result.h"

namespace omnigate::outbound {

// The pure part of one channel's send API: no I/O, no state between calls,
// safe from any thread.
class ChannelSender {
 public:
  virtual ~ChannelSender() = default;

  // The provider request for `message`. INVALID_ARGUMENT for what the channel
  // cannot carry (naming the limit or feature), FAILED_PRECONDITION for
  // missing connector settings.
  virtual absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const = 0;

  // What the provider's answer to Build(message) means. Never fails: any
  // body, including a truncated or HTML one, gets a class.
  virtual SendOutcome Classify(const OutboundMessage& message,
                               const HttpResponse& response) const = 0;
};

}  // namespace omnigate::outbound
