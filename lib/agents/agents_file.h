#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/agents/agent.h"

namespace omnigate::agents {

// Parses the agents file (YAML):
//
//   agents:
//     - id: ana            # required, [A-Za-z0-9._@-]+, unique
//       name: Ana Putri    # display name, optional
//       skills: [billing, shipping]
//       languages: [id, en]
//       capacity: 3        # 1..1000, required
//       presence: online   # online|away|offline, default online
//
// Skills and languages are lowercased. Unknown keys are errors.
// INVALID_ARGUMENT naming the path of the problem ("agents[2].capacity: ...").
absl::StatusOr<std::vector<Agent>> ParseAgentsYaml(absl::string_view yaml);

}  // namespace omnigate::agents
