#include "lib/channels/email_attachments.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/encoded_words.h"
#include "lib/channels/form_encoding.h"
#include "lib/channels/mime.h"
#include "lib/common/reject.h"

namespace omnigate::channels::email {
namespace {

constexpr int kMaxDepth = 8;

std::string MimeType(absl::string_view content_type) {
  absl::string_view type = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

// RFC 2231: charset'language'percent-encoded.
std::string ExtendedValue(absl::string_view value) {
  const size_t first = value.find('\'');
  const size_t second = first == absl::string_view::npos ? first : value.find('\'', first + 1);
  if (second == absl::string_view::npos) return "";
  auto bytes = PercentDecode(value.substr(second + 1), /*plus_as_space=*/false);
  if (!bytes.ok()) return "";
  auto utf8 = mime::ToUtf8(*bytes, value.substr(0, first));
  return utf8.ok() ? *utf8 : "";
}

absl::Status Visit(absl::string_view part, int depth, bool* body_seen,
                   std::vector<Attachment>* out) {
  if (depth > kMaxDepth) return Malformed("multipart_too_deep");
  mime::HeaderList headers;
  absl::string_view body;
  mime::SplitMessage(part, &headers, &body);
  const std::string content_type = mime::Header(headers, "Content-Type");
  const std::string type = content_type.empty() ? "text/plain" : MimeType(content_type);
  if (absl::StartsWith(type, "multipart/")) {
    auto parts = mime::SplitMultipart(body, mime::Param(content_type, "boundary"));
    if (!parts.ok()) return parts.status();
    for (absl::string_view child : *parts) {
      if (absl::Status s = Visit(child, depth + 1, body_seen, out); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  const std::string disposition = mime::Header(headers, "Content-Disposition");
  const bool disposed_attachment =
      absl::StartsWithIgnoreCase(absl::StripLeadingAsciiWhitespace(disposition), "attachment");
  std::string name = FileName(disposition, content_type);
  // The first text part without a name is the message body, not a file.
  const bool text = absl::StartsWith(type, "text/");
  if (!disposed_attachment && name.empty() && (text || depth == 0)) {
    *body_seen = *body_seen || text;
    return absl::OkStatus();
  }
  if (!disposed_attachment && name.empty() && type != "message/rfc822" &&
      !absl::StartsWith(type, "image/") && !absl::StartsWith(type, "application/") &&
      !absl::StartsWith(type, "audio/") && !absl::StartsWith(type, "video/")) {
    return absl::OkStatus();
  }
  if (out->size() >= kMaxAttachments) return absl::OkStatus();
  auto bytes =
      mime::DecodeTransferEncoding(body, mime::Header(headers, "Content-Transfer-Encoding"));
  Attachment attachment;
  attachment.file_name = std::move(name);
  attachment.mime_type = type;
  if (bytes.ok()) {
    attachment.bytes = *std::move(bytes);
  } else {
    attachment.bytes = std::string(body);
    attachment.problem = absl::StrCat("undecodable: ", bytes.status().message());
  }
  attachment.content_id = mime::StripAngles(mime::Header(headers, "Content-ID"));
  out->push_back(std::move(attachment));
  return absl::OkStatus();
}

}  // namespace

std::string FileName(absl::string_view disposition, absl::string_view content_type) {
  std::string extended = ExtendedValue(mime::Param(disposition, "filename*"));
  if (!extended.empty()) return extended;
  for (const std::string& raw :
       {mime::Param(disposition, "filename"), mime::Param(content_type, "name")}) {
    if (!raw.empty()) return mime::DecodeEncodedWords(raw);
  }
  extended = ExtendedValue(mime::Param(content_type, "name*"));
  return extended;
}

absl::Status FromMime(absl::string_view message, std::vector<Attachment>* out) {
  bool body_seen = false;
  return Visit(message, 0, &body_seen, out);
}

Attachment FromFormFile(std::string bytes, absl::string_view filename,
                        absl::string_view content_type) {
  Attachment attachment;
  attachment.file_name = mime::DecodeEncodedWords(filename);
  attachment.mime_type = content_type.empty() ? "application/octet-stream" : MimeType(content_type);
  attachment.bytes = std::move(bytes);
  return attachment;
}

}  // namespace omnigate::channels::email
