#include "lib/config/config.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::config {
namespace {

using ::testing::HasSubstr;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ExpandEnvTest, ReplacesVariablesAndDefaults) {
  auto env = FakeEnv({{"A", "alpha"}, {"EMPTY", ""}});
  EXPECT_EQ(*ExpandEnv("x-${A}-y", env), "x-alpha-y");
  EXPECT_EQ(*ExpandEnv("${MISSING:-dflt}", env), "dflt");
  EXPECT_EQ(*ExpandEnv("${EMPTY:-dflt}", env), "");  // set but empty counts as set
  EXPECT_EQ(*ExpandEnv("no vars $ here", env), "no vars $ here");
  EXPECT_THAT(ExpandEnv("${MISSING}", env).status().message(), HasSubstr("MISSING is not set"));
  EXPECT_FALSE(ExpandEnv("${A", env).ok());
}

TEST(ParseConfigTest, ParsesTheContractExample) {
  auto config = ParseConfig(R"yaml(
redis: redis://127.0.0.1:6379
connectors:
  - name: wa-main
    channel: whatsapp
    secret: ${WA_APP_SECRET}
    verify_token: ${WA_VERIFY_TOKEN}
    public_url: https://hooks.example.com/webhooks/wa-main
  - name: mail
    channel: email
    provider: sendgrid
    basic_auth: user:password
sinks:
  - name: chatbot
    address: 127.0.0.1:7101
  - name: agent-router
    address: 127.0.0.1:7102
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: 8
  drain_delay: 2s
)yaml",
                            FakeEnv({{"WA_APP_SECRET", "s3cret"}, {"WA_VERIFY_TOKEN", "tok"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(*config->redis, "redis://127.0.0.1:6379");
  ASSERT_EQ(config->connectors.size(), 2u);
  EXPECT_EQ(config->connectors[0].name, "wa-main");
  EXPECT_EQ(config->connectors[0].channel, omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(config->connectors[0].secret, "s3cret");
  EXPECT_EQ(config->connectors[0].verify_token, "tok");
  EXPECT_EQ(config->connectors[0].public_url, "https://hooks.example.com/webhooks/wa-main");
  EXPECT_EQ(config->connectors[1].provider, "sendgrid");
  EXPECT_EQ(config->connectors[1].basic_auth, "user:password");
  ASSERT_EQ(config->sinks.size(), 2u);
  EXPECT_EQ(config->sinks[1].address, "127.0.0.1:7102");
  EXPECT_EQ(config->routing.agent, "agent-router");
  EXPECT_EQ(config->ingest.partitions, 8);
  EXPECT_EQ(config->ingest.drain_delay, absl::Seconds(2));
  EXPECT_EQ(config->ingest.dedupe_ttl_seconds, 86400);  // default kept
}

TEST(ParseConfigTest, ErrorsNameThePathAndTheProblem) {
  auto env = FakeEnv({});
  EXPECT_THAT(
      ParseConfig("connectors:\n  - name: a\n    channel: whatsap\n", env).status().message(),
      HasSubstr("connectors[0].channel: unknown channel 'whatsap'"));
  EXPECT_THAT(
      ParseConfig("connectors:\n  - name: a\n    channel: line\n    secret: ${LINE_SECRET}\n", env)
          .status()
          .message(),
      HasSubstr("connectors[0].secret: environment variable LINE_SECRET is not set"));
  EXPECT_THAT(ParseConfig("conectors: []\n", env).status().message(),
              HasSubstr("conectors: unknown key"));
  EXPECT_THAT(
      ParseConfig("connectors:\n  - {name: a, channel: x}\n  - {name: a, channel: x}\n", env)
          .status()
          .message(),
      HasSubstr("duplicate name 'a'"));
  EXPECT_THAT(ParseConfig("ingest:\n  partitions: 0\n", env).status().message(),
              HasSubstr("ingest.partitions: expected an integer in [1, 1024]"));
  EXPECT_THAT(ParseConfig("ingest:\n  header_timeout: soon\n", env).status().message(),
              HasSubstr("ingest.header_timeout"));
  EXPECT_THAT(ParseConfig("redis: [unclosed\n", env).status().message(),
              HasSubstr("YAML error at line"));
  EXPECT_THAT(
      ParseConfig("connectors:\n  - {name: publish, channel: whatsapp}\n", env).status().message(),
      HasSubstr("reserved"));
  EXPECT_THAT(ParseConfig("connectors:\n  - {name: 'a b', channel: x}\n", env).status().message(),
              HasSubstr("connectors[0].name"));
  EXPECT_THAT(ParseConfig("connectors:\n  - {name: a, channel: email, basic_auth: nocolon}\n", env)
                  .status()
                  .message(),
              HasSubstr("expected user:password"));
}

TEST(ParseConfigTest, EmptyDocumentIsAnEmptyConfig) {
  auto config = ParseConfig("", FakeEnv({}));
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->connectors.empty());
  EXPECT_FALSE(config->redis.has_value());
}

TEST(LoadConfigFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadConfigFile("/nonexistent/omnigate.yaml", FakeEnv({})).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace omnigate::config

namespace omnigate::config {
namespace {

TEST(ParseConfigTest, BacklogLimitDefaultsToHalfTheStreamCapAndStaysBelowIt) {
  auto env = [](absl::string_view) -> std::optional<std::string> { return std::nullopt; };
  auto config = ParseConfig("ingest:\n  stream_max_len: 20000\n", env);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ingest.max_backlog, 10000);
  EXPECT_EQ(ParseConfig("", env)->ingest.max_backlog, 500000);
  EXPECT_EQ(ParseConfig("ingest:\n  max_backlog: 0\n", env)->ingest.max_backlog, 0);  // off
  EXPECT_THAT(
      ParseConfig("ingest:\n  stream_max_len: 1000\n  max_backlog: 1000\n", env).status().message(),
      ::testing::HasSubstr("ingest.max_backlog: must be below ingest.stream_max_len"));
}

TEST(ParseConfigTest, StreamsPerConnectionDefaultsTo128AndMustBePositive) {
  auto env = [](absl::string_view) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_EQ(ParseConfig("", env)->ingest.max_streams_per_connection, 128);
  auto config = ParseConfig("ingest:\n  max_streams_per_connection: 16\n", env);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ingest.max_streams_per_connection, 16);
  EXPECT_THAT(ParseConfig("ingest:\n  max_streams_per_connection: 0\n", env).status().message(),
              ::testing::HasSubstr("ingest.max_streams_per_connection"));
}

}  // namespace
}  // namespace omnigate::config
