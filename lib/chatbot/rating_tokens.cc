#include "lib/chatbot/rating_tokens.h"

#include "absl/strings/ascii.h"
#include "lib/chatbot/informal.h"
#include "lib/chatbot/text.h"
#include "lib/common/encoding.h"

namespace omnigate::chatbot {
namespace {

constexpr int kHugeNumber = 9999;  // any number too long to be a score

struct Symbol {
  RatingTokenKind kind;
  int value = 0;
};

bool IsIgnorable(char32_t cp) {
  return cp == 0xFE0E || cp == 0xFE0F ||    // text / emoji presentation selectors
         cp == 0x200D ||                    // zero-width joiner
         cp == 0x20E3 ||                    // combining keycap ("5️⃣")
         (cp >= 0x1F3FB && cp <= 0x1F3FF);  // skin tones
}

// The faces and hands customers answer "how satisfied are you" with. Our
// own reading, kept to faces whose mood is plain: anger 1, sadness or
// thumbs down 2, a straight face 3, a smile or thumbs up 4, delight 5.
std::optional<Symbol> ClassifySymbol(char32_t cp) {
  switch (cp) {
    case 0x2B50:   // ⭐
    case 0x2605:   // ★
    case 0x1F31F:  // 🌟
      return Symbol{RatingTokenKind::kStar};
    case 0x2606:  // ☆
      return Symbol{RatingTokenKind::kEmptyStar};
    case 0x1F621:  // 😡
    case 0x1F620:  // 😠
    case 0x1F92C:  // 🤬
      return Symbol{RatingTokenKind::kFace, 1};
    case 0x1F61E:  // 😞
    case 0x1F641:  // 🙁
    case 0x2639:   // ☹
    case 0x1F61F:  // 😟
    case 0x1F612:  // 😒
    case 0x1F615:  // 😕
    case 0x1F622:  // 😢
    case 0x1F44E:  // 👎
      return Symbol{RatingTokenKind::kFace, 2};
    case 0x1F610:  // 😐
    case 0x1F611:  // 😑
      return Symbol{RatingTokenKind::kFace, 3};
    case 0x1F642:  // 🙂
    case 0x1F60A:  // 😊
    case 0x1F600:  // 😀
    case 0x1F603:  // 😃
    case 0x1F604:  // 😄
    case 0x1F44D:  // 👍
    case 0x1F44C:  // 👌
      return Symbol{RatingTokenKind::kFace, 4};
    case 0x1F60D:  // 😍
    case 0x1F929:  // 🤩
    case 0x1F970:  // 🥰
    case 0x1F601:  // 😁
    case 0x2764:   // ❤
    case 0x1F4AF:  // 💯
      return Symbol{RatingTokenKind::kFace, 5};
    case 0x1F64F:  // 🙏
    case 0x1F389:  // 🎉
    case 0x1F44F:  // 👏
    case 0x2728:   // ✨
    case 0x1F4AA:  // 💪
    case 0x1F525:  // 🔥
    case 0x2757:   // ❗
    case 0x203C:   // ‼
      return Symbol{RatingTokenKind::kDecoration};
    default:
      return std::nullopt;
  }
}

// Decodes the code point at text[*i] and advances *i. The text has been
// checked with IsValidUtf8, so lead and continuation bytes are well formed.
char32_t NextCodePoint(absl::string_view text, size_t* i) {
  const auto lead = static_cast<unsigned char>(text[*i]);
  int length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t cp = length == 1   ? lead
                : length == 2 ? (lead & 0x1F)
                : length == 3 ? (lead & 0x0F)
                              : (lead & 0x07);
  for (int k = 1; k < length; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(text[*i + k]) & 0x3F);
  *i += length;
  return cp;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A sign glued to a number ("-1", "+62") or a decimal point or comma between
// digits ("4.5", "4,5"): a phone number, an amount or a half score, never a
// plain 1..5.
bool HasSignedOrDecimalNumber(absl::string_view run) {
  for (size_t i = 0; i + 1 < run.size(); ++i) {
    if (!IsDigit(run[i + 1])) continue;
    const char c = run[i];
    const bool starts_word = i == 0 || !absl::ascii_isalnum(run[i - 1]);
    if ((c == '-' || c == '+') && starts_word) return true;
    if ((c == '.' || c == ',') && i > 0 && IsDigit(run[i - 1])) return true;
  }
  return false;
}

// "5stars" -> "5 stars", "bintang5" -> "bintang 5": a digit run is its own
// token. Bytes of multi-byte characters count as letters.
std::string SeparateDigits(absl::string_view run) {
  std::string out;
  out.reserve(run.size() + 4);
  for (size_t i = 0; i < run.size(); ++i) {
    const bool alnum_before = i > 0 && (absl::ascii_isalnum(run[i - 1]) || (run[i - 1] & 0x80));
    const bool alnum_here = absl::ascii_isalnum(run[i]) || (run[i] & 0x80);
    if (alnum_before && alnum_here && IsDigit(run[i - 1]) != IsDigit(run[i])) out.push_back(' ');
    out.push_back(run[i]);
  }
  return out;
}

void AppendWords(absl::string_view run, std::vector<RatingToken>& out) {
  for (std::string& word : ExpandInformal(Tokenize(SeparateDigits(run)))) {
    RatingToken token;
    if (!word.empty() && IsDigit(word[0])) {
      token.kind = RatingTokenKind::kNumber;
      // Tokenize keeps digits apart from letters after SeparateDigits.
      token.value = word.size() > 3 ? kHugeNumber : std::stoi(word);
    } else {
      token.word = std::move(word);
    }
    out.push_back(std::move(token));
  }
}

}  // namespace

std::optional<std::vector<RatingToken>> SplitRatingTokens(absl::string_view text) {
  if (!IsValidUtf8(text)) return std::nullopt;
  std::vector<RatingToken> tokens;
  std::string run;  // text since the last symbol
  auto flush = [&]() -> bool {
    if (HasSignedOrDecimalNumber(run)) return false;
    AppendWords(run, tokens);
    run.clear();
    return true;
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const char32_t cp = NextCodePoint(text, &i);
    if (IsIgnorable(cp)) continue;
    std::optional<Symbol> symbol = cp == '/' ? Symbol{RatingTokenKind::kSlash} : ClassifySymbol(cp);
    if (!symbol) {
      run.append(text.data() + start, i - start);
      continue;
    }
    if (!flush()) return std::nullopt;
    tokens.push_back(RatingToken{symbol->kind, "", symbol->value});
  }
  if (!flush()) return std::nullopt;
  return tokens;
}

}  // namespace omnigate::chatbot
