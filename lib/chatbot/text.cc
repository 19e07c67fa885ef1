#include "lib/chatbot/text.h"

#include "absl/strings/str_split.h"

namespace omnigate::chatbot {

std::string Normalize(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\'') continue;
    const bool word_byte =
        c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!word_byte) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
  }
  return out;
}

std::vector<std::string> Tokenize(absl::string_view text) {
  return absl::StrSplit(Normalize(text), ' ', absl::SkipEmpty());
}

}  // namespace omnigate::chatbot
