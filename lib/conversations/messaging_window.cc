#include "lib/conversations/messaging_window.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace omnigate::conversations {
namespace {

using omnigate::v1::Event;

constexpr absl::Duration kStandardWindow = absl::Hours(24);
constexpr absl::Duration kHumanAgentWindow = absl::Hours(7 * 24);

bool MetaMessaging(omnigate::v1::Channel channel) {
  return channel == omnigate::v1::CHANNEL_MESSENGER || channel == omnigate::v1::CHANNEL_INSTAGRAM;
}

// "25h" / "3 days" / "has not written": whole units, for people.
std::string LastWrote(int64_t last_customer_ms, int64_t now_ms) {
  if (last_customer_ms <= 0) {
    return "the customer has not written in this conversation (none on record within the "
           "conversation retention)";
  }
  const int64_t hours = (now_ms - last_customer_ms) / (3600 * 1000);
  if (hours < 72) return absl::StrCat("the customer last wrote ", hours, "h ago");
  return absl::StrCat("the customer last wrote ", hours / 24, " days ago");
}

}  // namespace

absl::Duration ReplyWindow(const Event& reply) {
  if (reply.channel() == omnigate::v1::CHANNEL_WHATSAPP) {
    return reply.has_template_() ? absl::ZeroDuration() : kStandardWindow;
  }
  if (MetaMessaging(reply.channel())) {
    return reply.sender().role() == omnigate::v1::ROLE_AGENT ? kHumanAgentWindow : kStandardWindow;
  }
  return absl::ZeroDuration();
}

absl::Status CheckReplyWindow(const Event& reply, int64_t last_customer_ms, int64_t now_ms) {
  const absl::Duration window = ReplyWindow(reply);
  if (window == absl::ZeroDuration()) return absl::OkStatus();
  if (last_customer_ms > 0 && now_ms - last_customer_ms < absl::ToInt64Milliseconds(window)) {
    return absl::OkStatus();
  }
  const std::string why = LastWrote(last_customer_ms, now_ms);
  if (reply.channel() == omnigate::v1::CHANNEL_WHATSAPP) {
    return absl::FailedPreconditionError(absl::StrCat(
        "WhatsApp accepts a free-form reply only within 24 h of the customer's last message; ", why,
        ": send an approved template (event.template) instead"));
  }
  const absl::string_view channel =
      reply.channel() == omnigate::v1::CHANNEL_INSTAGRAM ? "Instagram" : "Messenger";
  if (window == kHumanAgentWindow) {
    return absl::FailedPreconditionError(
        absl::StrCat(channel,
                     " accepts a human agent's reply only within 7 days of the customer's last "
                     "message (HUMAN_AGENT tag); ",
                     why, ": the window is closed"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      channel,
      " accepts a reply only within 24 h of the customer's last message (7 days for a human "
      "agent's reply, sender.role ROLE_AGENT); ",
      why, ": the window is closed"));
}

}  // namespace omnigate::conversations
