#include "lib/channels/twilio_adapter.h"

#include <algorithm>
#include <string>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/event_fields.h"
#include "lib/channels/form_encoding.h"
#include "lib/channels/signature.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"

namespace omnigate::channels {
namespace {

using omnigate::v1::Event;
using omnigate::v1::MediaItem;

std::string Param(const FormParams& params, absl::string_view name) {
  const std::string* value = FindParam(params, name);
  return value == nullptr ? "" : *value;
}

// "whatsapp:+1202..." -> ("whatsapp", "+1202...").
std::pair<std::string, std::string> SplitAddress(const std::string& address) {
  const size_t colon = address.find(':');
  if (colon == std::string::npos) return {"sms", address};
  return {absl::AsciiStrToLower(address.substr(0, colon)), address.substr(colon + 1)};
}

omnigate::v1::Status::State StatusState(absl::string_view name) {
  using Status = omnigate::v1::Status;
  if (name == "queued" || name == "accepted" || name == "scheduled" || name == "sending")
    return Status::STATE_QUEUED;
  if (name == "sent") return Status::STATE_SENT;
  if (name == "delivered") return Status::STATE_DELIVERED;
  if (name == "read") return Status::STATE_READ;
  if (name == "failed" || name == "canceled") return Status::STATE_FAILED;
  if (name == "undelivered") return Status::STATE_UNDELIVERED;
  return Status::STATE_UNSPECIFIED;
}

// Form fields, checked to be UTF-8 like the body.
absl::StatusOr<FormParams> ReadForm(absl::string_view body) {
  if (body.empty()) return Malformed("empty_body");
  if (!IsValidUtf8(body)) return Malformed("form_invalid_utf8");
  auto params = ParseUrlEncoded(body);
  if (!params.ok()) return params.status();
  for (const auto& [name, value] : *params) {
    if (!IsValidUtf8(value)) return Malformed(absl::StrCat("form_invalid_utf8:", name));
  }
  return params;
}

// Who and what every Twilio callback names.
struct Envelope {
  std::string sid;
  std::string flavor;  // "sms", "whatsapp", ...
  std::string from;
  std::string to;
};

absl::Status ReadEnvelope(const FormParams& params, Envelope* envelope) {
  envelope->sid = Param(params, "MessageSid");
  if (envelope->sid.empty()) envelope->sid = Param(params, "SmsMessageSid");
  if (envelope->sid.empty()) envelope->sid = Param(params, "SmsSid");
  if (envelope->sid.empty()) return Malformed("missing_required_field:MessageSid");
  const std::string from_param = Param(params, "From");
  const std::string to_param = Param(params, "To");
  if (from_param.empty()) return Malformed("missing_required_field:From");
  if (to_param.empty()) return Malformed("missing_required_field:To");
  std::tie(envelope->flavor, envelope->from) = SplitAddress(from_param);
  envelope->to = SplitAddress(to_param).second;
  return absl::OkStatus();
}

void CopyAttributes(const FormParams& params, Event* event) {
  auto& attributes = *event->mutable_attributes();
  for (const auto& [param, attribute] :
       {std::pair<const char*, const char*>{"FromCity", "from_city"},
        {"OptOutType", "opt_out"},
        {"RawDlrDoneDate", "raw_dlr_done_date"},
        {"MessagingServiceSid", "messaging_service_sid"},
        {"AccountSid", "account_sid"}}) {
    const std::string value = Param(params, param);
    if (!value.empty()) attributes[attribute] = value;
  }
}

// A status callback for a message the business sent: From is us.
void FillStatus(const FormParams& params, const Envelope& envelope,
                const std::string& message_status, Event* event) {
  event->set_account_id(envelope.from);
  event->set_conversation_key(
      absl::StrCat("twilio_", envelope.flavor, ":", envelope.from, ":", envelope.to));
  event->mutable_sender()->set_id(envelope.from);
  event->mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  event->mutable_recipient()->set_id(envelope.to);
  event->mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
  auto* status = event->mutable_status();
  status->set_target_external_id(envelope.sid);
  status->set_state(StatusState(message_status));
  status->set_recipient_id(envelope.to);
  status->set_error_code(Param(params, "ErrorCode"));
  status->set_error_message(Param(params, "ErrorMessage"));
  if (status->state() == omnigate::v1::Status::STATE_UNSPECIFIED)
    (*event->mutable_attributes())["status_name"] = message_status;
  event->set_idempotency_key(absl::StrCat("twilio:status:", envelope.sid, ":", message_status));
}

// An inbound message: the customer writes to the business number.
void SetMessageParties(const FormParams& params, const Envelope& envelope, Event* event) {
  event->set_account_id(envelope.to);
  event->set_conversation_key(
      absl::StrCat("twilio_", envelope.flavor, ":", envelope.to, ":", envelope.from));
  event->set_idempotency_key(absl::StrCat("twilio:msg:", envelope.sid));
  event->mutable_sender()->set_id(envelope.from);
  event->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  event->mutable_sender()->set_display_name(Param(params, "ProfileName"));
  if (!envelope.from.empty() && envelope.from[0] == '+') {
    event->mutable_sender()->set_phone(envelope.from);
  }
  event->mutable_recipient()->set_id(envelope.to);
  event->mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
  event->set_reply_to_external_id(Param(params, "OriginalRepliedMessageSid"));
}

absl::Status FillMedia(const FormParams& params, int media_count, const std::string& body,
                       Event* event) {
  auto* media = event->mutable_media();
  media->set_caption(body);
  for (int i = 0; i < media_count; ++i) {
    const std::string url = Param(params, absl::StrCat("MediaUrl", i));
    if (url.empty()) return Malformed(absl::StrCat("missing_required_field:MediaUrl", i));
    MediaItem* item = media->add_items();
    item->set_url(url);
    item->set_mime_type(Param(params, absl::StrCat("MediaContentType", i)));
    item->set_kind(MediaKindOfMime(item->mime_type()));
    // One attachment: the body is its caption (WhatsApp semantics).
    if (media_count == 1) item->set_caption(body);
  }
  return absl::OkStatus();
}

absl::Status FillLocation(const FormParams& params, const std::string& latitude, Event* event) {
  double lat = 0, lon = 0;
  if (!absl::SimpleAtod(latitude, &lat) || !absl::SimpleAtod(Param(params, "Longitude"), &lon)) {
    return Malformed("schema_type_mismatch:Latitude");
  }
  auto* location = event->mutable_location();
  location->set_latitude(lat);
  location->set_longitude(lon);
  location->set_name(Param(params, "Label"));
  location->set_address(Param(params, "Address"));
  return absl::OkStatus();
}

// The payload: media, a location, a button press, or text.
absl::Status FillMessageContent(const FormParams& params, Event* event) {
  const std::string body = Param(params, "Body");
  int media_count = 0;
  const std::string num_media = Param(params, "NumMedia");
  if (!num_media.empty() &&
      (!absl::SimpleAtoi(num_media, &media_count) || media_count < 0 || media_count > 10)) {
    return Malformed("integer_out_of_range:NumMedia");
  }
  const std::string latitude = Param(params, "Latitude");
  const std::string button = Param(params, "ButtonPayload");
  if (media_count > 0) return FillMedia(params, media_count, body, event);
  if (!latitude.empty()) return FillLocation(params, latitude, event);
  if (!button.empty()) {
    auto* reply = event->mutable_interactive();
    reply->set_type(omnigate::v1::InteractiveReply::TYPE_BUTTON);
    reply->set_id(button);
    reply->set_title(Param(params, "ButtonText"));
    return absl::OkStatus();
  }
  event->mutable_text()->set_body(body);
  return absl::OkStatus();
}

}  // namespace

absl::Status TwilioAdapter::Authenticate(const InboundRequest& request) const {
  // The signed text: the URL Twilio called, then name+value of every POST
  // parameter in name order.
  return VerifyMacHeader(request, "x-twilio-signature", "", MacEncoding::kBase64, [&] {
    std::string signed_text = settings_.public_url;
    if (!request.query.empty() && !absl::StrContains(settings_.public_url, '?')) {
      absl::StrAppend(&signed_text, "?", request.query);
    }
    auto params = ParseUrlEncoded(request.body);
    if (params.ok()) {
      std::sort(params->begin(), params->end());
      for (const auto& [name, value] : *params) absl::StrAppend(&signed_text, name, value);
    } else {
      // Twilio never sends such a body; still keyed by the secret, so no
      // header value can match without it.
      absl::StrAppend(&signed_text, request.body);
    }
    return crypto::HmacSha1(settings_.secret, signed_text);
  });
}

absl::Status TwilioAdapter::Normalize(const InboundRequest& request,
                                      NormalizeResult* result) const {
  auto params = ReadForm(request.body);
  if (!params.ok()) return params.status();
  Envelope envelope;
  OG_RETURN_IF_ERROR(ReadEnvelope(*params, &envelope));

  Event event;
  event.set_channel(omnigate::v1::CHANNEL_TWILIO);
  event.set_connector(settings_.name);
  event.set_external_id(envelope.sid);
  SetSentAt(0, ReceiptTimeMs(request, clock_), &event);
  (*event.mutable_attributes())["twilio_channel"] = envelope.flavor;
  CopyAttributes(*params, &event);

  const std::string message_status = Param(*params, "MessageStatus");
  if (!message_status.empty() && message_status != "received" && message_status != "receiving") {
    FillStatus(*params, envelope, message_status, &event);
  } else {
    SetMessageParties(*params, envelope, &event);
    OG_RETURN_IF_ERROR(FillMessageContent(*params, &event));
  }
  result->events.push_back(std::move(event));
  return absl::OkStatus();
}

}  // namespace omnigate::channels
