#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "lib/config/config.h"
#include "lib/grpcutil/auth.h"

// Turns the grpc_server / grpc_client config sections into grpcutil types.
// Only main() calls these.
namespace omnigate::grpcutil {

ServerTls ServerTlsFromConfig(const config::GrpcServerSecurityConfig& config);
// Null when no tokens are configured (every call allowed).
absl::StatusOr<std::unique_ptr<CallAuthorizer>> AuthorizerFromConfig(
    const config::GrpcServerSecurityConfig& config);
ClientSecurity ClientSecurityFromConfig(const config::GrpcClientSecurityConfig& config);

}  // namespace omnigate::grpcutil
