#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace omnigate::chatbot {

// Languages the bot answers in.
enum class Language { kEnglish, kIndonesian };

// "en" / "id": the FAQ file keys and the reply's locale.
absl::string_view LanguageCode(Language language);

// The language of a customer message. A locale hint wins when it names a
// supported language ("id", "in" -> Indonesian; "en" -> English, any region);
// otherwise common function words of each language are counted over `tokens`
// (see Tokenize). Ties and unknown text fall back to English.
Language DetectLanguage(absl::string_view locale_hint, const std::vector<std::string>& tokens);

// True for very common words of the language that carry no topic (used by
// the detector above and ignored by the matcher).
bool IsStopWord(Language language, absl::string_view token);

}  // namespace omnigate::chatbot
