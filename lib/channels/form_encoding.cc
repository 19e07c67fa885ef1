#include "lib/channels/form_encoding.h"

#include "absl/strings/str_split.h"
#include "lib/common/reject.h"

namespace omnigate::channels {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) {
        return Malformed("form_bad_escape", "truncated %-escape");
      }
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return Malformed("form_bad_escape", "%-escape is not hex");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<FormParams> ParseUrlEncoded(absl::string_view text) {
  FormParams params;
  if (text.empty()) return params;
  for (absl::string_view pair : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), true);
    if (!name.ok()) return name.status();
    std::string value;
    if (eq != absl::string_view::npos) {
      auto decoded = PercentDecode(pair.substr(eq + 1), true);
      if (!decoded.ok()) return decoded.status();
      value = std::move(*decoded);
    }
    params.emplace_back(std::move(*name), std::move(value));
  }
  return params;
}

const std::string* FindParam(const FormParams& params, absl::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace omnigate::channels
