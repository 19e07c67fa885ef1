#include "lib/chatbot/clarify.h"

#include "absl/strings/strip.h"
#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

constexpr size_t kMaxTitleBytes = 20;

const FaqEntry* EntryById(const Faq& faq, absl::string_view id) {
  for (const FaqEntry& e : faq.entries)
    if (e.id == id) return &e;
  return nullptr;
}

std::string CutUtf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  // Back up over continuation bytes so no character is split.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

}  // namespace

absl::string_view DefaultClarifyText(Language language) {
  return language == Language::kIndonesian ? "Maksud Anda yang mana?" : "Which one do you mean?";
}

std::string OptionTitle(const FaqEntry& entry, Language language) {
  const auto& answer = entry.in(language);
  if (!answer) return CutUtf8(entry.id, kMaxTitleBytes);
  std::string title = !answer->title.empty()       ? answer->title
                      : !answer->keywords.empty()  ? answer->keywords[0]
                      : !answer->questions.empty() ? answer->questions[0]
                                                   : entry.id;
  return CutUtf8(std::move(title), kMaxTitleBytes);
}

std::vector<omnigate::v1::Option> ClarifyOptions(const std::vector<const FaqEntry*>& entries,
                                                 Language language) {
  std::vector<omnigate::v1::Option> out;
  for (const FaqEntry* e : entries) {
    if (e == nullptr || !e->in(language)) continue;
    omnigate::v1::Option o;
    o.set_id(std::string(kOptionIdPrefix) + e->id);
    o.set_title(OptionTitle(*e, language));
    out.push_back(std::move(o));
  }
  return out;
}

const FaqEntry* PickedEntry(const omnigate::v1::Event& event, const Faq& faq, Language* language) {
  absl::string_view id;
  if (event.has_interactive()) id = event.interactive().id();
  if (event.has_postback()) id = event.postback().payload();
  if (absl::ConsumePrefix(&id, kOptionIdPrefix)) {
    if (const FaqEntry* e = EntryById(faq, id)) return e;
  }
  // Channels without buttons show numbered lines; the customer may type the
  // title back. Exact title only: anything else goes through the matcher.
  std::string text;
  if (event.has_text()) text = Normalize(event.text().body());
  if (event.has_interactive()) text = Normalize(event.interactive().title());
  if (event.has_postback()) text = Normalize(event.postback().title());
  if (text.empty()) return nullptr;
  for (Language lang : {Language::kEnglish, Language::kIndonesian}) {
    for (const FaqEntry& e : faq.entries) {
      if (e.in(lang) && Normalize(OptionTitle(e, lang)) == text) {
        if (language != nullptr) *language = lang;
        return &e;
      }
    }
  }
  return nullptr;
}

}  // namespace omnigate::chatbot
