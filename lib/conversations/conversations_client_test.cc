#include "lib/conversations/conversations_client.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/grpcutil/server.h"
#include "tests/support/fake_conversations.h"

namespace omnigate::conversations {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// The gRPC client against the shared fake Conversations service: each call
// reaches the server as the request the dispatcher expects.
class GrpcConversationsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = grpcutil::GrpcServer::Start(grpcutil::LoopbackServerOptions(), {&fake_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials());
    client_ = std::make_unique<GrpcConversationsClient>(
        omnigate::v1::Conversations::NewStub(channel), absl::Seconds(10));
  }

  testing::FakeConversations fake_;
  std::unique_ptr<grpcutil::GrpcServer> server_;
  std::unique_ptr<GrpcConversationsClient> client_;
};

TEST_F(GrpcConversationsClientTest, SetModeSendsModeReasonAndActor) {
  ASSERT_TRUE(
      client_->SetMode("whatsapp:acct:u1", omnigate::v1::MODE_AGENT, "handoff", "bot", "id").ok());
  const auto requests = fake_.set_mode_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].conversation_key(), "whatsapp:acct:u1");
  EXPECT_EQ(requests[0].mode(), omnigate::v1::MODE_AGENT);
  EXPECT_EQ(requests[0].reason(), "handoff");
  EXPECT_EQ(requests[0].actor(), "bot");
}

TEST_F(GrpcConversationsClientTest, AssignResolveAndTransferReachTheService) {
  ASSERT_TRUE(client_->Assign("k1", "a1").ok());
  ASSERT_TRUE(client_->Transfer("k1", "a1", "a2", "escalation").ok());
  ASSERT_TRUE(client_->Resolve("k1", "a2", "done").ok());
  EXPECT_THAT(fake_.assigns(), ElementsAre(Pair("k1", "a1")));
  const auto transfers = fake_.transfers();
  ASSERT_EQ(transfers.size(), 1u);
  EXPECT_EQ(transfers[0].from_agent_id(), "a1");
  EXPECT_EQ(transfers[0].to_agent_id(), "a2");
  EXPECT_EQ(transfers[0].reason(), "escalation");
  EXPECT_THAT(fake_.resolves(), ElementsAre("k1"));
}

TEST_F(GrpcConversationsClientTest, ServerDownIsAnError) {
  server_->Shutdown(absl::ZeroDuration());
  server_.reset();
  EXPECT_FALSE(client_->Assign("k1", "a1").ok());
}

// A fake overrides only what its code under test calls; the rest answer
// UNIMPLEMENTED rather than pretending to succeed.
TEST(ConversationsClientTest, CallsAFakeDoesNotOverrideAreUnimplemented) {
  class OnlySetMode : public ConversationsClient {
   public:
    absl::Status SetMode(const std::string&, omnigate::v1::Mode, absl::string_view,
                         absl::string_view, absl::string_view) override {
      return absl::OkStatus();
    }
  } fake;
  EXPECT_TRUE(fake.SetMode("k", omnigate::v1::MODE_BOT, "", "", "").ok());
  EXPECT_EQ(fake.Assign("k", "a").code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(fake.Resolve("k", "a", "").code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(fake.Transfer("k", "a", "b", "").code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace omnigate::conversations
