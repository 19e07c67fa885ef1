// `omnigatectl conversation history` against a real omnigate-dispatcher and
// redis-server: JSON lines oldest first, across server pages, with a reply
// queued through the dispatcher's Outbound.Send among the customer's
// messages; --count stops early.

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/integration/history_fixture.h"
#include "tests/support/process.h"

namespace omnigate {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kConv[] = "webchat:site-1:visitor-42";
// Sinks are never called: nothing enters the partition streams.
constexpr char kConfigWithoutPartitions[] = R"(sinks:
  - name: chatbot
    address: 127.0.0.1:1
  - name: agent-router
    address: 127.0.0.1:1
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: )";

class HistoryCliTest : public testing::HistoryRedisTest {
 protected:
  void SetUp() override {
    HistoryRedisTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(testing::WriteFile(dir_ + "/omnigate.yaml",
                                   absl::StrCat(kConfigWithoutPartitions, kPartitions, "\n"))
                    .ok());
    grpc_port_ = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-dispatcher"), "--config", dir_ + "/omnigate.yaml", "--redis",
         redis_->url(), absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port_),
         "--metrics_addr=127.0.0.1:0", "--instance_id", "history-cli"},
        dir_ + "/dispatcher.log");
    ASSERT_TRUE(proc.ok()) << proc.status();
    dispatcher_ = *std::move(proc);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                   grpc::InsecureChannelCredentials());
    ASSERT_TRUE(channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10))))
        << dispatcher_->ReadLog();
  }

  // Queues a bot reply through the dispatcher; returns its event id.
  std::string SendReply(const std::string& body) {
    auto stub = omnigate::v1::Outbound::NewStub(channel_);
    omnigate::v1::SendRequest request;
    omnigate::v1::Event* e = request.mutable_event();
    e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e->set_connector("webchat-main");
    e->set_conversation_key(kConv);
    e->mutable_sender()->set_role(omnigate::v1::ROLE_BOT);
    e->mutable_recipient()->set_id("visitor-42");
    e->mutable_text()->set_body(body);
    omnigate::v1::SendResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::Status status = stub->Send(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.event_id();
  }

  struct CtlResult {
    int exit_code = -1;
    std::vector<std::string> lines;
    std::string err;
  };

  CtlResult Ctl(const std::string& args) {
    const std::string out = dir_ + "/ctl.out";
    const std::string err = dir_ + "/ctl.err";
    const std::string command =
        absl::StrCat(testing::BinaryPath("omnigatectl"), " --dispatcher 127.0.0.1:", grpc_port_,
                     " ", args, " > ", out, " 2> ", err);
    CtlResult result;
    const int status = std::system(command.c_str());
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    auto text = testing::ReadFile(out);
    if (text.ok()) result.lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
    auto err_text = testing::ReadFile(err);
    if (err_text.ok()) result.err = *err_text;
    return result;
  }

  static std::vector<std::string> IdsOfLines(const std::vector<std::string>& lines) {
    std::vector<std::string> ids;
    for (const std::string& line : lines) {
      omnigate::v1::Event event;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok()) << line;
      ids.push_back(event.id());
    }
    return ids;
  }

  int grpc_port_ = 0;
  std::unique_ptr<testing::ChildProcess> dispatcher_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(HistoryCliTest, PrintsTheWholeHistoryOldestFirstAcrossPages) {
  AppendEvents(kConv, 2);
  const std::string reply_id = SendReply("Hello from the bot");
  ASSERT_FALSE(reply_id.empty());
  // More than one server page (500) after the reply.
  AppendEvents(kConv, 520, /*first=*/3);

  const CtlResult all = Ctl(absl::StrCat("conversation history ", kConv));
  ASSERT_EQ(all.exit_code, 0) << all.err;
  std::vector<std::string> expected = {"e-1", "e-2", reply_id};
  for (const std::string& id : IdRange(3, 522)) expected.push_back(id);
  EXPECT_THAT(IdsOfLines(all.lines), ElementsAreArray(expected));
  ASSERT_GE(all.lines.size(), 3u);
  EXPECT_THAT(all.lines[2], HasSubstr("\"role\":\"ROLE_BOT\""));
  EXPECT_THAT(all.lines[2], HasSubstr("Hello from the bot"));
}

TEST_F(HistoryCliTest, CountStopsEarly) {
  AppendEvents(kConv, 10);
  const CtlResult some = Ctl(absl::StrCat("--count 3 conversation history ", kConv));
  ASSERT_EQ(some.exit_code, 0) << some.err;
  EXPECT_THAT(IdsOfLines(some.lines), ElementsAreArray(IdRange(1, 3)));
}

TEST_F(HistoryCliTest, AnUnknownConversationPrintsNothing) {
  const CtlResult none = Ctl("conversation history webchat:site-1:nobody");
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_THAT(none.lines, IsEmpty());
}

TEST_F(HistoryCliTest, UsageAndServerErrorsExitNonZero) {
  const CtlResult missing = Ctl("conversation history");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("conversation history KEY"));

  const CtlResult too_long = Ctl(absl::StrCat("conversation history ", std::string(600, 'k')));
  EXPECT_NE(too_long.exit_code, 0);
  EXPECT_THAT(too_long.err, HasSubstr("INVALID_ARGUMENT"));
}

}  // namespace
}  // namespace omnigate
