// Conversations.History over gRPC (the dispatcher's service class on an
// in-process server, GrpcConversationsClient as the caller) against a real
// redis-server: argument checks, paging, and the same authorization as the
// other Conversations RPCs.

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/conversations/conversation_store.h"
#include "lib/conversations/conversations_client.h"
#include "lib/conversations/conversations_service.h"
#include "lib/grpcutil/auth.h"
#include "lib/grpcutil/server.h"
#include "tests/integration/history_fixture.h"

namespace omnigate::conversations {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kConv[] = "webchat:site-1:visitor-9";
constexpr char kConversationsToken[] = "conversations-token";
constexpr char kPublishToken[] = "publish-token";

class HistoryServiceTest : public testing::HistoryRedisTest {
 protected:
  void SetUp() override {
    HistoryRedisTest::SetUp();
    if (HasFatalFailure()) return;
    ConversationStoreOptions options;
    options.partitions = kPartitions;
    store_ = std::make_unique<ConversationStore>(options, pool_.get(), clock_);
  }

  // Serves a ConversationsService on a loopback port (the server stops
  // before the service goes).
  void Serve(const grpcutil::CallAuthorizer* authorizer, const HistoryReader* history) {
    service_ = std::make_unique<ConversationsService>(store_.get(), authorizer, history);
    auto server = grpcutil::GrpcServer::Start(grpcutil::LoopbackServerOptions(), {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // A client of the served service sending `token` (none when empty).
  std::unique_ptr<ConversationsClient> Client(const std::string& token = "") {
    grpcutil::ClientSecurity security;
    security.token = token;
    auto channel = grpcutil::MakeChannel(absl::StrCat("127.0.0.1:", server_->port()), security);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return std::make_unique<GrpcConversationsClient>(omnigate::v1::Conversations::NewStub(*channel),
                                                     absl::Seconds(5));
  }

  FakeClock clock_{1770000000000};
  std::unique_ptr<ConversationStore> store_;
  std::unique_ptr<grpcutil::CallAuthorizer> authorizer_;
  std::unique_ptr<ConversationsService> service_;
  std::unique_ptr<grpcutil::GrpcServer> server_;
};

TEST_F(HistoryServiceTest, PagesThroughTheConversation) {
  AppendEvents(kConv, 7);
  ASSERT_NO_FATAL_FAILURE(Serve(nullptr, reader_.get()));
  auto client = Client();

  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    auto page = client->History(kConv, 3, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& e : page->events()) ids.push_back(e.id());
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_THAT(ids, ElementsAreArray(IdRange(1, 7)));
  EXPECT_EQ(pages, 3);

  auto unknown = client->History("webchat:site-1:nobody", 0, "");
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->events_size(), 0);
  EXPECT_EQ(unknown->next_page_token(), "");
}

TEST_F(HistoryServiceTest, BadArgumentsAreInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(Serve(nullptr, reader_.get()));
  auto client = Client();

  auto no_key = client->History("", 0, "");
  EXPECT_EQ(no_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_key.status().message(), HasSubstr("conversation_key is required"));

  auto long_key = client->History(std::string(513, 'k'), 0, "");
  EXPECT_EQ(long_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(long_key.status().message(), HasSubstr("512 bytes"));

  auto negative = client->History(kConv, -5, "");
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(negative.status().message(), HasSubstr("page_size"));

  auto bad_token = client->History(kConv, 0, "not-a-token");
  EXPECT_EQ(bad_token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_token.status().message(), HasSubstr("page_token"));
}

TEST_F(HistoryServiceTest, NeedsTheConversationsScopeLikeGet) {
  AppendEvents(kConv, 2);
  authorizer_ = std::make_unique<grpcutil::CallAuthorizer>(std::vector<grpcutil::TokenGrant>{
      {"bots", kConversationsToken, {grpcutil::Scope::kConversations}},
      {"ingest-clients", kPublishToken, {grpcutil::Scope::kPublish}}});
  ASSERT_NO_FATAL_FAILURE(Serve(authorizer_.get(), reader_.get()));

  auto allowed = Client(kConversationsToken)->History(kConv, 0, "");
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->events_size(), 2);

  auto wrong_scope = Client(kPublishToken)->History(kConv, 0, "");
  EXPECT_EQ(wrong_scope.status().code(), absl::StatusCode::kPermissionDenied);

  auto anonymous = Client()->History(kConv, 0, "");
  EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(HistoryServiceTest, WithoutAReaderHistoryIsUnimplemented) {
  ASSERT_NO_FATAL_FAILURE(Serve(nullptr, nullptr));
  auto client = Client();
  EXPECT_EQ(client->History(kConv, 0, "").status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace omnigate::conversations
