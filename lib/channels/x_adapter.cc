#include "lib/channels/x_adapter.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "lib/channels/event_fields.h"
#include "lib/channels/form_encoding.h"
#include "lib/channels/signature.h"
#include "lib/channels/x_url_entities.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"
#include "lib/json/strict_json.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;
using omnigate::v1::MediaItem;

constexpr char kPrefix[] = "x_twitter";

// Numeric ids compared as numbers (by length, then digits): the pair key
// must not depend on who wrote first.
std::string PairKey(const std::string& a, const std::string& b) {
  const bool a_first = a.size() != b.size() ? a.size() < b.size() : a < b;
  return a_first ? absl::StrCat(a, "-", b) : absl::StrCat(b, "-", a);
}

absl::Status ReadTime(const Value& item, int64_t received_at_ms, Event* event) {
  int64_t ms = 0;
  OG_RETURN_IF_ERROR(json::GetInt64(item, "created_timestamp", &ms));
  SetSentAt(ms, received_at_ms, event);
  return absl::OkStatus();
}

absl::Status FillMessageData(const Value& data, Event* event) {
  std::string raw_text;
  OG_RETURN_IF_ERROR(json::GetString(data, "text", &raw_text));
  std::vector<x::UrlEntity> urls;
  OG_RETURN_IF_ERROR(x::ReadUrlEntities(data, &urls));
  const Value* quick = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(data, "quick_reply_response", &quick));
  if (quick != nullptr) {
    auto* reply = event->mutable_interactive();
    reply->set_type(omnigate::v1::InteractiveReply::TYPE_QUICK_REPLY);
    OG_RETURN_IF_ERROR(json::GetString(*quick, "metadata", reply->mutable_id()));
    reply->set_title(raw_text);
    return absl::OkStatus();
  }
  const Value* attachment = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(data, "attachment", &attachment));
  const Value* media = nullptr;
  if (attachment != nullptr) OG_RETURN_IF_ERROR(json::GetObject(*attachment, "media", &media));
  std::string type, link;
  if (media != nullptr) {
    OG_RETURN_IF_ERROR(json::GetString(*media, "type", &type));
    OG_RETURN_IF_ERROR(json::GetString(*media, "url", &link));
  }
  // t.co links become what the customer sent; the text as X sent it stays.
  std::string text = x::ExpandUrls(raw_text, std::move(urls), link);
  if (text != raw_text) (*event->mutable_attributes())["raw_text"] = raw_text;
  if (media == nullptr) {
    event->mutable_text()->set_body(std::move(text));
    return absl::OkStatus();
  }
  MediaItem* item = event->mutable_media()->add_items();
  item->set_kind(type == "photo" ? MediaItem::KIND_IMAGE : MediaItem::KIND_VIDEO);
  item->set_animated(type == "animated_gif");
  // id_str: the numeric id exceeds 2^53.
  OG_RETURN_IF_ERROR(json::GetString(*media, "id_str", item->mutable_media_id()));
  OG_RETURN_IF_ERROR(json::GetString(*media, "media_url_https", item->mutable_url()));
  if (type == "photo") {
    const absl::string_view url = item->url();
    if (absl::EndsWithIgnoreCase(url, ".png")) {
      item->set_mime_type("image/png");
    } else if (absl::EndsWithIgnoreCase(url, ".jpg") || absl::EndsWithIgnoreCase(url, ".jpeg")) {
      item->set_mime_type("image/jpeg");
    }
  }
  // The text ends with a t.co link to the media itself: not the customer's words.
  (*event->mutable_attributes())["raw_text"] = raw_text;
  if (!link.empty()) text = absl::StrReplaceAll(text, {{link, ""}});
  event->mutable_media()->set_caption(std::string(absl::StripAsciiWhitespace(text)));
  return absl::OkStatus();
}

// What the events of one activity request share.
struct Activity {
  std::string connector;
  std::string account;  // the subscribed user: the business
  const Value* users = nullptr;
  // App id -> {id, name, url}: which app sent the business's own messages.
  const Value* apps = nullptr;
  int64_t received_at_ms = 0;
  std::vector<Event>* events = nullptr;
};

