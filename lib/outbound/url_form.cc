#include "lib/outbound/url_form.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/common/encoding.h"

namespace omnigate::outbound {
namespace {

void AppendEncoded(absl::string_view text, bool plus_for_space, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out->push_back(c);
    } else if (c == ' ' && plus_for_space) {
      out->push_back('+');
    } else {
      out->push_back('%');
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 0xF]);
    }
  }
}

}  // namespace

std::string JoinUrl(absl::string_view base, absl::string_view path) {
  while (absl::ConsumeSuffix(&base, "/")) {
  }
  while (absl::ConsumePrefix(&path, "/")) {
  }
  return absl::StrCat(base, "/", path);
}

std::string PercentEncode(absl::string_view text) {
  std::string out;
  AppendEncoded(text, /*plus_for_space=*/false, &out);
  return out;
}

std::string FormEncode(const FormFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    AppendEncoded(name, /*plus_for_space=*/true, &out);
    out.push_back('=');
    AppendEncoded(value, /*plus_for_space=*/true, &out);
  }
  return out;
}

std::string BasicAuth(absl::string_view user, absl::string_view password) {
  return absl::StrCat("Basic ", Base64Encode(absl::StrCat(user, ":", password)));
}

}  // namespace omnigate::outbound
