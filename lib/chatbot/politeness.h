#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// Thank-you words, shared by the rating parser (thanks may follow a score)
// and the resolution detector (thanks turn "sudah" into "done, thanks").
namespace omnigate::chatbot {

// One word that says thank you on its own ("thanks", "tq", "terimakasih").
// `token` as produced by Tokenize() then ExpandInformal(),
// so "makasih" and "thx" have already become "terima kasih" and "thanks".
bool IsThanksWord(absl::string_view token);

// True when the tokens say thank you anywhere: a thanks word, or the pair
// "terima kasih".
bool ContainsThanks(const std::vector<std::string>& tokens);

}  // namespace omnigate::chatbot
