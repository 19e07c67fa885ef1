#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace omnigate::channels::email {

// One file that came with an e-mail.
struct Attachment {
  std::string file_name;   // decoded UTF-8 ("" when the mail named none)
  std::string mime_type;   // lowercased "type/subtype", parameters dropped
  std::string bytes;       // the content, transfer encoding undone
  std::string content_id;  // "<id>" stripped, for inline images
  // Why the bytes are not the file's ("undecodable: ..."); "" when they are.
  std::string problem;
};

// At most this many attachments are read from one message.
inline constexpr size_t kMaxAttachments = 100;

// The attachments of a raw MIME message: every leaf part that is disposed
// "attachment", or that has a file name (filename, filename* per RFC 2231,
// or the Content-Type name, RFC 2047 words decoded) and is not the text
// body. Nested multiparts are searched (depth 8). A part whose transfer
// encoding cannot be undone is kept with its `problem`, never dropped.
absl::Status FromMime(absl::string_view message, std::vector<Attachment>* out);

// A file posted as a form part (SendGrid attachmentN, Mailgun
// attachment-N): its bytes, and the part's filename and Content-Type.
Attachment FromFormFile(std::string bytes, absl::string_view filename,
                        absl::string_view content_type);

// The file name a Content-Disposition / Content-Type pair gives: RFC 2231
// filename* (charset''percent-encoded) first, then filename, then name;
// encoded words decoded.
std::string FileName(absl::string_view disposition, absl::string_view content_type);

}  // namespace omnigate::channels::email
