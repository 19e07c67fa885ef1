// The e-mail attachment settings of a connector: size cap and time to live.

#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "lib/config/config.h"

namespace omnigate::config {
namespace {

std::optional<std::string> NoEnv(absl::string_view) { return std::nullopt; }

TEST(ConnectorAttachmentSettingsTest, DefaultsAndValues) {
  auto defaults = ParseConfig(
      "connectors:\n  - {name: mail, channel: email, provider: sendgrid, basic_auth: 'u:p'}\n",
      NoEnv);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->connectors[0].attachment_max_bytes, 5u << 20);
  EXPECT_EQ(defaults->connectors[0].attachment_ttl_seconds, 7 * 24 * 3600);
  auto set = ParseConfig(
      "connectors:\n  - {name: mail, channel: email, provider: mailgun, secret: k,\n"
      "     attachment_max_bytes: 1048576, attachment_ttl_seconds: 86400}\n",
      NoEnv);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->connectors[0].attachment_max_bytes, 1048576u);
  EXPECT_EQ(set->connectors[0].attachment_ttl_seconds, 86400);
}

TEST(ConnectorAttachmentSettingsTest, OutOfRangeValuesNameTheKey) {
  for (const char* bad : {"attachment_max_bytes: -1", "attachment_ttl_seconds: forever",
                          "attachment_max_bytes: 99999999999"}) {
    auto config = ParseConfig(
        std::string(
            "connectors:\n  - {name: mail, channel: email, provider: mailgun, secret: k, ") +
            bad + "}\n",
        NoEnv);
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_NE(
        config.status().message().find(std::string(bad).substr(0, std::string(bad).find(':'))),
        std::string::npos)
        << config.status();
  }
}

}  // namespace
}  // namespace omnigate::config
