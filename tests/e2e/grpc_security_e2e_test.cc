// gRPC security end to end: TLS from certificate files, mutual TLS, and
// per-client bearer tokens with scopes, on the real ingest, dispatcher and
// chatbot binaries (the dispatcher calls the chatbot, and the chatbot the
// dispatcher, over mutual TLS with tokens). Certificates are made by the
// openssl command for each run.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdlib>
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/grpcutil/auth.h"
#include "omnigate/v1/admin.grpc.pb.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tests/support/redis_test.h"
#include "tests/support/wait.h"

namespace omnigate {
namespace {

using testing::WaitFor;

using ::testing::HasSubstr;

constexpr char kPublishToken[] = "publish-token-0123456789";
constexpr char kAdminToken[] = "admin-token-0123456789ab";
constexpr char kInternalToken[] = "internal-token-0123456789";

int Shell(const std::string& command) { return std::system(command.c_str()); }

// A CA, a server certificate for localhost, a client certificate, and a
// client certificate from a CA nobody trusts.
void MakeCertificates(const std::string& d) {
  const std::string q = " >/dev/null 2>&1";
  auto ca = [&](const std::string& name) {
    ASSERT_EQ(
        Shell(absl::StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=", name,
                           " -keyout ", d, "/", name, ".key -out ", d, "/", name, ".crt", q)),
        0);
  };
  auto leaf = [&](const std::string& name, const std::string& issuer, const std::string& ext) {
    ASSERT_EQ(Shell(absl::StrCat("openssl req -newkey rsa:2048 -nodes -subj /CN=", name,
                                 " -keyout ", d, "/", name, ".key -out ", d, "/", name, ".csr", q)),
              0);
    ASSERT_TRUE(testing::WriteFile(d + "/" + name + ".ext", ext).ok());
    ASSERT_EQ(
        Shell(absl::StrCat("openssl x509 -req -in ", d, "/", name, ".csr -CA ", d, "/", issuer,
                           ".crt -CAkey ", d, "/", issuer, ".key -CAcreateserial -days 2 -out ", d,
                           "/", name, ".crt -extfile ", d, "/", name, ".ext", q)),
        0);
  };
  ca("ca");
  ca("rogue-ca");
  leaf("server", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
  leaf("rogue", "rogue-ca", "extendedKeyUsage=clientAuth\n");
}

class GrpcSecurityE2ETest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    MakeCertificates(dir_);
    ingest_port_ = testing::PickFreePort();
    dispatcher_port_ = testing::PickFreePort();
    bot_port_ = testing::PickFreePort();
    const std::string config = absl::StrCat(R"(
sinks:
  - name: chatbot
    address: 127.0.0.1:)",
                                            bot_port_, R"(
routing:
  bot: chatbot
  agent: chatbot
ingest:
  partitions: 2
dispatcher:
  lease_ttl: 2s
  lease_renew: 500ms
chatbot:
  faq_file: )",
                                            OMNIGATE_SOURCE_DIR, R"(/deploy/local/faq.yaml
  conversations_addr: 127.0.0.1:)",
                                            dispatcher_port_, R"(
grpc_server:
  tls:
    cert_file: )",
                                            dir_, R"(/server.crt
    key_file: )",
                                            dir_, R"(/server.key
    client_ca_file: )",
                                            dir_, R"(/ca.crt
  tokens:
    - {name: crm, token: )",
                                            kPublishToken, R"(, scopes: [publish]}
    - {name: ops, token: )",
                                            kAdminToken, R"(, scopes: [admin]}
    - name: internal
      token: "${INTERNAL_TOKEN}"
      scopes: [sink, conversations]
