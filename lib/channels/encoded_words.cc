#include "lib/channels/encoded_words.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/mime.h"
#include "lib/common/encoding.h"

namespace omnigate::channels::mime {
namespace {

// One piece of a header value: raw text, or the bytes of an encoded word.
struct Piece {
  bool word = false;
  std::string charset;  // lowercased, language suffix dropped (words only)
  std::string bytes;    // decoded octets (words) or the raw text
  std::string written;  // the word as written, kept if it cannot be decoded
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_toupper(static_cast<unsigned char>(c));
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Q encoding: "_" is a space, "=XX" an octet. nullopt for a broken escape.
std::optional<std::string> DecodeQ(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      out.push_back(' ');
    } else if (text[i] == '=') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexDigit(text[i + 1]), lo = HexDigit(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::optional<std::string> DecodeB(absl::string_view text) {
  std::string padded(text);
  while (padded.size() % 4 != 0) padded.push_back('=');  // some mailers drop padding
  return Base64Decode(padded);
}

// Parses "=?charset?E?text?=" at `at`; its length in `*length`.
std::optional<Piece> ParseWord(absl::string_view value, size_t at, size_t* length) {
  const size_t q1 = value.find('?', at + 2);
  if (q1 == absl::string_view::npos || q1 + 2 >= value.size() || value[q1 + 2] != '?') {
    return std::nullopt;
  }
  const size_t end = value.find("?=", q1 + 3);
  if (end == absl::string_view::npos) return std::nullopt;
  absl::string_view charset = value.substr(at + 2, q1 - at - 2);
  charset = charset.substr(0, charset.find('*'));
  const absl::string_view text = value.substr(q1 + 3, end - q1 - 3);
  // Encoded words hold no spaces; "=?" in plain prose is not one.
  if (charset.empty() || text.find_first_of(" \t") != absl::string_view::npos) return std::nullopt;
  const char encoding = absl::ascii_toupper(static_cast<unsigned char>(value[q1 + 1]));
  std::optional<std::string> bytes;
  if (encoding == 'Q') bytes = DecodeQ(text);
  if (encoding == 'B') bytes = DecodeB(text);
  *length = end + 2 - at;
  Piece piece;
  piece.word = true;
  piece.charset = absl::AsciiStrToLower(charset);
  piece.written = std::string(value.substr(at, *length));
  if (!bytes.has_value()) {
    // Undecodable: kept as written.
    piece.word = false;
    piece.bytes = piece.written;
    return piece;
  }
  piece.bytes = *std::move(bytes);
  return piece;
}

std::vector<Piece> Split(absl::string_view value) {
  std::vector<Piece> pieces;
  std::string raw;
  auto flush_raw = [&] {
    if (!raw.empty()) pieces.push_back(Piece{false, "", std::move(raw), ""});
    raw.clear();
  };
  size_t pos = 0;
  while (pos < value.size()) {
    const size_t start = value.find("=?", pos);
    if (start == absl::string_view::npos) {
      raw.append(value.data() + pos, value.size() - pos);
      break;
    }
    size_t length = 0;
    std::optional<Piece> word = ParseWord(value, start, &length);
    raw.append(value.data() + pos, start - pos);
    if (!word.has_value()) {
      raw.append("=?");
      pos = start + 2;
      continue;
    }
    // Only whitespace between two encoded words: it is not text.
    const bool after_word = !pieces.empty() && pieces.back().word;
    if (word->word && after_word && absl::StripAsciiWhitespace(raw).empty()) raw.clear();
    flush_raw();
    pieces.push_back(*std::move(word));
    pos = start + length;
  }
  flush_raw();
  return pieces;
}

// Raw header text that is not UTF-8: legacy mailers send their local
// charset, most often windows-1252.
std::string RawToUtf8(const std::string& text) {
  if (IsValidUtf8(text)) return text;
  for (const char* charset : {"windows-1252", "iso-8859-1"}) {
    auto converted = ToUtf8(text, charset);
    if (converted.ok()) return *converted;
  }
  return "";
}

}  // namespace

std::string DecodeEncodedWords(absl::string_view value) {
  const std::vector<Piece> pieces = Split(value);
  std::string out;
  for (size_t i = 0; i < pieces.size();) {
    if (!pieces[i].word) {
      absl::StrAppend(&out, RawToUtf8(pieces[i].bytes));
      ++i;
      continue;
    }
    // A run of adjacent words in one charset is converted as one.
    std::string bytes, written;
    size_t j = i;
    for (; j < pieces.size() && pieces[j].word && pieces[j].charset == pieces[i].charset; ++j) {
      bytes += pieces[j].bytes;
      written += pieces[j].written;
    }
    auto utf8 = ToUtf8(bytes, pieces[i].charset);
    absl::StrAppend(&out, utf8.ok() ? *utf8 : RawToUtf8(written));
    i = j;
  }
  return out;
}

}  // namespace omnigate::channels::mime
