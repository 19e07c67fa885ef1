#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "lib/chatbot/language.h"

namespace omnigate::chatbot {

// Reduces a normalized word to a stem so that inflected forms meet:
// "shipped", "shipping" -> "ship"; "pesanan" -> "pesan"; "pengiriman",
// "dikirim" -> "kirim". Rules are deliberately few and conservative: the same
// function stems the FAQ and the question, so consistency matters more than
// dictionary-correct roots. Words with bytes >= 0x80 are returned unchanged.
std::string Stem(Language language, absl::string_view word);

}  // namespace omnigate::chatbot
