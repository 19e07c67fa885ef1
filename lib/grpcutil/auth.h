#pragma once

#include <grpcpp/grpcpp.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace omnigate::grpcutil {

// What a caller may do. Each RPC requires one scope.
enum class Scope {
  kPublish,        // Ingest: Receive, Publish, PublishStream
  kSink,           // Sink.Deliver (the dispatcher calling chatbot / router)
  kConversations,  // Conversations (bots and the agent router change modes)
  kAdmin,          // Admin, Agents; implies kConversations
};

// Parses "publish", "sink", "conversations", "admin".
absl::StatusOr<Scope> ParseScope(const std::string& name);

// One client's bearer token.
struct TokenGrant {
  std::string name;  // for logs; never the token
  std::string token;
  std::vector<Scope> scopes;
};

// Per-call authorization of gRPC servers: "authorization: Bearer <token>"
// metadata is matched (constant time, over SHA-256 digests) against the
// configured tokens. No tokens configured = every call allowed (trusted
// network; the default). Thread-safe after construction.
class CallAuthorizer {
 public:
  explicit CallAuthorizer(std::vector<TokenGrant> grants);
  bool enabled() const { return !grants_.empty(); }

  // OK, UNAUTHENTICATED (missing or unknown token) or PERMISSION_DENIED
  // (known token without the scope).
  grpc::Status Check(const grpc::ServerContextBase& context, Scope scope) const;

 private:
  struct Grant {
    std::string name;
    std::array<unsigned char, 32> digest;
    std::vector<Scope> scopes;
  };
  std::vector<Grant> grants_;
};

// Checks with `authorizer` when it is set (services take it optionally).
inline grpc::Status Authorize(const CallAuthorizer* authorizer,
                              const grpc::ServerContextBase& context, Scope scope) {
  return authorizer == nullptr ? grpc::Status::OK : authorizer->Check(context, scope);
}

// Server TLS: certificate and key files (PEM); with a client CA file,
// clients must present a certificate it signed (mutual TLS).
struct ServerTls {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  bool enabled() const { return !cert_file.empty(); }
};

// Server credentials: insecure when TLS is not configured. INVALID_ARGUMENT
// naming the file when one cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTls& tls);

// How omnigate calls other omnigate services (dispatcher -> sinks, bots ->
// Conversations, omnigatectl -> Admin).
struct ClientSecurity {
  std::string ca_file;    // TLS when set: trust roots for the server
  std::string cert_file;  // client certificate for mutual TLS
  std::string key_file;
  std::string server_name;  // overrides the name checked in the certificate
  std::string token;        // sent as "authorization: Bearer <token>"
};

// A channel to `address` with the client's TLS and token.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address,
                                                           const ClientSecurity& security,
                                                           grpc::ChannelArguments args = {});

}  // namespace omnigate::grpcutil
