#pragma once

#include "absl/strings/string_view.h"

namespace omnigate::chatbot {

// Edit distance counting insertions, deletions, substitutions and swaps of
// neighbours ("wher" / "where" = 1, "ordr" / "order" = 1, "teh" / "the" = 1).
// Gives up early: any result above `max` is returned as max + 1.
int EditDistance(absl::string_view a, absl::string_view b, int max);

// How many typos a word of this length may carry and still be recognised:
// none up to 3 characters, one up to 7, two beyond.
int TyposAllowed(size_t length);

}  // namespace omnigate::chatbot
