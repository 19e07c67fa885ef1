#include "lib/outbound/mailgun_sender.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/common/status_macros.h"
#include "lib/outbound/email_compose.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

constexpr absl::string_view kChannel = "Mailgun";

}  // namespace

absl::StatusOr<HttpRequest> MailgunSender::Build(const OutboundMessage& message) const {
  const SenderSettings& settings = message.settings;
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "account (domain)", settings.account));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "token", settings.token));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "from", settings.from));
  auto parts = ComposeEmail(message, kChannel);
  if (!parts.ok()) return parts.status();
  if (absl::StrContains(message.outbound_id, "@") ||
      message.outbound_id.find_first_of("<>\r\n ") != std::string::npos) {
    return absl::InvalidArgumentError("Mailgun outbound id cannot form a Message-Id");
  }

  FormFields form = {{"from", settings.from},
                     {"to", message.recipient},
                     {"subject", parts->subject},
                     {"text", parts->text}};
  size_t option_bytes = 0;
  auto option = [&](std::string name, std::string value) {
    option_bytes += name.size() + value.size();
    form.emplace_back(std::move(name), std::move(value));
  };
  if (!parts->in_reply_to.empty()) {
    option("h:In-Reply-To", parts->in_reply_to);
    option("h:References", parts->references);
  }
  if (!message.outbound_id.empty()) {
    option("h:Message-Id", absl::StrCat("<", message.outbound_id, "@", settings.account, ">"));
    option("v:outbound_id", message.outbound_id);
  }
  // User variables come back in every webhook: the conversation tells ingest
  // where the reply's provider id is recorded (lib/channels/email_receipts.h).
  if (!message.conversation_key.empty()) option("v:conversation_key", message.conversation_key);
  if (option_bytes > kMaxOptionBytes) {
    return absl::InvalidArgumentError(absl::StrCat("Mailgun send options (h:, v:) have ",
                                                   option_bytes, " bytes; the limit is ",
                                                   kMaxOptionBytes));
  }

  HttpRequest request;
  request.url = JoinUrl(settings.api_base_url,
                        absl::StrCat("v3/", PercentEncode(settings.account), "/messages"));
  request.headers.emplace_back("Authorization", BasicAuth("api", settings.token));
  request.content_type = "application/x-www-form-urlencoded";
  request.body = FormEncode(form);
  request.secrets.push_back(settings.token);
  return request;
}

SendOutcome MailgunSender::Classify(const OutboundMessage&, const HttpResponse& response) const {
  const ParsedBody body = ParseBody(response);
  if (response.status >= 200 && response.status < 300) {
    const std::string raw = StringAt(body.root(), "id");
    absl::string_view id = absl::StripAsciiWhitespace(raw);
    id = absl::StripSuffix(absl::StripPrefix(id, "<"), ">");
    return SentOrUnreadable(response, std::string(id));
  }
  SendOutcome outcome = ClassifyByStatus(response);
  const std::string text = StringAt(body.root(), "message");
  if (!text.empty()) outcome.error_message = text;
  // 402: the account cannot pay for sending; nothing a retry fixes.
  if (response.status == 402) outcome.kind = SendOutcome::kConnector;
  return outcome;
}

}  // namespace omnigate::outbound
