#pragma once

#include <string>

#include "lib/grpcutil/auth.h"
#include "omnigate/v1/agents.pb.h"

namespace omnigate {

// One line per agent: id, presence, load/capacity, conversations handled and
// resolved, CSAT ratings (count and average), languages and skills.
std::string FormatAgents(const omnigate::v1::ListAgentsResponse& agents);

// `omnigatectl agents` against the Agents service (omnigate-agent-router)
// at `address`. Returns the process exit code.
int RunAgentsCommand(const std::string& address, const grpcutil::ClientSecurity& security);

}  // namespace omnigate
