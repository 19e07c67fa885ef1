#include "lib/agents/candidates.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace omnigate::agents {
namespace {

std::vector<std::string> Select(const std::vector<Agent>& agents, absl::string_view skill,
                                absl::string_view locale) {
  std::vector<std::string> ids;
  for (const Agent& agent : agents) {
    if (HasSkill(agent, skill) && SpeaksLanguage(agent, locale)) ids.push_back(agent.id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

std::string PrimaryLanguage(absl::string_view locale) {
  locale = absl::StripAsciiWhitespace(locale);
  const size_t end = locale.find_first_of("-_");
  return absl::AsciiStrToLower(locale.substr(0, end));
}

bool SpeaksLanguage(const Agent& agent, absl::string_view locale) {
  const std::string wanted = PrimaryLanguage(locale);
  if (wanted.empty()) return true;
  for (const std::string& language : agent.languages) {
    if (PrimaryLanguage(language) == wanted) return true;
  }
  return false;
}

bool HasSkill(const Agent& agent, absl::string_view skill) {
  const std::string wanted = absl::AsciiStrToLower(absl::StripAsciiWhitespace(skill));
  if (wanted.empty()) return true;
  for (const std::string& s : agent.skills) {
    if (absl::AsciiStrToLower(s) == wanted) return true;
  }
  return false;
}

std::vector<std::string> FilterCandidates(const std::vector<Agent>& agents, absl::string_view skill,
                                          absl::string_view locale) {
  std::vector<std::string> ids = Select(agents, skill, locale);
  if (ids.empty()) ids = Select(agents, skill, "");
  if (ids.empty()) ids = Select(agents, "", "");
  return ids;
}

}  // namespace omnigate::agents
