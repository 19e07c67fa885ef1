// E-mail attachments, shaped as SendGrid Inbound Parse (attachmentN,
// attachment-info), Mailgun routes (attachment-N) and raw MIME send them:
// media items with name, type, size and a reference to bytes kept in Redis.

#include "lib/channels/email_attachments.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/channels/email_adapter.h"
#include "lib/channels/redis_attachment_store.h"
#include "lib/common/clock.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"
#include "lib/redis/fake_redis.h"

namespace omnigate::channels {
namespace {

using omnigate::v1::Event;
using omnigate::v1::MediaItem;

constexpr int64_t kNowMs = 1770125404000;
const std::string kPdf = std::string("%PDF-1.4\n\x00\x01\xFF binary", 20);
const std::string kPng = std::string("\x89PNG\r\n\x1A\n", 8) + "pixels";

std::string Part(const std::string& boundary, const std::string& name, const std::string& value,
                 const std::string& filename = "", const std::string& type = "") {
  std::string part =
      absl::StrCat("--", boundary, "\r\nContent-Disposition: form-data; name=\"", name, "\"");
  if (!filename.empty()) absl::StrAppend(&part, "; filename=\"", filename, "\"");
  absl::StrAppend(&part, "\r\n");
  if (!type.empty()) absl::StrAppend(&part, "Content-Type: ", type, "\r\n");
  return absl::StrCat(part, "\r\n", value, "\r\n");
}

class EmailAttachmentsTest : public ::testing::Test {
 protected:
  connectors::ConnectorSettings Settings(const std::string& provider, uint64_t cap = 1 << 20) {
    connectors::ConnectorSettings settings;
    settings.name = "email-" + provider;
    settings.channel = omnigate::v1::CHANNEL_EMAIL;
    settings.provider = provider;
    settings.secret = "k";
    settings.basic_auth = "u:p";
    settings.attachment_max_bytes = cap;
    settings.attachment_ttl_seconds = 3600;
    return settings;
  }
  absl::StatusOr<Event> Normalize(const EmailAdapter& adapter, const std::string& boundary,
                                  const std::string& body) {
    Headers headers;
    headers.Add("Content-Type", "multipart/form-data; boundary=" + boundary);
    InboundRequest request;
    request.headers = &headers;
    request.body = body;
    request.received_at_ms = kNowMs;
    NormalizeResult result;
    if (absl::Status s = adapter.Normalize(request, &result); !s.ok()) return s;
    EXPECT_EQ(result.events.size(), 1u);
    return result.events.at(0);
  }
  std::string Stored(const MediaItem& item) {
    auto reply = redis_.Run({"GET", "omnigate:attachment:" + item.media_id()});
    return reply.ok() && reply->is_string() ? std::string(reply->str()) : "";
  }

