#pragma once

#include <string>
#include <vector>

namespace omnigate::chatbot {

// Rewrites chat abbreviations and informal Indonesian into the standard words
// the FAQ is written in ("sy" -> "saya", "blm" -> "belum", "gak" -> "tidak",
// "pesenan" -> "pesanan", "pls" -> "please"). One token may become several
// ("cs" -> "customer service"). `tokens` as produced by Tokenize(); unknown
// tokens pass through unchanged.
std::vector<std::string> ExpandInformal(const std::vector<std::string>& tokens);

}  // namespace omnigate::chatbot
