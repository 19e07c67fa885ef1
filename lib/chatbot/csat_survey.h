#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "omnigate/v1/event.pb.h"

// The CSAT question sent after a resolve. The sender shows the options as
// native buttons or quick replies, else as numbered lines ("1. ...").
namespace omnigate::chatbot {

// Button and quick-reply titles are cut or refused above 20 characters
// (WhatsApp reply buttons, Messenger and Instagram quick replies, LINE quick
// reply labels); the strictest limit, in code points.
inline constexpr size_t kMaxOptionTitleChars = 20;

struct CsatQuestion {
  std::string text;
  // Scores 1..5 in that order, so the numbered-text rendering's "1." is the
  // score 1. Ids "csat:1".."csat:5" (RatingFromOptionId); each title is
  // "N ⭐ label" and also reads back as its score with ParseCsatRating, for
  // channels that return a tapped quick reply as text.
  std::vector<omnigate::v1::Option> options;
};

// `language`: "id" (also "id-ID", "id_ID", "in") for Indonesian, anything
// else English. `custom_text`: the operator's own question; empty or blank
// for the built-in one. Options are always the built-in ones of the language.
CsatQuestion BuildCsatQuestion(absl::string_view language, absl::string_view custom_text);

}  // namespace omnigate::chatbot
