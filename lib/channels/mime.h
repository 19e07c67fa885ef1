#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace omnigate::channels::mime {

// Just enough RFC 5322 / MIME for inbound e-mail: headers, encoded words,
// transfer encodings, charsets, multipart bodies and dates.

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Splits a message into its (unfolded) header fields and body.
void SplitMessage(absl::string_view message, HeaderList* headers, absl::string_view* body);

// The first header named `name` (any case), or "".
std::string Header(const HeaderList& headers, absl::string_view name);

// A parameter of a structured header value: Param("text/plain;
// charset=\"UTF-8\"", "charset") == "UTF-8". "" when absent.
std::string Param(absl::string_view value, absl::string_view name);

// Converts `bytes` in `charset` to UTF-8 (iconv). UTF-8, US-ASCII and ""
// are checked, not converted. Malformed("email_bad_charset:<charset>") when
// the charset is unknown or the bytes are not valid in it.
absl::StatusOr<std::string> ToUtf8(absl::string_view bytes, absl::string_view charset);

// Decodes RFC 2047 encoded words (=?charset?Q|B?...?=) in a header value.
absl::StatusOr<std::string> DecodeHeader(absl::string_view value);

// Undoes a Content-Transfer-Encoding (quoted-printable, base64, 7bit, 8bit,
// binary).
absl::StatusOr<std::string> DecodeTransferEncoding(absl::string_view body,
                                                   absl::string_view encoding);

// The parts of a multipart body, each as raw bytes (headers + body).
absl::StatusOr<std::vector<absl::string_view>> SplitMultipart(absl::string_view body,
                                                              absl::string_view boundary);

// The text/plain content of a MIME message in UTF-8, searching nested
// multiparts (plain text preferred over HTML, which is returned only when
// there is no plain part, tags and all). `charset` gets the source charset.
absl::StatusOr<std::string> PlainText(absl::string_view message, std::string* charset);

// The first mailbox of an address list: "\"Doe, Jane\" <j@x>, k@y" ->
// "\"Doe, Jane\" <j@x>" (commas inside quotes or angle brackets do not split).
absl::string_view FirstMailbox(absl::string_view list);

// "Name <addr@host>" -> {"Name", "addr@host"} (address lowercased).
std::pair<std::string, std::string> ParseAddress(absl::string_view value);

// An RFC 5322 date ("Tue, 03 Feb 2026 20:15:00 +0700") in UTC milliseconds,
// or -1.
int64_t ParseDateMs(absl::string_view value);

// "<id@host>" -> "id@host".
std::string StripAngles(absl::string_view id);

// The text above quoted history and signatures: stops at a line starting
// with ">", a "-- " / "--" signature separator, or an "On ... wrote:" line.
std::string WithoutQuote(absl::string_view text);

}  // namespace omnigate::channels::mime
