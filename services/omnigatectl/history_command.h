#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/conversations/conversations_client.h"
#include "lib/grpcutil/auth.h"

namespace omnigate {

// Writes the conversation's history as JSON lines (one omnigate.v1.Event
// each, proto field names), oldest first, paging through
// Conversations.History until the end or `max_events` events (<= 0: all).
// Stops at the first failed call and returns its status; lines already
// written stay written.
absl::Status PrintHistory(conversations::ConversationsClient& client,
                          const std::string& conversation_key, int max_events, std::ostream& out);

// The history's --count: the flag's value when given on the command line,
// else 0 (everything; the flag's default is for tail).
int HistoryLimit(int argc, char** argv, int count_flag);

// `omnigatectl conversation history KEY [--count N]` against the
// Conversations service at `address`. Returns the process exit code.
int RunHistoryCommand(const std::vector<std::string>& args, const std::string& address,
                      const grpcutil::ClientSecurity& security, int max_events);

}  // namespace omnigate
