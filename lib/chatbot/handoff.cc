#include "lib/chatbot/handoff.h"

#include <array>

#include "absl/container/flat_hash_set.h"

namespace omnigate::chatbot {
namespace {

const absl::flat_hash_set<absl::string_view>& HumanWords() {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      // English
      "agent", "agents", "human", "humans", "person", "operator", "operators", "cs",
      "representative", "supervisor",
      // Indonesian
      "manusia", "orang", "petugas", "admin", "operatornya", "adminnya", "petugasnya"};
  return *words;
}

// Two-word phrases whose words alone are too common to count.
constexpr std::array<std::pair<absl::string_view, absl::string_view>, 8> kHumanPhrases = {{
    {"customer", "service"},
    {"customer", "support"},
    {"customer", "care"},
    {"live", "chat"},
    {"someone", "real"},
    {"bicara", "dengan"},
    {"layanan", "pelanggan"},
    {"hubungi", "cs"},
}};

}  // namespace

absl::string_view HandoffReasonName(HandoffReason reason) {
  switch (reason) {
    case HandoffReason::kCustomerRequest:
      return "customer_request";
    case HandoffReason::kUnanswered:
      return "unanswered";
  }
  return "unanswered";
}

bool AsksForHuman(const std::vector<std::string>& tokens) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (HumanWords().contains(tokens[i])) return true;
    if (i + 1 == tokens.size()) break;
    for (const auto& [first, second] : kHumanPhrases)
      if (tokens[i] == first && tokens[i + 1] == second) return true;
  }
  return false;
}

}  // namespace omnigate::chatbot
