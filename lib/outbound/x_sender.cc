#include "lib/outbound/x_sender.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/json_writer.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

constexpr absl::string_view kChannel = "X";

}  // namespace

absl::StatusOr<HttpRequest> XSender::Build(const OutboundMessage& message) const {
  OG_RETURN_IF_ERROR(CheckBasics(message, kChannel));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", message.settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "token", message.settings.token));
  if (!message.media.empty()) {
    return absl::InvalidArgumentError(
        "X direct messages attach only media uploaded by the account (media_id), not URLs");
  }
  const std::string text = WithNumberedOptions(message.text, message.options);
  OG_RETURN_IF_ERROR(CheckLength(kChannel, "text", text, kMaxText));

  JsonWriter w;
  w.BeginObject().Field("text", text).EndObject();
  HttpRequest request;
  request.url = JoinUrl(
      message.settings.api_base_url,
      absl::StrCat("2/dm_conversations/with/", PercentEncode(message.recipient), "/messages"));
  request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", message.settings.token));
  request.content_type = "application/json";
  request.body = w.Take();
  request.secrets.push_back(message.settings.token);
  return request;
}

SendOutcome XSender::Classify(const OutboundMessage&, const HttpResponse& response) const {
  const ParsedBody body = ParseBody(response);
  const json::Value* root = body.root();
  const int status = response.status;
  if (status >= 200 && status < 300) {
    return SentOrUnreadable(response, StringAt(ObjectAt(root, "data"), "dm_event_id"));
  }
  // v2 problem JSON {title, detail, type}, or v1.1 {"errors":[{code, message}]}.
  std::string text = StringAt(root, "detail");
  if (text.empty()) text = StringAt(root, "title");
  const std::string type = StringAt(root, "type");
  const json::Value* first = FirstObjectIn(root, "errors");
  int64_t code = 0;
  if (first != nullptr) {
    if (!json::GetInt64(*first, "code", &code).ok()) code = 0;
    if (text.empty()) text = StringAt(first, "message");
  }
  if (text.empty()) text = BodySnippet(response.body);
  const std::string code_text = code != 0 ? absl::StrCat(code) : absl::StrCat(status);

  if (status == 429 || code == 88) {
    const absl::Duration wait =
        WaitUntilEpochHeader(response, "x-rate-limit-reset", absl::FromUnixMillis(clock_.NowMs()));
    return Throttled(SendOutcome::Scope::kConnector, wait, code_text, text);
  }
  if (status == 401 || code == 226 || absl::StrContains(type, "client-not-enrolled") ||
      absl::StrContains(type, "client-forbidden")) {
    return Failed(SendOutcome::kConnector, code_text, text);  // auth, access tier, automation block
  }
  if (status == 403) {
    // Recipient's DM settings or a block; may also be "already said that"
    // for a DM that did go out, so never retry blindly.
    return Failed(SendOutcome::kPermanent, code_text, text);
  }
  return ClassifyByStatus(response, code_text, text);
}

}  // namespace omnigate::outbound
