// Agents.GetAssignment against a real redis-server: the assignment carries
// the conversation's last events from its history, oldest first, so the
// agent sees what the customer and the bot said.

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/agents/agent_directory.h"
#include "lib/agents/agent_router.h"
#include "lib/agents/agent_store.h"
#include "lib/agents/agents_service.h"
#include "lib/agents/router_metrics.h"
#include "lib/common/clock.h"
#include "prometheus/registry.h"
#include "tests/integration/history_fixture.h"

namespace omnigate::agents {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr char kConv[] = "webchat:site-1:visitor-5";

// The dispatcher's side of an assignment always succeeds here.
class AcceptingConversations final : public conversations::ConversationsClient {
 public:
  absl::Status Assign(const std::string&, const std::string&) override { return absl::OkStatus(); }
};

class AssignmentHistoryTest : public testing::HistoryRedisTest {
 protected:
  void SetUp() override {
    HistoryRedisTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = std::make_unique<AgentStore>(pool_.get());
    directory_ = std::make_unique<AgentDirectory>(store_.get(), clock_);
    metrics_ = std::make_unique<RouterMetrics>(registry_);
    router_ = std::make_unique<AgentRouter>(store_.get(), directory_.get(), &conversations_,
                                            metrics_.get(), clock_);
  }

  omnigate::v1::Assignment GetAssignment(AgentsService& service, const std::string& conv) {
    grpc::ServerContext context;
    omnigate::v1::GetAssignmentRequest request;
    request.set_conversation_key(conv);
    omnigate::v1::Assignment response;
    grpc::Status status = service.GetAssignment(&context, &request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  FakeClock clock_{1770000000000};
  prometheus::Registry registry_;
  AcceptingConversations conversations_;
  std::unique_ptr<AgentStore> store_;
  std::unique_ptr<AgentDirectory> directory_;
  std::unique_ptr<RouterMetrics> metrics_;
  std::unique_ptr<AgentRouter> router_;
};

TEST_F(AssignmentHistoryTest, AnAssignedConversationCarriesItsLastEventsOldestFirst) {
  Agent agent;
  agent.id = "agent-1";
  agent.capacity = 2;
  ASSERT_TRUE(store_->Upsert(agent, /*seed=*/true).ok());
  ASSERT_TRUE(directory_->Refresh().ok());
  RouteRequest route;
  route.conversation_key = kConv;
  ASSERT_TRUE(router_->Route(route).ok());
  AppendEvents(kConv, AgentsService::kRecentEvents + 5);

  AgentsService service(router_.get(), nullptr, reader_.get());
  const omnigate::v1::Assignment assignment = GetAssignment(service, kConv);
  EXPECT_EQ(assignment.agent_id(), "agent-1");
  ASSERT_EQ(assignment.recent_events_size(), AgentsService::kRecentEvents);
  std::vector<omnigate::v1::Event> recent(assignment.recent_events().begin(),
                                          assignment.recent_events().end());
  EXPECT_THAT(Ids(recent), ElementsAreArray(IdRange(6, AgentsService::kRecentEvents + 5)));
}

TEST_F(AssignmentHistoryTest, AShortHistoryIsShownWhole) {
  AppendEvents(kConv, 3);
  AgentsService service(router_.get(), nullptr, reader_.get());
  const omnigate::v1::Assignment assignment = GetAssignment(service, kConv);
  EXPECT_EQ(assignment.agent_id(), "");
  std::vector<omnigate::v1::Event> recent(assignment.recent_events().begin(),
                                          assignment.recent_events().end());
  EXPECT_THAT(Ids(recent), ElementsAreArray(IdRange(1, 3)));
}

TEST_F(AssignmentHistoryTest, NoHistoryOrNoReaderMeansNoRecentEvents) {
  AgentsService with_reader(router_.get(), nullptr, reader_.get());
  EXPECT_THAT(GetAssignment(with_reader, kConv).recent_events(), IsEmpty());
  AppendEvents(kConv, 3);
  AgentsService without_reader(router_.get());
  EXPECT_THAT(GetAssignment(without_reader, kConv).recent_events(), IsEmpty());
}

TEST_F(AssignmentHistoryTest, AnUnreadableHistoryStillAnswersTheAssignment) {
  ASSERT_TRUE(pool_->Run({"SET", HistoryKeyOf(kConv), "not a list"}).ok());
  AgentsService service(router_.get(), nullptr, reader_.get());
  const omnigate::v1::Assignment assignment = GetAssignment(service, kConv);
  EXPECT_EQ(assignment.conversation_key(), kConv);
  EXPECT_THAT(assignment.recent_events(), IsEmpty());
}

}  // namespace
}  // namespace omnigate::agents
