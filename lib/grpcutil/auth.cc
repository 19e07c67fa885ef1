#include "lib/grpcutil/auth.h"

#include <grpcpp/support/client_interceptor.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace omnigate::grpcutil {
namespace {

std::array<unsigned char, 32> Digest(absl::string_view text) {
  std::array<unsigned char, 32> out;
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  std::ifstream in(path);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat("grpc tls: cannot read ", what, " ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().find("-----BEGIN") == std::string::npos)
    return absl::InvalidArgumentError(absl::StrCat("grpc tls: ", what, " ", path, " is not PEM"));
  return buffer.str();
}

// Adds the bearer token to every call of a channel.
class TokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit TokenInterceptor(const std::string* header) : header_(header) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", *header_});
    }
    methods->Proceed();
  }

 private:
  const std::string* header_;
};

class TokenInterceptorFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit TokenInterceptorFactory(std::string token) : header_("Bearer " + token) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new TokenInterceptor(&header_);
  }

 private:
  const std::string header_;  // lives as long as the channel holds the factory
};

}  // namespace

absl::StatusOr<Scope> ParseScope(const std::string& name) {
  if (name == "publish") return Scope::kPublish;
  if (name == "sink") return Scope::kSink;
  if (name == "conversations") return Scope::kConversations;
  if (name == "admin") return Scope::kAdmin;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown scope '", name, "' (publish|sink|conversations|admin)"));
}

CallAuthorizer::CallAuthorizer(std::vector<TokenGrant> grants) {
  for (auto& g : grants) grants_.push_back({g.name, Digest(g.token), g.scopes});
}

grpc::Status CallAuthorizer::Check(const grpc::ServerContextBase& context, Scope scope) const {
  if (grants_.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end())
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing bearer token");
  const absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWithIgnoreCase(value, "bearer "))
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "authorization is not a bearer token");
  const auto digest = Digest(value.substr(7));
  // Compare against every grant so timing does not tell which one matched.
  const Grant* match = nullptr;
  for (const Grant& g : grants_) {
    if (CRYPTO_memcmp(g.digest.data(), digest.data(), digest.size()) == 0) match = &g;
  }
  if (match == nullptr) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown token");
  for (Scope s : match->scopes) {
    if (s == scope || (s == Scope::kAdmin && scope == Scope::kConversations))
      return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      absl::StrCat("token '", match->name, "' lacks the scope of this call"));
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTls& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  auto cert = ReadPem(tls.cert_file, "certificate");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(tls.key_file, "key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.client_ca_file.empty()) {
    auto ca = ReadPem(tls.client_ca_file, "client CA");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address,
                                                           const ClientSecurity& security,
                                                           grpc::ChannelArguments args) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!security.ca_file.empty()) {
    grpc::SslCredentialsOptions options;
    auto ca = ReadPem(security.ca_file, "CA");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    if (!security.cert_file.empty()) {
      auto cert = ReadPem(security.cert_file, "client certificate");
      if (!cert.ok()) return cert.status();
      auto key = ReadPem(security.key_file, "client key");
      if (!key.ok()) return key.status();
      options.pem_cert_chain = *cert;
      options.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(options);
    if (!security.server_name.empty()) args.SetSslTargetNameOverride(security.server_name);
  }
  if (security.token.empty()) return grpc::CreateCustomChannel(address, credentials, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<TokenInterceptorFactory>(security.token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, credentials, args,
                                                                 std::move(factories));
}

}  // namespace omnigate::grpcutil
