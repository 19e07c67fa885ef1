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

namespace {

// "nomor telepon cs berapa" asks for the CS phone number, not for a person:
// with one of these words, "cs" alone is not a request for a human.
bool AsksForContactDetails(const std::vector<std::string>& tokens) {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      "nomor",  "nomer", "no",      "telepon", "telp",     "tlp",    "email",   "alamat",
      "number", "phone", "address", "wa",      "whatsapp", "kontak", "contact", "hp"};
  for (const std::string& t : tokens)
    if (words->contains(t)) return true;
  return false;
}

}  // namespace

bool AsksForHuman(const std::vector<std::string>& tokens) {
  const bool contact_details = AsksForContactDetails(tokens);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] == "cs" && contact_details) continue;
    if (HumanWords().contains(tokens[i])) return true;
    if (i + 1 == tokens.size()) break;
    for (const auto& [first, second] : kHumanPhrases)
      if (tokens[i] == first && tokens[i + 1] == second) return true;
  }
  return false;
}

}  // namespace omnigate::chatbot
