#include "lib/chatbot/politeness.h"

#include "absl/container/flat_hash_set.h"

namespace omnigate::chatbot {

bool IsThanksWord(absl::string_view token) {
  // ExpandInformal() already maps thx, ty, makasih, mksh, trims.
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      "thanks",  "thank",       "thankyou",   "thanx",   "tq",     "tqs",
      "tks",     "thks",        "tengkyu",    "makasi",  "mksih",  "maksih",
      "makasii", "terimakasih", "trimakasih", "trimksh", "trmksh", "🙏"};
  return words->contains(token);
}

bool ContainsThanks(const std::vector<std::string>& tokens) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (IsThanksWord(tokens[i])) return true;
    if (tokens[i] == "terima" && i + 1 < tokens.size() && tokens[i + 1] == "kasih") return true;
  }
  return false;
}

}  // namespace omnigate::chatbot