grpc_client:
  token: "${INTERNAL_TOKEN}"
  tls:
    ca_file: )",
                                            dir_, R"(/ca.crt
    cert_file: )",
                                            dir_, R"(/client.crt
    key_file: )",
                                            dir_, R"(/client.key
    server_name: localhost
)");
    config_path_ = dir_ + "/omnigate.yaml";
    ASSERT_TRUE(testing::WriteFile(config_path_, config).ok());
    const std::vector<std::string> env = {absl::StrCat("INTERNAL_TOKEN=", kInternalToken)};
    auto spawn = [&](const std::string& name, std::vector<std::string> argv) {
      auto p = testing::ChildProcess::Spawn(argv, dir_ + "/" + name + ".log", env);
      EXPECT_TRUE(p.ok()) << p.status();
      if (p.ok()) processes_.push_back(*std::move(p));
    };
    spawn("ingest",
          {testing::BinaryPath("omnigate-ingest"), "--config", config_path_, "--redis",
           redis_->url(), "--http_addr=127.0.0.1:0",
           absl::StrCat("--grpc_addr=127.0.0.1:", ingest_port_), "--metrics_addr=127.0.0.1:0"});
    spawn("dispatcher",
          {testing::BinaryPath("omnigate-dispatcher"), "--config", config_path_, "--redis",
           redis_->url(), absl::StrCat("--grpc_addr=127.0.0.1:", dispatcher_port_),
           "--metrics_addr=127.0.0.1:0"});
    spawn("chatbot", {testing::BinaryPath("omnigate-chatbot"), "--config", config_path_, "--redis",
                      redis_->url(), absl::StrCat("--grpc_addr=127.0.0.1:", bot_port_),
                      "--metrics_addr=127.0.0.1:0"});
  }

  std::shared_ptr<grpc::Channel> Channel(int port, const std::string& cert, const std::string& key,
                                         const std::string& token, bool tls = true) {
    grpcutil::ClientSecurity security;
    if (tls) {
      security.ca_file = dir_ + "/ca.crt";
      security.server_name = "localhost";
      if (!cert.empty()) {
        security.cert_file = dir_ + "/" + cert;
        security.key_file = dir_ + "/" + key;
      }
    }
    security.token = token;
    auto channel = grpcutil::MakeChannel(absl::StrCat("127.0.0.1:", port), security);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return *channel;
  }

  grpc::Status Publish(const std::shared_ptr<grpc::Channel>& channel, const std::string& id,
                       const std::string& text = "hello") {
    auto stub = omnigate::v1::Ingest::NewStub(channel);
    omnigate::v1::PublishRequest request;
    auto* e = request.add_events();
    e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e->set_conversation_key("webchat:site:secure-1");
    e->set_external_id(id);
    e->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
    e->mutable_text()->set_body(text);
    omnigate::v1::PublishResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
    return stub->Publish(&context, request, &response);
  }

  grpc::Status Owners(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = omnigate::v1::Admin::NewStub(channel);
    omnigate::v1::ListPartitionOwnersResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
    return stub->ListPartitionOwners(&context, omnigate::v1::ListPartitionOwnersRequest(),
                                     &response);
  }

  std::string config_path_;
  int ingest_port_ = 0, dispatcher_port_ = 0, bot_port_ = 0;
  std::vector<std::unique_ptr<testing::ChildProcess>> processes_;
};