Event& NewEvent(const Activity& activity, const std::string& sender, const std::string& recipient) {
  Event& event = activity.events->emplace_back();
  event.set_channel(omnigate::v1::CHANNEL_X);
  event.set_connector(activity.connector);
  event.set_account_id(activity.account);
  event.set_conversation_key(
      absl::StrCat(kPrefix, ":", activity.account, ":", PairKey(sender, recipient)));
  event.mutable_sender()->set_id(sender);
  event.mutable_recipient()->set_id(recipient);
  const Value* user = activity.users != nullptr ? json::Find(*activity.users, sender) : nullptr;
  if (user != nullptr && user->IsObject()) {
    (void)json::GetString(*user, "name", event.mutable_sender()->mutable_display_name());
    (void)json::GetString(*user, "screen_name", event.mutable_sender()->mutable_username());
  }
  return event;
}

// The app a message was sent with (source_app_id, named in `apps`): an
// agent sees whether an echo came from omnigate or from another tool.
absl::Status ReadSourceApp(const Value& create, const Activity& activity, Event* event) {
  std::string app_id;
  OG_RETURN_IF_ERROR(json::GetId(create, "source_app_id", &app_id));
  if (app_id.empty()) return absl::OkStatus();
  (*event->mutable_attributes())["source_app_id"] = app_id;
  const Value* app = activity.apps != nullptr ? json::Find(*activity.apps, app_id) : nullptr;
  if (app == nullptr) return absl::OkStatus();
  OG_RETURN_IF_ERROR(json::ExpectObject(app, "apps[]"));
  std::string name;
  OG_RETURN_IF_ERROR(json::GetString(*app, "name", &name));
  if (!name.empty()) (*event->mutable_attributes())["source_app_name"] = name;
  return absl::OkStatus();
}

// A message_create between the business and a user, either way.
absl::Status AppendMessageCreate(const Value& item, const std::string& id, const Value& create,
                                 const Activity& activity) {
  std::string sender, recipient;
  OG_RETURN_IF_ERROR(json::RequireId(create, "sender_id", &sender));
  const Value* target = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(create, "target", &target));
  OG_RETURN_IF_ERROR(json::RequireId(*target, "recipient_id", &recipient));
  Event& event = NewEvent(activity, sender, recipient);
  // The business's own sends come back as events too.
  const bool echo = sender == activity.account;
  event.set_is_echo(echo);
  event.mutable_sender()->set_role(echo ? omnigate::v1::ROLE_BUSINESS
                                        : omnigate::v1::ROLE_CUSTOMER);
  event.mutable_recipient()->set_role(echo ? omnigate::v1::ROLE_CUSTOMER
                                           : omnigate::v1::ROLE_BUSINESS);
  event.set_external_id(id);
  event.set_idempotency_key(absl::StrCat(kPrefix, ":dm:", id));
  OG_RETURN_IF_ERROR(ReadTime(item, activity.received_at_ms, &event));
  OG_RETURN_IF_ERROR(ReadSourceApp(create, activity, &event));
  const Value* data = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(create, "message_data", &data));
  return FillMessageData(*data, &event);
}

absl::Status AppendDirectMessage(const Value& item, const Activity& activity) {
  std::string type, id;
  OG_RETURN_IF_ERROR(json::RequireString(item, "type", &type));
  OG_RETURN_IF_ERROR(json::RequireId(item, "id", &id));
  const Value* create = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(item, "message_create", &create));
  if (type == "message_create" && create != nullptr) {
    return AppendMessageCreate(item, id, *create, activity);
  }
  Event& event = NewEvent(activity, activity.account, activity.account);
  event.set_external_id(id);
  event.set_idempotency_key(absl::StrCat(kPrefix, ":dm:", id));
  OG_RETURN_IF_ERROR(ReadTime(item, activity.received_at_ms, &event));
  event.mutable_unsupported()->set_type_name(type);
  event.mutable_unsupported()->set_raw(json::Serialize(item));
  return absl::OkStatus();
}

