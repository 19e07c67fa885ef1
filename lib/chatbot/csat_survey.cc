#include "lib/chatbot/csat_survey.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/chatbot/rating_parser.h"

namespace omnigate::chatbot {
namespace {

struct SurveyTexts {
  absl::string_view question;
  std::array<absl::string_view, 5> labels;  // scores 1..5
};

constexpr SurveyTexts kEnglish = {
    "How satisfied are you with our help? Reply 1 (very unsatisfied) to 5 (very satisfied).",
    {"Very unsatisfied", "Unsatisfied", "Neutral", "Satisfied", "Very satisfied"}};

// The labels follow the usual Indonesian CSAT scale and read back through
// ParseCsatRating: "tidak puas" is 1, "kurang puas" 2, "cukup" 3.
constexpr SurveyTexts kIndonesian = {
    "Seberapa puas Anda dengan bantuan kami? Balas dengan angka 1 (tidak puas) sampai 5 (sangat "
    "puas).",
    {"Tidak puas", "Kurang puas", "Cukup", "Puas", "Sangat puas"}};

bool IsIndonesian(absl::string_view language) {
  const std::string code = absl::AsciiStrToLower(language);
  const absl::string_view primary = absl::string_view(code).substr(0, code.find_first_of("-_"));
  // "in" is the old ISO 639 code some platforms still send.
  return primary == "id" || primary == "in";
}

}  // namespace

CsatQuestion BuildCsatQuestion(absl::string_view language, absl::string_view custom_text) {
  const SurveyTexts& texts = IsIndonesian(language) ? kIndonesian : kEnglish;
  CsatQuestion question;
  const absl::string_view custom = absl::StripAsciiWhitespace(custom_text);
  question.text = std::string(custom.empty() ? texts.question : custom);
  for (int score = 1; score <= 5; ++score) {
    omnigate::v1::Option& option = question.options.emplace_back();
    option.set_id(CsatOptionId(score));
    option.set_title(absl::StrCat(score, " ⭐ ", texts.labels[score - 1]));
  }
  return question;
}

}  // namespace omnigate::chatbot
