#include "lib/outbound/twilio_sender.h"

#include <cstdint>
#include <initializer_list>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

constexpr absl::string_view kChannel = "Twilio";

bool In(int64_t code, std::initializer_list<int64_t> codes) {
  for (int64_t c : codes) {
    if (c == code) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<HttpRequest> TwilioSender::Build(const OutboundMessage& message) const {
  const SenderSettings& settings = message.settings;
  OG_RETURN_IF_ERROR(CheckBasics(message, kChannel));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "account", settings.account));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "token", settings.token));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "from", settings.from));
  OG_RETURN_IF_ERROR(CheckCount(kChannel, "media URLs", message.media.size(), kMaxMedia));

  std::string body = message.text;
  for (const MediaAttachment& media : message.media) {
    if (!media.caption.empty() && media.caption != message.text) {
      absl::StrAppend(&body, body.empty() ? "" : "\n", media.caption);
    }
  }
  body = WithNumberedOptions(body, message.options);
  OG_RETURN_IF_ERROR(CheckLength(kChannel, "Body", body, kMaxBody));

  FormFields form;
  form.emplace_back("To", message.recipient);
  if (absl::StartsWith(settings.from, "MG")) {
    form.emplace_back("MessagingServiceSid", settings.from);
  } else if (absl::StartsWith(message.recipient, "whatsapp:") &&
             !absl::StartsWith(settings.from, "whatsapp:")) {
    // A WhatsApp recipient needs the WhatsApp form of the sender too.
    form.emplace_back("From", absl::StrCat("whatsapp:", settings.from));
  } else {
    form.emplace_back("From", settings.from);
  }
  if (!body.empty()) form.emplace_back("Body", body);
  for (const MediaAttachment& media : message.media) form.emplace_back("MediaUrl", media.url);
  if (!settings.status_callback_url.empty() && !message.outbound_id.empty()) {
    const char* separator = absl::StrContains(settings.status_callback_url, "?") ? "&" : "?";
    form.emplace_back("StatusCallback", absl::StrCat(settings.status_callback_url, separator,
                                                     "out=", PercentEncode(message.outbound_id)));
  }

  HttpRequest request;
  request.url = JoinUrl(
      settings.api_base_url,
      absl::StrCat("2010-04-01/Accounts/", PercentEncode(settings.account), "/Messages.json"));
  request.headers.emplace_back("Authorization", BasicAuth(settings.account, settings.token));
  request.content_type = "application/x-www-form-urlencoded";
  request.body = FormEncode(form);
  request.secrets.push_back(settings.token);
  return request;
}

SendOutcome TwilioSender::Classify(const OutboundMessage&, const HttpResponse& response) const {
  const ParsedBody body = ParseBody(response);
  const json::Value* root = body.root();
  if (root == nullptr) return ClassifyUnparsed(response);
  if (response.status >= 200 && response.status < 300) {
    return SentOrUnreadable(response, StringAt(root, "sid"));
  }
  int64_t code = 0;
  if (!json::GetInt64(*root, "code", &code).ok()) code = 0;
  std::string text = StringAt(root, "message");
  if (text.empty()) text = BodySnippet(response.body);
  const std::string code_text = code != 0 ? absl::StrCat(code) : absl::StrCat(response.status);

  if (code == 20429 || In(code, {63017, 63018, 63119}) || response.status == 429) {
    // Never processed: always safe to retry.
    return Throttled(SendOutcome::Scope::kConnector, RetryAfterHeader(response), code_text, text);
  }
  if (In(code, {20003, 21611}) || response.status == 401) {
    return Failed(SendOutcome::kConnector, code_text, text);  // auth, or the sender queue is full
  }
  if (code == 63016) return Failed(SendOutcome::kPolicy, code_text, text);  // window closed
  if (In(code, {21610, 21211, 21614, 21612, 21408})) {
    return Failed(SendOutcome::kPermanent, code_text, text);
  }
  return ClassifyByStatus(response, code_text, text);
}

}  // namespace omnigate::outbound