  FakeClock clock_{kNowMs};
  redis::FakeRedis redis_{clock_};
  RedisAttachmentStore store_{&redis_};
};

TEST_F(EmailAttachmentsTest, SendGridParsedAttachmentsAreStoredByReference) {
  EmailAdapter adapter(Settings("sendgrid"), clock_, {nullptr, &store_});
  const std::string b = "xYzZY";
  const std::string body = absl::StrCat(
      Part(b, "from", "Rina <rina@example.org>"), Part(b, "to", "support@inbound.example.com"),
      Part(b, "subject", "Invoice"), Part(b, "text", "See attached."), Part(b, "attachments", "2"),
      Part(
          b, "attachment-info",
          R"({"attachment1":{"filename":"invoice.pdf","name":"invoice.pdf","type":"application/pdf"},)"
          R"("attachment2":{"filename":"photo.png","type":"image/png"}})"),
      Part(b, "attachment1", kPdf, "invoice.pdf", "application/pdf"), Part(b, "attachment2", kPng),
      "--", b, "--\r\n");
  auto event = Normalize(adapter, b, body);
  ASSERT_TRUE(event.ok()) << event.status();
  ASSERT_TRUE(event->has_media());
  EXPECT_EQ(event->media().caption(), "See attached.");
  ASSERT_EQ(event->media().items_size(), 2);
  const MediaItem& pdf = event->media().items(0);
  EXPECT_EQ(pdf.file_name(), "invoice.pdf");
  EXPECT_EQ(pdf.mime_type(), "application/pdf");
  EXPECT_EQ(pdf.kind(), MediaItem::KIND_DOCUMENT);
  EXPECT_EQ(pdf.size_bytes(), kPdf.size());
  EXPECT_EQ(pdf.sha256(), HexEncode(crypto::Sha256(kPdf)));
  EXPECT_EQ(pdf.media_id(), "att_" + pdf.sha256());
  EXPECT_EQ(Stored(pdf), kPdf);
  // Name and type of the second come from attachment-info.
  const MediaItem& png = event->media().items(1);
  EXPECT_EQ(png.file_name(), "photo.png");
  EXPECT_EQ(png.kind(), MediaItem::KIND_IMAGE);
  EXPECT_EQ(Stored(png), kPng);
  auto ttl = redis_.Run({"TTL", "omnigate:attachment:" + png.media_id()});
  EXPECT_EQ(ttl->integer(), 3600);
}

TEST_F(EmailAttachmentsTest, MailgunOverTheCapIsKeptAsMetadataWithAReason) {
  EmailAdapter adapter(Settings("mailgun", /*cap=*/kPng.size()), clock_, {nullptr, &store_});
  const std::string b = "mgb";
  const std::string body = absl::StrCat(
      Part(b, "sender", "rina@example.org"), Part(b, "from", "Rina <rina@example.org>"),
      Part(b, "recipient", "support@inbound.example.com"), Part(b, "subject", "Files"),
      Part(b, "body-plain", "Two files"), Part(b, "attachment-count", "2"),
      Part(b, "attachment-1", kPng, "scan.png", "image/png"),
      Part(b, "attachment-2", kPdf, "=?UTF-8?Q?Rechnung_M=C3=A4rz?=.pdf", "application/pdf"),
      Part(b, "Message-Id", "<mg-att-1@example.org>"), "--", b, "--\r\n");
  auto event = Normalize(adapter, b, body);
  ASSERT_TRUE(event.ok()) << event.status();
  ASSERT_EQ(event->media().items_size(), 2);
  EXPECT_EQ(Stored(event->media().items(0)), kPng);
  const MediaItem& big = event->media().items(1);
  EXPECT_EQ(big.file_name(), "Rechnung M\xC3\xA4rz.pdf");
  EXPECT_EQ(big.media_id(), "");
  EXPECT_EQ(big.size_bytes(), kPdf.size());
  EXPECT_EQ(big.sha256(), HexEncode(crypto::Sha256(kPdf)));
  EXPECT_EQ(event->attributes().at("attachment_1_not_stored"),
            absl::StrCat("too_large: ", kPdf.size(), " bytes, the cap is ", kPng.size()));
}

TEST_F(EmailAttachmentsTest, RawMimeAttachmentsInlineImagesAndRfc2231Names) {
  EmailAdapter adapter(Settings("sendgrid"), clock_, {nullptr, &store_});
  const std::string raw = absl::StrCat(
      "From: Budi <budi@example.net>\r\nTo: support@inbound.example.com\r\n"
      "Subject: Bukti\r\nMessage-ID: <raw-att-1@example.net>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
      "--outer\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n"
      "--rel\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nBukti transfer terlampir.\r\n"
      "--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n",
      Base64Encode(kPng), "\r\n--rel--\r\n",
      "--outer\r\nContent-Type: application/pdf; name=\"ignored.pdf\"\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''bukti%20transfer%20%E2%82%AC.pdf\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n",
      Base64Encode(kPdf), "\r\n--outer--\r\n");
  const std::string b = "sgraw";
  auto event =
      Normalize(adapter, b,
                absl::StrCat(Part(b, "email", raw), Part(b, "to", "support@inbound.example.com"),
                             "--", b, "--\r\n"));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->media().caption(), "Bukti transfer terlampir.");
  ASSERT_EQ(event->media().items_size(), 2);
  EXPECT_EQ(event->media().items(0).mime_type(), "image/png");
  EXPECT_EQ(event->attributes().at("attachment_0_content_id"), "logo@x");
  EXPECT_EQ(Stored(event->media().items(0)), kPng);
  EXPECT_EQ(event->media().items(1).file_name(), "bukti transfer \xE2\x82\xAC.pdf");
  EXPECT_EQ(Stored(event->media().items(1)), kPdf);
}

TEST_F(EmailAttachmentsTest, MalformedAttachmentsNeverCostTheMail) {
  EmailAdapter adapter(Settings("sendgrid"), clock_, {nullptr, &store_});
  const std::string raw =
      "From: a@example.net\r\nTo: b@example.com\r\nMessage-ID: <bad-att@x>\r\n"
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: "
      "text/plain\r\n\r\nhi\r\n"
      "--o\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=a.zip\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n***not base64***\r\n--o--\r\n";
  const std::string b = "bad";
  auto event = Normalize(adapter, b, absl::StrCat(Part(b, "email", raw), "--", b, "--\r\n"));
  ASSERT_TRUE(event.ok()) << event.status();
  ASSERT_EQ(event->media().items_size(), 1);
  EXPECT_EQ(event->media().items(0).file_name(), "a.zip");
  EXPECT_EQ(event->media().items(0).media_id(), "");
  EXPECT_EQ(event->attributes().at("attachment_0_not_stored").rfind("undecodable: ", 0), 0u);
  // attachment-info that is not JSON: the request is malformed (400).
  const std::string parsed = absl::StrCat(
      Part(b, "from", "a@example.net"), Part(b, "to", "b@example.com"), Part(b, "text", "x"),
      Part(b, "attachment-info", "{not json"), "--", b, "--\r\n");
  EXPECT_EQ(RejectReason(Normalize(adapter, b, parsed).status()), "email_bad_attachment_info");
}

// Redis cannot take the bytes, or no store is configured: metadata and a
// reason, the mail itself still queued.
class DownRedis final : public redis::RedisClient {
 public:
  absl::StatusOr<redis::RedisReply> Run(const redis::RedisCommand&) override {
    return absl::UnavailableError("connection refused");
  }
  absl::StatusOr<std::vector<redis::RedisReply>> RunPipeline(
      const std::vector<redis::RedisCommand>&) override {
    return absl::UnavailableError("connection refused");
  }
};

TEST_F(EmailAttachmentsTest, WithoutAWorkingStoreTheReasonIsKept) {
  const std::string b = "nostore";
  const std::string body = absl::StrCat(
      Part(b, "from", "a@example.net"), Part(b, "to", "b@example.com"), Part(b, "text", "x"),
      Part(b, "attachment1", kPdf, "a.pdf", "application/pdf"), "--", b, "--\r\n");
  EmailAdapter without(Settings("sendgrid"), clock_);
  auto event = Normalize(without, b, body);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->attributes().at("attachment_0_not_stored"), "no_attachment_store");
  DownRedis down;
  RedisAttachmentStore failing(&down);
  EmailAdapter broken(Settings("sendgrid"), clock_, {nullptr, &failing});
  event = Normalize(broken, b, body);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->attributes().at("attachment_0_not_stored"), "store_failed: connection refused");
}

TEST(AttachmentRefTest, OnlyOwnReferencesNameAKey) {
  EXPECT_EQ(*AttachmentKey(AttachmentRef("x")), "omnigate:attachment:" + AttachmentRef("x"));
  EXPECT_FALSE(AttachmentKey("omnigate:conv:1").ok());
  EXPECT_FALSE(AttachmentKey("att_" + std::string(64, 'G')).ok());
  EXPECT_FALSE(AttachmentKey("att_").ok());
}

}  // namespace
}  // namespace omnigate::channels