// Everything up to last_read was read: a receipt on our messages when the
// customer read them. The business reading the customer's (from X's own
// app) is reported too: then the customer is the target, and the status is
// kept in their conversation marked read_by=business (it names no reply).
absl::Status AppendReadReceipt(const Value& item, const Activity& activity) {
  std::string reader, last_read, other;
  OG_RETURN_IF_ERROR(json::RequireId(item, "sender_id", &reader));
  OG_RETURN_IF_ERROR(json::RequireId(item, "last_read_event_id", &last_read));
  const Value* target = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(item, "target", &target));
  if (target != nullptr) OG_RETURN_IF_ERROR(json::GetId(*target, "recipient_id", &other));
  const bool by_business = reader == activity.account && !other.empty();
  Event& event = NewEvent(activity, activity.account, by_business ? other : reader);
  if (by_business) (*event.mutable_attributes())["read_by"] = "business";
  event.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  event.mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
  event.set_external_id(last_read);
  auto* status = event.mutable_status();
  status->set_state(omnigate::v1::Status::STATE_READ);
  status->set_target_external_id(last_read);
  status->set_recipient_id(by_business ? other : reader);
  event.set_idempotency_key(absl::StrCat(kPrefix, ":read:", reader, ":", last_read));
  return ReadTime(item, activity.received_at_ms, &event);
}

// The customer is typing: shown to the agent, never answered.
absl::Status AppendTyping(const Value& item, const Activity& activity) {
  std::string typist, recipient;
  OG_RETURN_IF_ERROR(json::RequireId(item, "sender_id", &typist));
  const Value* target = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(item, "target", &target));
  if (target != nullptr) OG_RETURN_IF_ERROR(json::GetId(*target, "recipient_id", &recipient));
  if (recipient.empty()) recipient = activity.account;
  Event& event = NewEvent(activity, typist, recipient);
  event.mutable_sender()->set_role(typist == activity.account ? omnigate::v1::ROLE_BUSINESS
                                                              : omnigate::v1::ROLE_CUSTOMER);
  event.set_is_echo(typist == activity.account);
  OG_RETURN_IF_ERROR(ReadTime(item, activity.received_at_ms, &event));
  event.mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_TYPING);
  event.set_external_id(absl::StrCat("typing:", typist, ":", event.sent_at_ms()));
  event.set_idempotency_key(absl::StrCat(kPrefix, ":typing:", typist, ":", event.sent_at_ms()));
  return absl::OkStatus();
}

// user_event: the subscribed account itself changed (revoke: it took the
// app's access away, so no more activity comes). One lifecycle event of the
// account, outside any customer conversation.
absl::Status AppendUserEvents(const Value& user_event, const Activity& activity) {
  OG_RETURN_IF_ERROR(json::ExpectObject(&user_event, "user_event"));
  for (const auto& member : user_event.GetObject()) {
    const std::string name = member.name.GetString();
    const Value& body = member.value;
    OG_RETURN_IF_ERROR(json::ExpectObject(&body, name));
    std::string user = activity.account, app_id, date_time;
    const Value* source = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(body, "source", &source));
    if (source != nullptr) OG_RETURN_IF_ERROR(json::GetId(*source, "user_id", &user));
    const Value* target = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(body, "target", &target));
    if (target != nullptr) OG_RETURN_IF_ERROR(json::GetId(*target, "app_id", &app_id));
    OG_RETURN_IF_ERROR(json::GetString(body, "date_time", &date_time));
    if (user.empty()) return Malformed("missing_required_field:user_id");
    Event& event = activity.events->emplace_back();
    event.set_channel(omnigate::v1::CHANNEL_X);
    event.set_connector(activity.connector);
    event.set_account_id(user);
    event.set_conversation_key(absl::StrCat(kPrefix, ":", user, ":_account"));
    event.mutable_sender()->set_id(user);
    event.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
    SetSentAt(0, activity.received_at_ms, &event);
    const std::string raw = json::Serialize(body);
    // One revoke per user and moment; without a time, the content says it.
    event.set_external_id(
        absl::StrCat(name, ":", user, ":",
                     date_time.empty() ? HexEncode(crypto::Sha256(raw)).substr(0, 32) : date_time));
    event.set_idempotency_key(absl::StrCat(kPrefix, ":user_event:", event.external_id()));
    auto& attributes = *event.mutable_attributes();
    if (!app_id.empty()) attributes["app_id"] = app_id;
    if (!date_time.empty()) attributes["date_time"] = date_time;
    if (name == "revoke") {
      event.mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_UNSUBSCRIBED);
      event.mutable_conversation()->set_reason("revoke");
    } else {
      event.mutable_unsupported()->set_type_name(absl::StrCat("user_event:", name));
      event.mutable_unsupported()->set_raw(raw);
    }
  }
  return absl::OkStatus();
}

