#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/config/config.h"

namespace omnigate::config {
namespace {

using ::testing::HasSubstr;

EnvLookup NoEnv() {
  return [](absl::string_view) { return std::optional<std::string>(); };
}

constexpr char kConnectors[] = R"(
connectors:
  - name: site-main
    channel: webchat
    secret: s
  - name: wa-main
    channel: whatsapp
    secret: s
)";

TEST(WebchatConfigTest, ParsesWidgetsAndDefaultsTheRest) {
  auto config = ParseConfig(std::string(kConnectors) + R"(
webchat:
  poll_timeout: 20s
  widgets:
    - connector: site-main
      allow_anonymous: true
      allowed_origins: [https://shop.example, "http://localhost:3000"]
      visitor_messages_per_minute: 10
)",
                            NoEnv());
  ASSERT_TRUE(config.ok()) << config.status();
  const WebchatWidgetConfig widget = config->webchat.WidgetFor("site-main");
  EXPECT_TRUE(widget.allow_anonymous);
  EXPECT_THAT(widget.allowed_origins,
              ::testing::ElementsAre("https://shop.example", "http://localhost:3000"));
  EXPECT_EQ(widget.visitor_messages_per_minute, 10);
  EXPECT_EQ(widget.ip_messages_per_minute, 120);
  EXPECT_EQ(config->webchat.poll_timeout, absl::Seconds(20));
  // A web chat connector without a widget entry: anonymous off.
  EXPECT_FALSE(config->webchat.WidgetFor("other").allow_anonymous);
}

TEST(WebchatConfigTest, RefusesWhatWouldNeverWork) {
  for (const auto& [yaml, error] : std::vector<std::pair<std::string, std::string>>{
           {"webchat:\n  widgets:\n    - connector: wa-main\n", "not a webchat connector"},
           {"webchat:\n  widgets:\n    - connector: site-main\n      allowed_origins: "
            "[https://shop.example/]\n",
            "is not an origin"},
           {"webchat:\n  widgets:\n    - connector: site-main\n      colour: red\n", "colour"},
           {"webchat:\n  poll_timeout: 10m\n", "poll_timeout"},
       }) {
    auto config = ParseConfig(std::string(kConnectors) + yaml, NoEnv());
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_THAT(config.status().message(), HasSubstr(error));
  }
}

}  // namespace
}  // namespace omnigate::config
