#include "lib/grpcutil/security_config.h"

namespace omnigate::grpcutil {

ServerTls ServerTlsFromConfig(const config::GrpcServerSecurityConfig& config) {
  return ServerTls{config.cert_file, config.key_file, config.client_ca_file};
}

absl::StatusOr<std::unique_ptr<CallAuthorizer>> AuthorizerFromConfig(
    const config::GrpcServerSecurityConfig& config) {
  if (config.tokens.empty()) return nullptr;
  std::vector<TokenGrant> grants;
  for (const auto& t : config.tokens) {
    TokenGrant grant{t.name, t.token, {}};
    for (const auto& name : t.scopes) {
      auto scope = ParseScope(name);
      if (!scope.ok()) return scope.status();
      grant.scopes.push_back(*scope);
    }
    grants.push_back(std::move(grant));
  }
  return std::make_unique<CallAuthorizer>(std::move(grants));
}

ClientSecurity ClientSecurityFromConfig(const config::GrpcClientSecurityConfig& config) {
  return ClientSecurity{config.ca_file, config.cert_file, config.key_file, config.server_name,
                        config.token};
}

}  // namespace omnigate::grpcutil
