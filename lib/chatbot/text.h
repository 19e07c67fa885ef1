#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// Text normalization shared by the matcher, the language detector and the
// handoff detector, so all three see the same words.
namespace omnigate::chatbot {

// Lowercases ASCII letters, drops apostrophes ("didn't" -> "didnt") and turns
// every other ASCII punctuation or space character into a single space.
// Bytes >= 0x80 are kept untouched, so multi-byte UTF-8 sequences survive
// whole and invalid UTF-8 cannot be made worse.
std::string Normalize(absl::string_view text);

// Normalize() split on spaces; never yields empty tokens.
std::vector<std::string> Tokenize(absl::string_view text);

}  // namespace omnigate::chatbot