TEST_F(GrpcSecurityE2ETest, MutualTlsAndScopedTokensGuardEveryService) {
  auto good = Channel(ingest_port_, "client.crt", "client.key", kPublishToken);
  ASSERT_TRUE(WaitFor([&] { return Publish(good, "warmup").ok(); }, absl::Seconds(15)))
      << processes_[0]->ReadLog();

  // Transport: plaintext, TLS without a client certificate, and a
  // certificate from an untrusted CA never reach the service.
  EXPECT_EQ(Publish(Channel(ingest_port_, "", "", kPublishToken, /*tls=*/false), "p1").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Publish(Channel(ingest_port_, "", "", kPublishToken), "p2").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(
      Publish(Channel(ingest_port_, "rogue.crt", "rogue.key", kPublishToken), "p3").error_code(),
      grpc::StatusCode::UNAVAILABLE);
  // Tokens: missing or unknown -> UNAUTHENTICATED; a token without the
  // scope -> PERMISSION_DENIED.
  EXPECT_EQ(Publish(Channel(ingest_port_, "client.crt", "client.key", ""), "t1").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Publish(Channel(ingest_port_, "client.crt", "client.key", "not-a-token-at-all"), "t2")
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      Publish(Channel(ingest_port_, "client.crt", "client.key", kAdminToken), "t3").error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // A refused stream is refused before any message.
  {
    auto stub =
        omnigate::v1::Ingest::NewStub(Channel(ingest_port_, "client.crt", "client.key", ""));
    grpc::ClientContext context;
    auto stream = stub->PublishStream(&context);
    omnigate::v1::PublishResponse response;
    EXPECT_FALSE(stream->Read(&response));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  // Nothing refused was stored: only the warm-up event is there.
  auto p0 = redis_->Cli({"XLEN", "omnigate:stream:{0}"});
  auto p1 = redis_->Cli({"XLEN", "omnigate:stream:{1}"});
  ASSERT_TRUE(p0.ok() && p1.ok());
  EXPECT_EQ(std::stoi(*p0) + std::stoi(*p1), 1);

  // Dispatcher: Admin needs admin; Conversations accepts admin too.
  EXPECT_EQ(
      Owners(Channel(dispatcher_port_, "client.crt", "client.key", kPublishToken)).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Owners(Channel(dispatcher_port_, "client.crt", "client.key", kAdminToken)).ok());
  {
    auto stub = omnigate::v1::Conversations::NewStub(
        Channel(dispatcher_port_, "client.crt", "client.key", kAdminToken));
    omnigate::v1::GetConversationRequest request;
    request.set_conversation_key("webchat:site:secure-1");
    omnigate::v1::Conversation state;
    grpc::ClientContext context;
    EXPECT_TRUE(stub->Get(&context, request, &state).ok());
  }

  // Service to service: the dispatcher delivers to the chatbot over mutual
  // TLS with the internal token; the bot answers and, asked for a human,
  // calls the dispatcher's Conversations with the same token.
  ASSERT_TRUE(Publish(good, "q1", "What are your opening hours?").ok());
  ASSERT_TRUE(Publish(good, "q2", "I want to talk to a human").ok());
  auto admin = omnigate::v1::Conversations::NewStub(
      Channel(dispatcher_port_, "client.crt", "client.key", kAdminToken));
  ASSERT_TRUE(WaitFor(
      [&] {
        omnigate::v1::GetConversationRequest request;
        request.set_conversation_key("webchat:site:secure-1");
        omnigate::v1::Conversation state;
        grpc::ClientContext context;
        return admin->Get(&context, request, &state).ok() &&
               state.mode() == omnigate::v1::MODE_AGENT;
      },
      absl::Seconds(20)))
      << processes_[1]->ReadLog() << processes_[2]->ReadLog();

  // omnigatectl takes the client side from the same config; a wrong token
  // is refused.
  const std::string ctl =
      absl::StrCat("INTERNAL_TOKEN=", kInternalToken, " ", testing::BinaryPath("omnigatectl"),
                   " --config ", config_path_, " --dispatcher 127.0.0.1:", dispatcher_port_);
  EXPECT_EQ(Shell(ctl + " --token " + kAdminToken + " owners >/dev/null 2>&1"), 0);
  EXPECT_NE(Shell(ctl + " --token wrong-token-0123456789 owners >/dev/null 2>&1"), 0);

  // Tokens never reach the logs.
  for (auto& p : processes_) {
    const std::string log = p->ReadLog();
    EXPECT_THAT(log, ::testing::Not(HasSubstr(kPublishToken)));
    EXPECT_THAT(log, ::testing::Not(HasSubstr(kInternalToken)));
    EXPECT_EQ(p->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0) << log;
  }
}

}  // namespace
}  // namespace omnigate
