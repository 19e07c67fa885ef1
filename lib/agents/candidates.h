#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/agents/agent.h"

namespace omnigate::agents {

// Lowercase primary language subtag of a BCP 47 tag: "en-US" -> "en",
// "id" -> "id", "zh_Hant" -> "zh". Empty for empty input.
std::string PrimaryLanguage(absl::string_view locale);

// True when the agent speaks `locale` (primary subtags compared) or when
// `locale` is empty (no hint).
bool SpeaksLanguage(const Agent& agent, absl::string_view locale);
// True when `skill` is empty or the agent has it (case-insensitive).
bool HasSkill(const Agent& agent, absl::string_view skill);

// Ids of the agents who may take a conversation needing `skill` in
// `locale`, whatever their presence and load (the assign script checks those
// atomically). A hint nobody in the registry could ever satisfy is dropped
// rather than leaving the conversation queued forever: first the language,
// then the skill. Sorted by id, so every replica passes the same list.
std::vector<std::string> FilterCandidates(const std::vector<Agent>& agents, absl::string_view skill,
                                          absl::string_view locale);

}  // namespace omnigate::agents
