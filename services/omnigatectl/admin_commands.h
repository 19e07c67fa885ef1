#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/grpcutil/auth.h"

// omnigatectl commands served by the dispatcher's gRPC services.
namespace omnigate {

struct AdminFlags {
  std::string address;
  std::string sink;
  std::string conversation;
  std::string ids;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  int limit = 0;
  std::string reason;
  grpcutil::ClientSecurity security;  // TLS and token from grpc_client
};

bool IsAdminCommand(const std::string& command);

// Runs `command` with its positional `args`; prints JSON lines to stdout,
// errors to stderr. Returns the process exit code.
int RunAdminCommand(const std::string& command, const std::vector<std::string>& args,
                    const AdminFlags& flags);

}  // namespace omnigate
