#pragma once

// The whole stack for web chat tests: a real Redis and every real binary
// (ingest, dispatcher, chatbot, agent router, sender) with one web chat
// connector, "site-main", whose widget allows anonymous visitors from
// kOrigin and whose replies omnigate-sender posts back to ingest.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tests/support/redis_test.h"
#include "tests/support/wait.h"

namespace omnigate {

inline constexpr char kWebchatOrigin[] = "http://shop.example";

class WebchatStackTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* name : {"ingest", "dispatcher", "chatbot", "router", "sender"}) {
      grpc_ports_[name] = testing::PickFreePort();
      metrics_ports_[name] = testing::PickFreePort();
    }
    http_port_ = testing::PickFreePort();
    const std::string source = OMNIGATE_SOURCE_DIR;
    const std::string yaml = absl::StrCat(R"(
connectors:
  - name: site-main
    channel: webchat
    secret: webchat-e2e-secret
    outbound:
      api_base_url: http://127.0.0.1:)",
                                          http_port_, R"(/webchat/site-main/replies
webchat:
  poll_timeout: 5s
  widgets:
    - connector: site-main
      allow_anonymous: true
      allowed_origins: [")",
                                          kWebchatOrigin, R"("]
sender:
  lease_ttl: 2s
  lease_renew: 500ms
  send_timeout: 2s
  backoff_initial: 100ms
  backoff_max: 500ms
sinks:
  - name: chatbot
    address: 127.0.0.1:)",
                                          grpc_ports_["chatbot"], R"(
  - name: agent-router
    address: 127.0.0.1:)",
                                          grpc_ports_["router"], R"(
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: 4
dispatcher:
  lease_ttl: 2s
  lease_renew: 500ms
  backoff_initial: 50ms
  backoff_max: 500ms
cx:
  csat:
    enabled: false
chatbot:
  faq_file: )",
                                          source, R"(/deploy/local/faq.yaml
  conversations_addr: 127.0.0.1:)",
                                          grpc_ports_["dispatcher"], R"(
agent_router:
  agents_file: )",
                                          source, R"(/deploy/local/agents.yaml
  conversations_addr: 127.0.0.1:)",
                                          grpc_ports_["dispatcher"], "\n");
    config_ = dir_ + "/omnigate.yaml";
    ASSERT_TRUE(testing::WriteFile(config_, yaml).ok());
    for (const char* name : {"ingest", "dispatcher", "chatbot", "router", "sender"}) Start(name);
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          auto r = testing::HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Seconds(1));
          return r.ok() && r->status == 200;
        },
        absl::Seconds(15)))
        << Logs();
    auto channel = [](int port) {
      return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                 grpc::InsecureChannelCredentials());
    };
    conversations_ = omnigate::v1::Conversations::NewStub(channel(grpc_ports_["dispatcher"]));
    outbound_ = omnigate::v1::Outbound::NewStub(channel(grpc_ports_["sender"]));
  }

  void TearDown() override {
    for (auto& [name, p] : processes_) (void)p->Signal(SIGTERM, absl::Seconds(10));
    RedisTest::TearDown();
  }

  void Start(const std::string& name) {
    static const std::map<std::string, std::string> kBinaries = {
        {"ingest", "omnigate-ingest"},
        {"dispatcher", "omnigate-dispatcher"},
        {"chatbot", "omnigate-chatbot"},
        {"router", "omnigate-agent-router"},
        {"sender", "omnigate-sender"},
        {"ingest2", "omnigate-ingest"}};  // a second replica (StartSecondIngest)
    std::vector<std::string> argv = {
        testing::BinaryPath(kBinaries.at(name)),
        "--config",
        config_,
        "--redis",
        redis_->url(),
        absl::StrCat("--grpc_addr=127.0.0.1:", grpc_ports_[name]),
        absl::StrCat("--metrics_addr=127.0.0.1:", metrics_ports_[name])};
    if (name == "ingest") argv.push_back(absl::StrCat("--http_addr=127.0.0.1:", http_port_));
    if (name == "ingest2") argv.push_back(absl::StrCat("--http_addr=127.0.0.1:", http_port2_));
    auto proc =
        testing::ChildProcess::Spawn(argv, absl::StrCat(dir_, "/", name, ++spawned_, ".log"));
    ASSERT_TRUE(proc.ok()) << proc.status();
    processes_[name] = *std::move(proc);
  }

  std::string Logs() {
    std::string all;
    for (const auto& [name, p] : processes_) absl::StrAppend(&all, p->ReadLog());
    return all;
  }

  // Another ingest replica on the same Redis and config, on http_port2_.
  void StartSecondIngest() {
    grpc_ports_["ingest2"] = testing::PickFreePort();
    metrics_ports_["ingest2"] = testing::PickFreePort();
    http_port2_ = testing::PickFreePort();
    Start("ingest2");
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          auto r = testing::HttpRequest(http_port2_, "GET", "/readyz", {}, "", absl::Seconds(1));
          return r.ok() && r->status == 200;
        },
        absl::Seconds(15)));
  }

  // The conversation's state from the dispatcher (empty when unknown).
  omnigate::v1::Conversation StateOf(const std::string& conversation_key) {
    omnigate::v1::GetConversationRequest request;
    request.set_conversation_key(conversation_key);
    omnigate::v1::Conversation state;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    (void)conversations_->Get(&context, request, &state);
    return state;
  }

  // An agent's reply through the sender's Outbound.Send, retried until it is
  // accepted; false after 20 s.
  bool AgentReplies(const std::string& conversation_key, const std::string& agent,
                    const std::string& text) {
    omnigate::v1::SendRequest send;
    omnigate::v1::Event* reply = send.mutable_event();
    reply->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    reply->set_connector("site-main");
    reply->set_conversation_key(conversation_key);
    reply->mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
    reply->mutable_sender()->set_id(agent);
    reply->mutable_text()->set_body(text);
    return testing::WaitFor(
        [&] {
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
          omnigate::v1::SendResponse sent;
          return outbound_->Send(&context, send, &sent).ok();
        },
        absl::Seconds(20));
  }

  std::map<std::string, int> grpc_ports_;
  std::map<std::string, int> metrics_ports_;
  int http_port_ = 0;
  int http_port2_ = 0;
  int spawned_ = 0;
  std::string config_;
  std::map<std::string, std::unique_ptr<testing::ChildProcess>> processes_;
  std::unique_ptr<omnigate::v1::Conversations::Stub> conversations_;
  std::unique_ptr<omnigate::v1::Outbound::Stub> outbound_;
};

}  // namespace omnigate
