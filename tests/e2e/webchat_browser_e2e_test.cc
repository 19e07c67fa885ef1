// The web chat demo page in a real browser against the real stack:
// tests/browser/webchat_demo.test.mjs drives Debian's chromium (headless,
// puppeteer-core) through the visitor's side; this test starts the stack
// and plays the agent, answering with Outbound.Send once the script
// reports the handoff, and kills ingest (kill -9) under the connected
// visitor once the page reloaded. Skipped, with the reason, when chromium, node or the
// npm packages are missing (tools/install-deps.sh installs them).
// Screenshots: build/webchat-browser/.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/json/strict_json.h"
#include "tests/e2e/webchat_stack.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace omnigate {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// The first executable `name` on $PATH, or "".
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "" : path, ':')) {
    const std::string candidate = absl::StrCat(dir, "/", name);
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string Chromium() {
  // OMNIGATE_CHROMIUM names another build; a path that is not there skips.
  const char* env = std::getenv("OMNIGATE_CHROMIUM");
  if (env != nullptr && *env != '\0') return access(env, X_OK) == 0 ? env : "";
  return FindOnPath("chromium");
}

class WebchatBrowserTest : public WebchatStackTest {
 protected:
  void SetUp() override {
    const std::string browser_dir = std::string(OMNIGATE_SOURCE_DIR) + "/tests/browser";
    node_ = FindOnPath("node");
    chromium_ = Chromium();
    if (node_.empty()) GTEST_SKIP() << "node not found: run tools/install-deps.sh";
    if (chromium_.empty()) {
      GTEST_SKIP() << "chromium not found (Debian package chromium): run tools/install-deps.sh";
    }
    if (!Exists(browser_dir + "/node_modules/puppeteer-core")) {
      GTEST_SKIP() << "tests/browser/node_modules missing: run tools/install-deps.sh "
                      "(npm ci in tests/browser)";
    }
    WebchatStackTest::SetUp();
  }

  std::string node_;
  std::string chromium_;
};

TEST_F(WebchatBrowserTest, DemoPageFaqAnswerAgentReplyHistoryAndAKilledIngest) {
  const std::string out = std::string(OMNIGATE_BINARY_DIR) + "/webchat-browser";
  const std::string handoff = dir_ + "/handoff.json";
  const std::string reloaded = dir_ + "/reloaded";
  auto script = testing::ChildProcess::Spawn(
      {node_, std::string(OMNIGATE_SOURCE_DIR) + "/tests/browser/webchat_demo.test.mjs", "--url",
       absl::StrCat("http://127.0.0.1:", http_port_, "/webchat/site-main/demo"), "--out", out,
       "--handoff", handoff, "--reloaded", reloaded, "--chromium", chromium_},
      dir_ + "/browser.log");
  ASSERT_TRUE(script.ok()) << script.status();
  auto& browser = *script;

  // The visitor asked for a human: wait for the assignment, then answer.
  std::string visitor;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto text = testing::ReadFile(handoff);
        if (!text.ok()) return !browser->running();
        auto doc = json::ParseStrictObject(*text);
        return doc.ok() && json::GetString(**doc, "visitor_id", &visitor).ok();
      },
      absl::Seconds(90)))
      << browser->ReadLog();
  ASSERT_FALSE(visitor.empty()) << browser->ReadLog() << Logs();
  const std::string conversation = absl::StrCat("webchat:site-main:", visitor);
  ASSERT_TRUE(testing::WaitFor([&] { return !StateOf(conversation).agent_id().empty(); },
                               absl::Seconds(20)))
      << Logs();
  ASSERT_TRUE(AgentReplies(conversation, StateOf(conversation).agent_id(),
                           "Hi, this is Claire from the shop team"));

  // The page reloaded and showed the history: kill -9 ingest under the
  // connected visitor, and start it again a moment later.
  ASSERT_TRUE(testing::WaitFor(
      [&] { return testing::ReadFile(reloaded).ok() || !browser->running(); }, absl::Seconds(60)))
      << browser->ReadLog();
  ASSERT_TRUE(browser->running()) << browser->ReadLog();
  ASSERT_TRUE(processes_["ingest"]->Signal(SIGKILL, absl::Seconds(5)).ok());
  absl::SleepFor(absl::Seconds(2));
  Start("ingest");

  ASSERT_TRUE(testing::WaitFor([&] { return !browser->running(); }, absl::Seconds(90)));
  const int status = browser->Signal(SIGTERM, absl::Seconds(10)).value_or(-1);
  EXPECT_EQ(status, 0) << browser->ReadLog() << Logs();
  std::cout << browser->ReadLog();

  // What the widget saw acknowledged is in the conversation, once.
  omnigate::v1::HistoryRequest request;
  request.set_conversation_key(conversation);
  request.set_page_size(100);
  omnigate::v1::HistoryResponse page;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  ASSERT_TRUE(conversations_->History(&context, request, &page).ok());
  int still_there = 0;
  for (const auto& e : page.events()) {
    if (e.sender().role() == omnigate::v1::ROLE_CUSTOMER &&
        e.text().body() == "Are you still there?") {
      ++still_there;
    }
  }
  EXPECT_EQ(still_there, 1);
}

}  // namespace
}  // namespace omnigate
