#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "lib/chatbot/language.h"

namespace omnigate::chatbot {

// Words the matcher ignores: the language's stop words (IsStopWord) except
// those that carry a shop topic ("sampai": arrived), plus polite and filler
// words of chat ("kindly", "dong", "nih", "cara") that say nothing about what
// is asked. Kept apart from IsStopWord so language detection is unchanged.
bool IsNoiseWord(Language language, absl::string_view word);

// A misspelt stop word ("wher", "bagaimna"): one edit from a stop word of
// four letters or more, same first letter. Such a word is noise too, rather
// than an unknown topic word.
bool IsMisspeltStopWord(Language language, absl::string_view word);

}  // namespace omnigate::chatbot
