#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/language.h"
#include "omnigate/v1/event.pb.h"

// "Did you mean A or B?": when two entries score close the bot offers both
// as options instead of guessing, and answers the one picked.
namespace omnigate::chatbot {

// Prefix of an offered option's id: "faq:<entry id>".
inline constexpr absl::string_view kOptionIdPrefix = "faq:";

// The question asked with the options, when the FAQ file sets no text.
absl::string_view DefaultClarifyText(Language language);

// The option label of an entry: its title, else its first keyword or example
// question; cut to 20 bytes on a character boundary (the shortest native
// button label, WhatsApp's).
std::string OptionTitle(const FaqEntry& entry, Language language);

// Options for `entries` (skipping those without `language`).
std::vector<omnigate::v1::Option> ClarifyOptions(const std::vector<const FaqEntry*>& entries,
                                                 Language language);

// The entry a customer picked from offered options: an interactive reply or
// postback whose id/payload is "faq:<id>", or text equal to an entry's option
// title (ignoring case and punctuation) in either language. nullptr otherwise.
const FaqEntry* PickedEntry(const omnigate::v1::Event& event, const Faq& faq, Language* language);

}  // namespace omnigate::chatbot
