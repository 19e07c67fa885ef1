#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/outbound/outbound_message.h"

namespace omnigate::outbound {

// What every channel requires before building: a recipient, valid UTF-8 in
// every text field, something to send, no WhatsApp template unless
// `templates_allowed`. INVALID_ARGUMENT naming `channel` otherwise.
absl::Status CheckBasics(const OutboundMessage& message, absl::string_view channel,
                         bool templates_allowed = false);

// FAILED_PRECONDITION "<channel> connector needs outbound.<name>" when empty.
absl::Status RequireSetting(absl::string_view channel, absl::string_view name,
                            absl::string_view value);

// Unicode code points (providers count characters, not bytes).
size_t CodePoints(absl::string_view text);
// The first `max` code points of `text`.
std::string TruncateCodePoints(absl::string_view text, size_t max);
// INVALID_ARGUMENT "<channel> <what> has N characters; the limit is M".
absl::Status CheckLength(absl::string_view channel, absl::string_view what, absl::string_view text,
                         size_t max);
// INVALID_ARGUMENT "<channel> accepts at most M <what>; got N".
absl::Status CheckCount(absl::string_view channel, absl::string_view what, size_t count,
                        size_t max);

// `text` followed by the options as "1. Yes\n2. No", for channels without
// buttons; the customer answers with the number or the title.
std::string WithNumberedOptions(absl::string_view text, const std::vector<ReplyOption>& options);

// The message text with each media item as a "caption: url" line, for
// channels that cannot attach by URL (e-mail).
std::string WithMediaLinks(absl::string_view text, const std::vector<MediaAttachment>& media);

}  // namespace omnigate::outbound
