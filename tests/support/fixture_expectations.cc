#include "tests/support/fixture_expectations.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/channels/adapter.h"
#include "lib/common/reject.h"
#include "lib/connectors/connector.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::channels::testing {
namespace {

using omnigate::v1::Event;
using omnigate::v1::MediaItem;

// Names the fixtures use for our payload kinds.
std::set<std::string> KindNames(const Event& e) {
  switch (e.payload_case()) {
    case Event::kText:
      return {"text"};
    case Event::kMedia: {
      if (e.media().items_size() == 0) return {"media"};
      switch (e.media().items(0).kind()) {
        case MediaItem::KIND_IMAGE:
          return {"image"};
        case MediaItem::KIND_AUDIO:
          return {"audio"};
        case MediaItem::KIND_VOICE:
          return {"voice", "audio"};
        case MediaItem::KIND_VIDEO:
          return {"video"};
        case MediaItem::KIND_DOCUMENT:
          return {"file", "document"};
        case MediaItem::KIND_STICKER:
          return {"sticker"};
        default:
          return {"media"};
      }
    }
    case Event::kLocation:
      return {"location"};
    case Event::kContacts:
      return {"contacts", "contact"};
    case Event::kInteractive:
      return {"interactive"};
    case Event::kPostback:
      return {"postback", "interactive"};
    case Event::kReaction:
      return {"reaction"};
    case Event::kEdit:
      return {"edit"};
    case Event::kDelete:
      return {"delete", "unsend"};
    case Event::kStatus:
      return {"status"};
    case Event::kConversation:
      return {"lifecycle"};
    case Event::kRating:
      return {"rating"};
    case Event::kUnsupported:
      return {"unsupported"};
    default:
      return {};
  }
}

std::set<std::string> EventTypes(const Event& e) {
  if (e.has_status()) return {"status"};
  if (e.has_conversation()) return {"lifecycle"};
  if (e.has_reaction()) return {"reaction", "message"};
  return {"message"};
}

std::string StateName(omnigate::v1::Status::State state) {
  switch (state) {
    case omnigate::v1::Status::STATE_SENT:
      return "sent";
    case omnigate::v1::Status::STATE_DELIVERED:
      return "delivered";
    case omnigate::v1::Status::STATE_READ:
      return "read";
    case omnigate::v1::Status::STATE_FAILED:
      return "failed";
    case omnigate::v1::Status::STATE_QUEUED:
      return "queued";
    case omnigate::v1::Status::STATE_UNDELIVERED:
      return "undelivered";
    case omnigate::v1::Status::STATE_DELETED:
      return "deleted";
    default:
      return "unspecified";
  }
}

std::string EventText(const Event& e) {
  if (e.has_text()) return e.text().body();
  if (e.has_media()) return e.media().caption();
  if (e.has_edit()) return e.edit().body();
  return "";
}

void ExpectMediaMatches(const json::Value& m, const MediaItem& item) {
  for (const auto& member : m.GetObject()) {
    const std::string key = member.name.GetString();
    const std::string value = FixtureString(m, key.c_str());
    if (key == "ref") {
      // A platform id or a URL, whichever the channel gives.
      EXPECT_TRUE(value == item.media_id() || value == item.url()) << "media ref " << value;
    } else if (key == "platform_media_id") {
      EXPECT_EQ(value, item.media_id());
    } else if (key == "url_hint") {
      EXPECT_EQ(value, item.url()) << key;
    } else if (key == "mime_type") {
      EXPECT_EQ(value, item.mime_type());
    } else if (key == "sha256") {
      EXPECT_EQ(value, item.sha256());
    } else if (key == "caption") {
      EXPECT_EQ(value, item.caption());
    } else if (key == "filename") {
      EXPECT_EQ(value, item.file_name());
    } else if (key == "size_bytes") {
      EXPECT_EQ(value.empty() ? 0u : std::stoull(value), item.size_bytes());
    } else if (key == "ref_type" || key == "fetch" || key == "auth" || key == "file_unique_id" ||
               key == "upload_id" || key == "sticker_resource_type" || key == "preview_url") {
      // How to fetch the media (by id vs URL, with which credentials) is the
      // channel's rule, not event data; a file_unique_id cannot be used to
      // download; previews are thumbnails of the URL we keep. Not modelled
      // on purpose.
    } else {
      ADD_FAILURE() << "unchecked media field " << key;
    }
  }
}

}  // namespace

std::string Attribute(const Event& event, const std::string& key) {
  auto it = event.attributes().find(key);
  return it == event.attributes().end() ? "" : it->second;
}

