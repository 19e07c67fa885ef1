#include "lib/channels/mime.h"

#include <errno.h>
#include <iconv.h>

#include <functional>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"

namespace omnigate::channels::mime {
namespace {

// Owns an iconv descriptor.
class Converter {
 public:
  explicit Converter(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
  ~Converter() {
    if (ok()) iconv_close(cd_);
  }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string DecodeQuotedPrintable(absl::string_view in, bool underscore_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '_' && underscore_is_space) {
      out.push_back(' ');
    } else if (c == '=' && i + 1 < in.size() && (in[i + 1] == '\r' || in[i + 1] == '\n')) {
      // Soft line break.
      i += (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n') ? 2 : 1;
    } else if (c == '=' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 &&
               HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::string> DecodeBase64Lenient(absl::string_view in) {
  std::string compact;
  for (char c : in) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  auto decoded = Base64Decode(compact);
  if (!decoded) return Malformed("email_bad_base64");
  return *decoded;
}

}  // namespace

void SplitMessage(absl::string_view message, HeaderList* headers, absl::string_view* body) {
  size_t pos = 0;
  while (pos < message.size()) {
    size_t end = message.find('\n', pos);
    if (end == absl::string_view::npos) end = message.size();
    absl::string_view line = message.substr(pos, end - pos);
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    pos = std::min(end + 1, message.size());
    if (line.empty()) break;  // end of the header block
    if ((line[0] == ' ' || line[0] == '\t') && !headers->empty()) {
      absl::StrAppend(&headers->back().second, " ", absl::StripAsciiWhitespace(line));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    headers->emplace_back(std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
                          std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  }
  *body = message.substr(pos);
}

std::string Header(const HeaderList& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

std::string Param(absl::string_view value, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(value, ';')) {
    part = absl::StripAsciiWhitespace(part);
    const size_t eq = part.find('=');
    if (eq == absl::string_view::npos) continue;
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(part.substr(0, eq)), name)) continue;
    absl::string_view v = absl::StripAsciiWhitespace(part.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  return "";
}

absl::StatusOr<std::string> ToUtf8(absl::string_view bytes, absl::string_view charset) {
  const std::string name = absl::AsciiStrToLower(charset);
  if (name.empty() || name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii") {
    if (!IsValidUtf8(bytes))
      return Malformed(absl::StrCat("email_bad_charset:", name.empty() ? "utf-8" : name));
    return std::string(bytes);
  }
  Converter converter(name);
  if (!converter.ok())
    return Malformed(absl::StrCat("email_bad_charset:", name), "unknown charset");
  std::string out(bytes.size() * 4 + 16, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  if (iconv(converter.get(), &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<size_t>(-1)) {
    return Malformed(absl::StrCat("email_bad_charset:", name),
                     "bytes are not valid in the charset");
  }
  out.resize(out.size() - out_left);
  return out;
}

absl::StatusOr<std::string> DecodeHeader(absl::string_view value) {
  std::string out;
  size_t pos = 0;
  bool last_was_word = false;
  while (pos < value.size()) {
    const size_t start = value.find("=?", pos);
    if (start == absl::string_view::npos) {
      absl::StrAppend(&out, value.substr(pos));
      break;
    }
    const size_t q1 = value.find('?', start + 2);
    const size_t q2 = q1 == absl::string_view::npos ? q1 : value.find('?', q1 + 1);
    const size_t end = q2 == absl::string_view::npos ? q2 : value.find("?=", q2 + 1);
    if (end == absl::string_view::npos) {
      absl::StrAppend(&out, value.substr(pos));
      break;
    }
    const absl::string_view between = value.substr(pos, start - pos);
    // Whitespace between two encoded words is not part of the text.
    if (!(last_was_word && absl::StripAsciiWhitespace(between).empty()))
      absl::StrAppend(&out, between);
    const absl::string_view charset = value.substr(start + 2, q1 - start - 2);
    const char encoding = absl::ascii_toupper(static_cast<unsigned char>(value[q1 + 1]));
    const absl::string_view text = value.substr(q2 + 1, end - q2 - 1);
    std::string bytes;
    if (encoding == 'B') {
      auto decoded = DecodeBase64Lenient(text);
      if (!decoded.ok()) return decoded.status();
      bytes = *decoded;
    } else {
      bytes = DecodeQuotedPrintable(text, /*underscore_is_space=*/true);
    }
    auto utf8 = ToUtf8(bytes, charset.substr(0, charset.find('*')));  // drop RFC 2231 language
    if (!utf8.ok()) return utf8.status();
    out.append(*utf8);
    pos = end + 2;
    last_was_word = true;
  }
  return out;
}

absl::StatusOr<std::string> DecodeTransferEncoding(absl::string_view body,
                                                   absl::string_view encoding) {
  const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(encoding));
  if (name == "quoted-printable") return DecodeQuotedPrintable(body, false);
  if (name == "base64") return DecodeBase64Lenient(body);
  return std::string(body);
}

absl::StatusOr<std::vector<absl::string_view>> SplitMultipart(absl::string_view body,
                                                              absl::string_view boundary) {
  if (boundary.empty() || boundary.size() > 200) return Malformed("multipart_bad_boundary");
  const std::string delimiter = absl::StrCat("--", boundary);
  std::vector<absl::string_view> parts;
  size_t pos = body.find(delimiter);
  if (pos == absl::string_view::npos) return Malformed("multipart_no_boundary");
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    // Skip to the end of the delimiter line.
    const size_t line_end = body.find('\n', pos);
    if (line_end == absl::string_view::npos) return Malformed("multipart_truncated");
    const size_t start = line_end + 1;
    const size_t next = body.find(absl::StrCat("\n", delimiter), start);
    if (next == absl::string_view::npos) return Malformed("multipart_truncated");
    size_t end = next;
    if (end > start && body[end - 1] == '\r') --end;
    parts.push_back(body.substr(start, end - start));
    if (parts.size() > 1000) return Malformed("multipart_too_many_parts");
    pos = next + 1;
  }
}

absl::StatusOr<std::string> PlainText(absl::string_view message, std::string* charset) {
  struct Found {
    std::string text, charset;
    bool plain = false;
  };
  // Depth-first over nested multiparts, bounded.
  std::function<absl::Status(absl::string_view, int, Found*)> visit =
      [&](absl::string_view part, int depth, Found* found) -> absl::Status {
    if (depth > 8) return Malformed("multipart_too_deep");
    HeaderList headers;
    absl::string_view body;
    SplitMessage(part, &headers, &body);
    std::string type = absl::AsciiStrToLower(Header(headers, "Content-Type"));
    if (type.empty()) type = "text/plain";
    if (absl::StartsWith(type, "multipart/")) {
      auto parts = SplitMultipart(body, Param(Header(headers, "Content-Type"), "boundary"));
      if (!parts.ok()) return parts.status();
      for (absl::string_view child : *parts) {
        if (absl::Status s = visit(child, depth + 1, found); !s.ok()) return s;
        if (found->plain) return absl::OkStatus();
      }
      return absl::OkStatus();
    }
    const bool plain = absl::StartsWith(type, "text/plain");
    if (!plain && !(absl::StartsWith(type, "text/html") && found->text.empty())) {
      return absl::OkStatus();
    }
    if (absl::StrContains(absl::AsciiStrToLower(Header(headers, "Content-Disposition")),
                          "attachment")) {
      return absl::OkStatus();
    }
    auto decoded = DecodeTransferEncoding(body, Header(headers, "Content-Transfer-Encoding"));
    if (!decoded.ok()) return decoded.status();
    const std::string source = Param(Header(headers, "Content-Type"), "charset");
    auto utf8 = ToUtf8(*decoded, source);
    if (!utf8.ok()) return utf8.status();
    found->text = std::move(*utf8);
    found->charset = source.empty() ? "utf-8" : absl::AsciiStrToLower(source);
    found->plain = plain;
    return absl::OkStatus();
  };
  Found found;
  if (absl::Status s = visit(message, 0, &found); !s.ok()) return s;
  *charset = found.charset;
  return found.text;
}

absl::string_view FirstMailbox(absl::string_view list) {
  bool quoted = false;
  bool in_angles = false;
  for (size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (c == '"') quoted = !quoted;
    if (!quoted && c == '<') in_angles = true;
    if (!quoted && c == '>') in_angles = false;
    if (c == ',' && !quoted && !in_angles) return absl::StripAsciiWhitespace(list.substr(0, i));
  }
  return absl::StripAsciiWhitespace(list);
}

std::pair<std::string, std::string> ParseAddress(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  const size_t open = value.rfind('<');
  const size_t close = value.rfind('>');
  if (open != absl::string_view::npos && close != absl::string_view::npos && close > open) {
    absl::string_view name = absl::StripAsciiWhitespace(value.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
      name = name.substr(1, name.size() - 2);
    return {std::string(name), absl::AsciiStrToLower(value.substr(open + 1, close - open - 1))};
  }
  return {"", absl::AsciiStrToLower(value)};
}

int64_t ParseDateMs(absl::string_view value) {
  std::string text(absl::StripAsciiWhitespace(value));
  // Drop a trailing comment such as "(UTC)".
  if (const size_t paren = text.find('('); paren != std::string::npos) {
    text = std::string(absl::StripAsciiWhitespace(text.substr(0, paren)));
  }
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M:%S %z", "%a, %d %b %Y %H:%M %z"}) {
    absl::Time time;
    std::string error;
    if (absl::ParseTime(format, text, &time, &error)) return absl::ToUnixMillis(time);
  }
  return -1;
}

std::string StripAngles(absl::string_view id) {
  id = absl::StripAsciiWhitespace(id);
  absl::ConsumePrefix(&id, "<");
  absl::ConsumeSuffix(&id, ">");
  return std::string(id);
}

std::string WithoutQuote(absl::string_view text) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(line);
    if (absl::StartsWith(trimmed, ">") || trimmed == "--" || trimmed == "-- " ||
        (absl::StartsWith(trimmed, "On ") && absl::EndsWith(trimmed, "wrote:"))) {
      break;
    }
    absl::StrAppend(&out, trimmed, "\n");
  }
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

}  // namespace omnigate::channels::mime
