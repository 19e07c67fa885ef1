#include "lib/channels/email_adapter.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/channels/email_attachments.h"
#include "lib/channels/email_receipts.h"
#include "lib/channels/encoded_words.h"
#include "lib/channels/event_fields.h"
#include "lib/channels/form_encoding.h"
#include "lib/channels/mailbox.h"
#include "lib/channels/mime.h"
#include "lib/channels/signature.h"
#include "lib/common/encoding.h"
#include "lib/common/log.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"
#include "lib/json/strict_json.h"

namespace omnigate::channels {
namespace {

// The "to" attribute lists every recipient up to this size.
constexpr size_t kMaxToAttributeBytes = 2048;

// One posted field: value bytes, plus file name and type for attachments.
struct Field {
  std::string value;
  std::string filename;
  std::string content_type;
};
using Fields = std::multimap<std::string, Field>;

absl::StatusOr<Fields> ReadFields(const InboundRequest& request) {
  std::string content_type;
  if (request.headers != nullptr) {
    if (auto v = request.headers->Get("content-type")) content_type = std::string(*v);
  }
  Fields fields;
  if (absl::StartsWithIgnoreCase(content_type, "multipart/form-data")) {
    auto parts = mime::SplitMultipart(request.body, mime::Param(content_type, "boundary"));
    if (!parts.ok()) return parts.status();
    for (absl::string_view part : *parts) {
      mime::HeaderList headers;
      absl::string_view body;
      mime::SplitMessage(part, &headers, &body);
      const std::string disposition = mime::Header(headers, "Content-Disposition");
      const std::string name = mime::Param(disposition, "name");
      if (name.empty()) return Malformed("multipart_unnamed_field");
      fields.emplace(name, Field{std::string(body), mime::Param(disposition, "filename"),
                                 mime::Header(headers, "Content-Type")});
    }
    return fields;
  }
  auto params = ParseUrlEncoded(request.body);
  if (!params.ok()) return params.status();
  for (auto& [name, value] : *params) fields.emplace(name, Field{std::move(value), "", ""});
  return fields;
}

std::string Get(const Fields& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? "" : it->second.value;
}

// What both providers yield before it becomes an Event.
struct Mail {
  std::string message_id, in_reply_to, references;
  std::string from, to, subject, date;
  std::string text, text_without_quote, source_charset, envelope_from;
  std::vector<email::Attachment> attachments;
};

// Posted file parts named <prefix><N> (SendGrid "attachment1", Mailgun
// "attachment-1"), in N order. SendGrid's attachment-info fills in a
// name or type the part itself lacks.
void ReadFormAttachments(const Fields& fields, absl::string_view prefix, const json::Value* info,
                         std::vector<email::Attachment>* out) {
  std::map<int, const Field*> numbered;
  for (const auto& [name, field] : fields) {
    int n = 0;
    if (absl::StartsWith(name, prefix) && absl::SimpleAtoi(name.substr(prefix.size()), &n) &&
        n > 0) {
      numbered.emplace(n, &field);
    }
  }
  for (const auto& [n, field] : numbered) {
    if (out->size() >= email::kMaxAttachments) break;
    std::string filename = field->filename, type = field->content_type;
    const json::Value* described =
        info != nullptr ? json::Find(*info, absl::StrCat(prefix, n)) : nullptr;
    if (described != nullptr && described->IsObject()) {
      if (filename.empty()) (void)json::GetString(*described, "filename", &filename);
      if (filename.empty()) (void)json::GetString(*described, "name", &filename);
      if (type.empty()) (void)json::GetString(*described, "type", &type);
    }
    out->push_back(email::FromFormFile(field->value, filename, type));
  }
}

absl::Status FromRawMime(absl::string_view raw, Mail* mail) {
  mime::HeaderList headers;
  absl::string_view body;
  mime::SplitMessage(raw, &headers, &body);
  mail->message_id = mime::Header(headers, "Message-ID");
  mail->in_reply_to = mime::Header(headers, "In-Reply-To");
  mail->references = mime::Header(headers, "References");
  mail->date = mime::Header(headers, "Date");
  // From and To stay as written: their encoded words are decoded per
  // display name once the list is split (a decoded name may hold a comma).
  mail->from = mime::Header(headers, "From");
  mail->to = mime::Header(headers, "To");
  mail->subject = mime::Header(headers, "Subject");  // decoded with the parsed fields
  auto text = mime::PlainText(raw, &mail->source_charset);
  if (!text.ok()) return text.status();
  mail->text = std::move(*text);
  return email::FromMime(raw, &mail->attachments);
}

absl::Status FromSendGrid(const Fields& fields, Mail* mail) {
  // Each parsed field is in the charset `charsets` names for it.
  std::map<std::string, std::string> charsets;
  const std::string charsets_json = Get(fields, "charsets");
  if (!charsets_json.empty()) {
    auto doc = json::ParseStrict(charsets_json);
    if (!doc.ok()) return Malformed("email_bad_charsets", doc.status().message());
    if ((*doc)->IsObject()) {
      for (const auto& m : (*doc)->GetObject()) {
        if (m.value.IsString()) charsets[m.name.GetString()] = m.value.GetString();
      }
    }
  }
  auto field = [&](const std::string& name) -> absl::StatusOr<std::string> {
    return mime::ToUtf8(Get(fields, name), charsets.count(name) ? charsets[name] : "utf-8");
  };
  const std::string envelope = Get(fields, "envelope");
  if (!envelope.empty()) {
    auto doc = json::ParseStrict(envelope);
    if (doc.ok() && (*doc)->IsObject()) (void)json::GetString(**doc, "from", &mail->envelope_from);
  }
  if (fields.count("email")) return FromRawMime(Get(fields, "email"), mail);  // raw mode

  mime::HeaderList headers;
  absl::string_view unused;
  const std::string header_block = Get(fields, "headers") + "\n\n";
  mime::SplitMessage(header_block, &headers, &unused);
  mail->message_id = mime::Header(headers, "Message-ID");
  mail->in_reply_to = mime::Header(headers, "In-Reply-To");
  mail->references = mime::Header(headers, "References");
  mail->date = mime::Header(headers, "Date");
  for (auto [target, name] : {std::pair<std::string*, const char*>{&mail->from, "from"},
                              {&mail->to, "to"},
                              {&mail->subject, "subject"}}) {
    auto value = field(name);
    if (!value.ok()) return value.status();
    *target = std::move(*value);
  }
  auto text = field("text");
  if (!text.ok()) return text.status();
  mail->text = std::move(*text);
  mail->source_charset = absl::AsciiStrToLower(charsets.count("text") ? charsets["text"] : "utf-8");
  if (mail->text.empty()) {
    auto html = field("html");  // only when there is no plain text
    if (!html.ok()) return html.status();
    mail->text = std::move(*html);
  }
  std::unique_ptr<rapidjson::Document> info;
  if (const std::string info_json = Get(fields, "attachment-info"); !info_json.empty()) {
    auto doc = json::ParseStrictObject(info_json);
    if (!doc.ok()) return Malformed("email_bad_attachment_info", doc.status().message());
    info = *std::move(doc);
  }
  ReadFormAttachments(fields, "attachment", info.get(), &mail->attachments);
  return absl::OkStatus();
}

absl::Status FromMailgun(const Fields& fields, Mail* mail) {
  for (const auto& key : {"body-plain", "stripped-text", "subject", "from", "recipient"}) {
    if (!IsValidUtf8(Get(fields, key))) return Malformed(absl::StrCat("form_invalid_utf8:", key));
  }
  mail->message_id = Get(fields, "Message-Id");
  mail->in_reply_to = Get(fields, "In-Reply-To");
  mail->references = Get(fields, "References");
  mail->date = Get(fields, "Date");
  mail->from = Get(fields, "from");
  mail->to = Get(fields, "recipient");
  mail->subject = Get(fields, "subject");
  mail->text = Get(fields, "body-plain");
  mail->text_without_quote = Get(fields, "stripped-text");
  mail->envelope_from = Get(fields, "sender");
  mail->source_charset = "utf-8";
  ReadFormAttachments(fields, "attachment-", nullptr, &mail->attachments);
  return absl::OkStatus();
}

// Sets the ids: Message-ID (or a digest of the request when there is none),
// and the thread root, which is the first References id, else the replied-to
// id, else this message.
void SetIds(const Mail& mail, const std::string& recipient, absl::string_view body,
            omnigate::v1::Event* event) {
  const std::string message_id = mime::StripAngles(mail.message_id);
  event->set_external_id(message_id);
  event->set_idempotency_key(message_id.empty()
                                 ? absl::StrCat("email:sha256:", HexEncode(crypto::Sha256(body)))
                                 : absl::StrCat("email:msgid:", message_id));
  std::string root;
  const std::vector<absl::string_view> references =
      absl::StrSplit(mail.references, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (!references.empty()) root = mime::StripAngles(references.front());
  const std::string in_reply_to = mime::StripAngles(mail.in_reply_to);
  if (root.empty()) root = in_reply_to;
  if (root.empty()) root = message_id.empty() ? event->idempotency_key() : message_id;
  event->set_conversation_key(absl::StrCat("email:", recipient, ":", root));
  event->set_reply_to_external_id(in_reply_to);
}

// Both halves of each address are kept: display name and address.
void SetParties(const mime::Mailbox& sender, const std::vector<mime::Mailbox>& to,
                omnigate::v1::Event* event) {
  auto* from = event->mutable_sender();
  from->set_id(sender.address);
  from->set_email(sender.address);
  from->set_display_name(sender.display_name);
  from->set_role(omnigate::v1::ROLE_CUSTOMER);
  auto* recipient = event->mutable_recipient();
  recipient->set_id(to.front().address);
  recipient->set_email(to.front().address);
  recipient->set_display_name(to.front().display_name);
  recipient->set_role(omnigate::v1::ROLE_BUSINESS);
  if (to.size() > 1) {
    // Everyone the customer wrote to, decoded; bounded like every attribute.
    std::string list;
    for (const mime::Mailbox& mailbox : to) {
      const std::string entry = mime::FormatMailbox(mailbox);
      if (list.size() + entry.size() > kMaxToAttributeBytes) break;
      absl::StrAppend(&list, list.empty() ? "" : ", ", entry);
    }
    (*event->mutable_attributes())["to"] = list;
  }
}

void SetContent(const Mail& mail, omnigate::v1::Event* event) {
  // With files the message is media, its text the caption.
  if (mail.attachments.empty()) {
    event->mutable_text()->set_body(mail.text);
  } else {
    event->mutable_media()->set_caption(mail.text);
  }
  auto& attributes = *event->mutable_attributes();
  attributes["subject"] = mail.subject;
  attributes["text_without_quote"] =
      mail.text_without_quote.empty() ? mime::WithoutQuote(mail.text) : mail.text_without_quote;
  attributes["source_charset"] = mail.source_charset;
  if (!mail.envelope_from.empty()) attributes["envelope_from"] = mail.envelope_from;
}

}  // namespace

// Each attachment becomes a media item (name, type, size, SHA-256). Its
// bytes go to the attachment store when under the cap: media_id is then
// the reference to fetch them by. Otherwise the item stays, metadata only,
// and attribute attachment_<i>_not_stored says why: never dropped, and a
// store failure never fails the mail.
void EmailAdapter::KeepAttachments(const std::vector<email::Attachment>& attachments,
                                   omnigate::v1::Event* event) const {
  auto& attributes = *event->mutable_attributes();
  for (size_t i = 0; i < attachments.size(); ++i) {
    const email::Attachment& attachment = attachments[i];
    omnigate::v1::MediaItem* item = event->mutable_media()->add_items();
    item->set_kind(MediaKindOfMime(attachment.mime_type));
    item->set_file_name(attachment.file_name);
    item->set_mime_type(attachment.mime_type);
    item->set_size_bytes(attachment.bytes.size());
    item->set_sha256(HexEncode(crypto::Sha256(attachment.bytes)));
    if (!attachment.content_id.empty()) {
      attributes[absl::StrCat("attachment_", i, "_content_id")] = attachment.content_id;
    }
    const std::string reason_key = absl::StrCat("attachment_", i, "_not_stored");
    if (!attachment.problem.empty()) {
      attributes[reason_key] = attachment.problem;
      continue;
    }
    if (attachment.bytes.size() > settings_.attachment_max_bytes) {
      attributes[reason_key] = absl::StrCat("too_large: ", attachment.bytes.size(),
                                            " bytes, the cap is ", settings_.attachment_max_bytes);
      continue;
    }
    if (services_.attachment_store == nullptr) {
      attributes[reason_key] = "no_attachment_store";
      continue;
    }
    auto ref = services_.attachment_store->Put(attachment.bytes,
                                               absl::Seconds(settings_.attachment_ttl_seconds));
    if (!ref.ok()) {
      attributes[reason_key] = absl::StrCat("store_failed: ", ref.status().message());
      continue;
    }
    item->set_media_id(*ref);
  }
}

namespace {

// Mailgun signs timestamp + token: form fields of a forwarded mail, or the
// `signature` object of an event webhook (JSON).
email::MailgunSignature MailgunSignatureOf(const InboundRequest& request) {
  if (email::IsEventWebhook(request.body)) return email::MailgunJsonSignature(request.body);
  email::MailgunSignature out;
  auto fields = ReadFields(request);
  if (!fields.ok()) return out;
  out.timestamp = Get(*fields, "timestamp");
  out.token = Get(*fields, "token");
  out.signature = Get(*fields, "signature");
  return out;
}

}  // namespace

void EmailAdapter::ForgetAuthentication(const InboundRequest& request) const {
  if (settings_.provider == "sendgrid" || services_.replay_guard == nullptr) return;
  const std::string token = MailgunSignatureOf(request).token;
  if (token.empty() || token.size() > kMaxTokenBytes) return;
  if (absl::Status s = services_.replay_guard->Release(absl::StrCat("omnigate:mgtoken:", token));
      !s.ok()) {
    OG_LOG(WARNING) << "connector=" << settings_.name
                    << " could not forget a signing token; Mailgun's retry will be refused: " << s;
  }
}

absl::Status EmailAdapter::Authenticate(const InboundRequest& request) const {
  if (settings_.provider == "sendgrid") {
    // SendGrid signs nothing; the pipeline enforces the connector's
    // basic_auth, which the configuration requires for it.
    return absl::OkStatus();
  }
  const auto [timestamp, token, signature] = MailgunSignatureOf(request);
  if (timestamp.empty() || token.empty() || signature.empty()) {
    return Unauthenticated("signature_missing",
                           "timestamp, token and signature fields are required");
  }
  const std::optional<std::string> given = HexDecode(signature);
  int64_t seconds = 0;
  if (!given || given->size() != 32 || !absl::SimpleAtoi(timestamp, &seconds)) {
    return Unauthenticated("signature_malformed", "signature must be 64 hex digits");
  }
  if (!crypto::ConstantTimeEquals(*given,
                                  crypto::HmacSha256(settings_.secret, timestamp + token))) {
    return Unauthenticated("signature_mismatch", "signature does not match timestamp and token");
  }
  const int64_t now_seconds = clock_.NowMs() / 1000;
  if (std::llabs(now_seconds - seconds) > kMaxSkewSeconds) {
    return Unauthenticated("signature_stale_timestamp",
                           "timestamp is more than 300 s away: replay");
  }
  if (services_.replay_guard == nullptr) return absl::OkStatus();
  if (token.size() > kMaxTokenBytes) {
    return Unauthenticated("signature_malformed", "token is longer than Mailgun's");
  }
  // Remember the token for as long as its timestamp would still pass.
  const absl::Duration window = absl::Seconds(seconds + kMaxSkewSeconds - now_seconds + 1);
  const absl::Status claimed =
      services_.replay_guard->Claim(absl::StrCat("omnigate:mgtoken:", token), window);
  if (absl::IsAlreadyExists(claimed)) {
    return Unauthenticated("signature_replayed",
                           "this signing token was already used within the replay window");
  }
  if (!claimed.ok()) {
    // Fail closed: Mailgun retries a refused webhook.
    return Reject(absl::StatusCode::kUnavailable, "replay_check_unavailable", claimed.message());
  }
  return absl::OkStatus();
}

absl::Status EmailAdapter::Normalize(const InboundRequest& request, NormalizeResult* result) const {
  if (request.body.empty()) return Malformed("empty_body");
  if (email::IsEventWebhook(request.body)) {
    const int64_t received_ms = ReceiptTimeMs(request, clock_);
    return settings_.provider == "mailgun"
               ? email::AppendMailgunEvent(request.body, settings_.name, received_ms,
                                           &result->events)
               : email::AppendSendGridEvents(request.body, settings_.name, received_ms,
                                             &result->events);
  }
  auto fields = ReadFields(request);
  if (!fields.ok()) return fields.status();
  Mail mail;
  OG_RETURN_IF_ERROR(settings_.provider == "mailgun" ? FromMailgun(*fields, &mail)
                                                     : FromSendGrid(*fields, &mail));
  const std::vector<mime::Mailbox> from = mime::ParseMailboxList(mail.from);
  const std::vector<mime::Mailbox> to = mime::ParseMailboxList(mail.to);
  if (from.empty()) return Malformed("missing_required_field:from");
  // The first To address is ours (the inbound route).
  if (to.empty()) return Malformed("missing_required_field:to");
  const std::string& recipient = to.front().address;
  // Raw headers, and parsed-mode fields that pass them on, hold encoded words.
  mail.subject = mime::DecodeEncodedWords(mail.subject);

  omnigate::v1::Event& event = result->events.emplace_back();
  event.set_channel(omnigate::v1::CHANNEL_EMAIL);
  event.set_connector(settings_.name);
  event.set_account_id(recipient);
  SetIds(mail, recipient, request.body, &event);
  SetParties(from.front(), to, &event);
  SetSentAt(mime::ParseDateMs(mail.date), ReceiptTimeMs(request, clock_), &event);
  SetContent(mail, &event);
  KeepAttachments(mail.attachments, &event);
  if (settings_.provider == "mailgun") {
    (*event.mutable_attributes())["mailgun_timestamp"] = Get(*fields, "timestamp");
  }
  return absl::OkStatus();
}

}  // namespace omnigate::channels
