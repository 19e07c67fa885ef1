#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

// Reads the customer's answer to the CSAT question (lib/chatbot/csat_survey.h).
namespace omnigate::chatbot {

// The score 1..5 when the customer's whole message is a rating, else nullopt
// (the message then goes on as a normal message).
//
// A rating is a short message (at most 12 words and symbols) made only of a
// score expression, its labels and politeness: "5", "4/5", "rating: 4",
// "4 out of 5", "nilai 5", "5 bintang", "⭐⭐⭐⭐", "😍", "very good",
// "sangat puas", "puas, makasih", "5, thanks!". One word that is neither
// ("5 items please", "not good enough, I still need help") makes it a
// normal message, so does a dangling "no"/"tidak" ("tidak, terima kasih").
//
// When several signs are present the strongest decides, in this order:
//  1. a number: 1..5 as is; "N/5", "N out of 5", "N dari 5" with N in
//     1..5; a ten-point answer "N/10" as (N+1)/2, so 10/10 is 5 and 7/10 is
//     4. A bare number outside 1..5 ("0", "6", "10"), any other scale, two
//     numbers, signed or decimal numbers are not ratings. The words and
//     stars beside a number are its label ("5 ⭐ Sangat puas").
//  2. filled stars ⭐ ★ 🌟, counted (1..5; ☆ are ignored: "★★★☆☆" is 3).
//  3. words: terrible 1; bad, poor, unsatisfied, jelek, buruk, kecewa 2;
//     average, neutral 3; good, nice, satisfied, puas, bagus, baik 4; great,
//     excellent, awesome, mantap, luar biasa 5. "very"/"sangat"/"banget"
//     push 4 to 5 and 2 to 1; "not"/"tidak" make a good word 2 (but "tidak
//     puas" is 1, the bottom of the Indonesian scale), a bad word 3 ("not
//     bad"); "kurang" makes a good word 2 ("kurang puas"). Weak words (ok,
//     okay, fine, cukup, lumayan, biasa 3; sip 4) count only alone.
//  4. faces: 😡 😠 🤬 1; 😞 🙁 ☹️ 😟 😒 😕 😢 👎 2; 😐 😑 3;
//     🙂 😊 😀 😃 😄 👍 👌 4; 😍 🤩 🥰 😁 ❤️ 💯 5.
//  5. weak words, unless the message also says thanks: "ok, thanks" is an
//     acknowledgement, not a 3.
// Several words (or faces) must agree within one point; the lower one is
// taken ("fast and friendly, excellent" is 4). Further apart it is mixed
// feedback, not a rating. Invalid UTF-8 is never a rating.
std::optional<int> ParseCsatRating(absl::string_view text);

// The id of the CSAT option for `score` 1..5: "csat:1" .. "csat:5".
std::string CsatOptionId(int score);

// The score of a tapped CSAT option ("csat:4" -> 4); nullopt for any other id.
std::optional<int> RatingFromOptionId(absl::string_view id);

}  // namespace omnigate::chatbot