void ExpectEventMatches(const json::Value& want, const Event& got, int64_t received_at_ms,
                        const ExtraChecker& check_extra) {
  for (const auto& member : want.GetObject()) {
    const std::string key = member.name.GetString();
    const std::string value = FixtureString(want, key.c_str());
    if (key == "channel") {
      // Fixture names such as "twilio_sms" or "x_twitter" start with ours.
      const std::string ours(connectors::ChannelName(got.channel()));
      EXPECT_TRUE(value == ours || absl::StartsWith(value, ours + "_") ||
                  (ours == "x" && value == "twitter"))
          << value << " vs " << ours;
    } else if (key == "event_type") {
      EXPECT_TRUE(EventTypes(got).count(value)) << "event_type " << value;
    } else if (key == "content_kind") {
      EXPECT_TRUE(KindNames(got).count(value))
          << "content_kind " << value << " payload " << got.payload_case();
    } else if (key == "external_message_id") {
      EXPECT_EQ(value, got.external_id());
    } else if (key == "dedup_key") {
      EXPECT_EQ(value, got.idempotency_key());
    } else if (key == "conversation_key") {
      EXPECT_EQ(value, got.conversation_key());
    } else if (key == "sender_id") {
      EXPECT_EQ(value, got.sender().id());
    } else if (key == "recipient_id") {
      EXPECT_EQ(value, got.recipient().id());
    } else if (key == "timestamp_ms") {
      if (value.empty()) {
        EXPECT_EQ(got.sent_at_ms(), received_at_ms);
      } else {
        EXPECT_EQ(value, absl::StrCat(got.sent_at_ms()));
      }
    } else if (key == "timestamp_source") {
      EXPECT_EQ(got.timestamp_source(), value == "receipt_time"
                                            ? omnigate::v1::TIMESTAMP_SOURCE_RECEIPT
                                            : omnigate::v1::TIMESTAMP_SOURCE_PAYLOAD)
          << value;
    } else if (key == "text") {
      if (got.has_interactive() || got.has_postback()) {
        // Some channels show the tapped option as the customer's message
        // (Messenger quick replies), others show nothing (Telegram
        // callbacks): when the fixture gives text it is the option's title.
        const std::string title =
            got.has_interactive() ? got.interactive().title() : got.postback().title();
        if (!value.empty()) {
          EXPECT_EQ(value, title);
        }
      } else {
        EXPECT_EQ(value, EventText(got));
      }
    } else if (key == "is_echo") {
      EXPECT_EQ(value == "true", got.is_echo());
    } else if (key == "is_status_event") {
      EXPECT_EQ(value == "true", got.has_status());
    } else if (key == "status") {
      EXPECT_EQ(value, got.has_status() ? StateName(got.status().state()) : "");
    } else if (key == "reply_to_external_id") {
      EXPECT_EQ(value, got.reply_to_external_id());
    } else if (key == "media") {
      const int count = member.value.IsArray() ? static_cast<int>(member.value.Size()) : 0;
      const int ours = got.has_media() ? got.media().items_size() : 0;
      EXPECT_EQ(count, ours) << "media items";
      for (int i = 0; i < std::min(count, ours); ++i) {
        ExpectMediaMatches(member.value[static_cast<rapidjson::SizeType>(i)], got.media().items(i));
      }
    } else if (key == "extra") {
      if (!member.value.IsObject()) continue;
      for (const auto& extra : member.value.GetObject()) {
        const std::string name = extra.name.GetString();
        EXPECT_TRUE(check_extra(name, extra.value, got)) << "unchecked extra field " << name;
      }
    } else {
      ADD_FAILURE() << "unchecked field " << key;
    }
  }
}

absl::StatusOr<NormalizeResult> NormalizeBody(const ChannelAdapter& adapter, absl::string_view body,
                                              int64_t received_at_ms, const Headers* headers) {
  InboundRequest request;
  request.headers = headers;
  request.body = body;
  request.received_at_ms = received_at_ms;
  NormalizeResult result;
  if (absl::Status status = adapter.Normalize(request, &result); !status.ok()) return status;
  return result;
}

void ExpectFixtureOutcome(const ChannelAdapter& adapter, const ChannelFixture& fixture,
                          int64_t received_at_ms, const ExtraChecker& check_extra) {
  SCOPED_TRACE(fixture.name);
  const json::Value& expected = *fixture.expected;
  InboundRequest request;
  request.headers = &fixture.headers;
  request.body = fixture.body;
  request.received_at_ms = received_at_ms;
  // The query string the channel called with (signed by some channels).
  const json::Value* fixture_request = json::Find(expected, "request");
  const std::string path = fixture_request ? FixtureString(*fixture_request, "path") : "";
  const std::string query =
      path.find('?') == std::string::npos ? "" : path.substr(path.find('?') + 1);
  request.query = query;
  const absl::Status authentic = adapter.Authenticate(request);
  const std::string outcome = FixtureString(expected, "outcome");
  const std::string reason = FixtureString(expected, "error_reason");
  if (outcome == "reject" && absl::StartsWith(reason, "signature_")) {
    // Refused before parsing (e.g. a replayed timestamp): 401, nothing kept.
    EXPECT_EQ(authentic.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(RejectReason(authentic), reason);
    return;
  }
  ASSERT_TRUE(authentic.ok()) << "the fixture's signature must verify: " << authentic;

  NormalizeResult result;
  const absl::Status status = adapter.Normalize(request, &result);
  if (outcome == "reject" && FixtureString(expected, "suggested_http_status") == "200") {
    // Authentic but not ours to queue (a misrouted subscription): answered
    // 200 so the channel stops retrying, kept in quarantine, nothing queued.
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(result.ignored_reason, FixtureString(expected, "error_reason"));
    EXPECT_TRUE(result.events.empty());
    return;
  }
  if (outcome == "reject") {
    ASSERT_FALSE(status.ok()) << "accepted a bad request";
    EXPECT_EQ(RejectReason(status), FixtureString(expected, "error_reason"));
    EXPECT_EQ(FixtureString(expected, "suggested_http_status"), "400");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);  // answered 400
    return;
  }
  ASSERT_TRUE(status.ok()) << status;
  const json::Value* events = json::Find(expected, "events");
  ASSERT_TRUE(events != nullptr && events->IsArray()) << "fixture lists no events";
  if (outcome == "accept_ignore") {
    EXPECT_EQ(events->Size(), 0u);
    for (const Event& e : result.events) EXPECT_TRUE(e.has_unsupported()) << e.ShortDebugString();
    return;
  }
  ASSERT_EQ(outcome, "accept");
  ASSERT_EQ(result.events.size(), events->Size());
  for (size_t i = 0; i < result.events.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("event ", i));
    ExpectEventMatches((*events)[static_cast<rapidjson::SizeType>(i)], result.events[i],
                       received_at_ms, check_extra);
  }
}

}  // namespace omnigate::channels::testing