// Tweets, likes, follows, ...: kept under their activity name.
absl::Status AppendOther(const std::string& key, const Value& item, const Activity& activity) {
  Event& event = NewEvent(activity, activity.account, activity.account);
  const std::string raw = json::Serialize(item);
  event.set_idempotency_key(absl::StrCat(kPrefix, ":", key, ":", HexEncode(crypto::Sha256(raw))));
  OG_RETURN_IF_ERROR(ReadTime(item, activity.received_at_ms, &event));
  event.mutable_unsupported()->set_type_name(key);
  event.mutable_unsupported()->set_raw(raw);
  return absl::OkStatus();
}

absl::Status AppendItem(const std::string& key, const Value& item, const Activity& activity) {
  OG_RETURN_IF_ERROR(json::ExpectObject(&item, key));
  if (key == "direct_message_events") return AppendDirectMessage(item, activity);
  if (key == "direct_message_mark_read_events") return AppendReadReceipt(item, activity);
  if (key == "direct_message_indicate_typing_events") return AppendTyping(item, activity);
  return AppendOther(key, item, activity);
}

// Context for the items, not items.
bool IsSkippedKey(const std::string& key) {
  return key == "for_user_id" || key == "users" || key == "apps" || key == "user_has_blocked";
}

}  // namespace

absl::Status XAdapter::Authenticate(const InboundRequest& request) const {
  return VerifyMacHeader(request, "x-twitter-webhooks-signature", "sha256=", MacEncoding::kBase64,
                         [&] { return crypto::HmacSha256(settings_.secret, request.body); });
}

absl::StatusOr<HandshakeReply> XAdapter::Handshake(const InboundRequest& request) const {
  auto params = ParseUrlEncoded(request.query);
  if (!params.ok()) return params.status();
  const std::string* token = FindParam(*params, "crc_token");
  if (token == nullptr || token->empty())
    return Malformed("handshake_bad_params", "crc_token missing");
  HandshakeReply reply;
  reply.content_type = "application/json";
  reply.body = absl::StrCat("{\"response_token\":\"sha256=",
                            Base64Encode(crypto::HmacSha256(settings_.secret, *token)), "\"}");
  return reply;
}

absl::Status XAdapter::Normalize(const InboundRequest& request, NormalizeResult* result) const {
  auto doc = json::ParseStrictObject(request.body);
  if (!doc.ok()) return doc.status();
  const Value& root = **doc;
  Activity activity;
  activity.connector = settings_.name;
  // user_event payloads name their user inside, not in for_user_id.
  if (json::Find(root, "user_event") != nullptr) {
    OG_RETURN_IF_ERROR(json::GetId(root, "for_user_id", &activity.account));
  } else {
    OG_RETURN_IF_ERROR(json::RequireId(root, "for_user_id", &activity.account));
  }
  OG_RETURN_IF_ERROR(json::GetObject(root, "users", &activity.users));
  OG_RETURN_IF_ERROR(json::GetObject(root, "apps", &activity.apps));
  activity.received_at_ms = ReceiptTimeMs(request, clock_);
  activity.events = &result->events;
  for (const auto& member : root.GetObject()) {
    const std::string key = member.name.GetString();
    if (IsSkippedKey(key)) continue;
    if (key == "user_event") {
      OG_RETURN_IF_ERROR(AppendUserEvents(member.value, activity));
      continue;
    }
    OG_RETURN_IF_ERROR(json::ExpectArray(&member.value, key));
    for (const Value& item : member.value.GetArray()) {
      OG_RETURN_IF_ERROR(AppendItem(key, item, activity));
    }
  }
  return absl::OkStatus();
}

}  // namespace omnigate::channels
