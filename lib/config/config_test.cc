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

TEST(ParseConfigTest, ConversationRetentionDefaultsTo30DaysAndMustBeAtLeastASecond) {
  auto env = [](absl::string_view) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_EQ(ParseConfig("", env)->ingest.conversation_retention, absl::Hours(720));
  auto config = ParseConfig("ingest:\n  conversation_retention: 168h\n", env);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ingest.conversation_retention, absl::Hours(168));
  EXPECT_THAT(ParseConfig("ingest:\n  conversation_retention: 0s\n", env).status().message(),
              ::testing::HasSubstr("ingest.conversation_retention: must be at least 1s"));
  EXPECT_THAT(ParseConfig("ingest:\n  conversation_retention: 30d\n", env).status().message(),
              ::testing::HasSubstr("ingest.conversation_retention: expected a duration"));
}

}  // namespace
}  // namespace omnigate::config

namespace omnigate::config {
namespace {

using ::testing::DoubleEq;
using ::testing::HasSubstr;

EnvLookup NoEnv() {
  return [](absl::string_view) -> std::optional<std::string> { return std::nullopt; };
}

TEST(ParseOutboundTest, ParsesAFullBlockWithEnvExpansion) {
  auto config = ParseConfig(R"yaml(
connectors:
  - name: sms
    channel: twilio
    secret: ${TWILIO_AUTH_TOKEN}
    outbound:
      api_base_url: http://127.0.0.1:18080
      token: ${TWILIO_AUTH_TOKEN}
      account: "AC00000000000000000000000000000001"
      from: "+12025550100"
      status_callback_url: https://hooks.example.com/webhooks/sms
      rate_per_s: 10
      recipient_rate_per_s: 0.5
)yaml",
                            FakeEnv({{"TWILIO_AUTH_TOKEN", "tw-secret"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  const connectors::OutboundSettings& out = config->connectors[0].outbound;
  EXPECT_EQ(out.api_base_url, "http://127.0.0.1:18080");
  EXPECT_EQ(out.token, "tw-secret");
  EXPECT_EQ(out.account, "AC00000000000000000000000000000001");
  EXPECT_EQ(out.from, "+12025550100");
  EXPECT_EQ(out.status_callback_url, "https://hooks.example.com/webhooks/sms");
  EXPECT_THAT(out.rate_per_s, DoubleEq(10));
  EXPECT_THAT(out.recipient_rate_per_s, DoubleEq(0.5));
}

TEST(ParseOutboundTest, DefaultsPerChannelWhenTheBlockIsAbsent) {
  auto config = ParseConfig(R"yaml(
connectors:
  - {name: wa, channel: whatsapp}
  - {name: fb, channel: messenger}
  - {name: ig, channel: instagram}
  - {name: tg, channel: telegram}
  - {name: ln, channel: line}
  - {name: tw, channel: twilio}
  - {name: vb, channel: viber}
  - {name: xx, channel: x}
  - {name: sg, channel: email, provider: sendgrid}
  - {name: mg, channel: email, provider: mailgun}
  - {name: web, channel: webchat}
  - name: empty
    channel: line
    outbound:
)yaml",
                            NoEnv());
  ASSERT_TRUE(config.ok()) << config.status();
  struct Want {
    const char* api_base_url;
    double rate_per_s;
    double recipient_rate_per_s;
  };
  const std::vector<Want> want = {
      {"https://graph.facebook.com/v21.0", 80, 1.0 / 6},
      {"https://graph.facebook.com/v21.0", 300, 0},
      {"https://graph.facebook.com/v21.0", 300, 0},
      {"https://api.telegram.org", 30, 1},
      {"https://api.line.me", 2000, 0},
      {"https://api.twilio.com", 1, 0},
      {"https://chatapi.viber.com", 50, 0},
      {"https://api.x.com", 0.2, 0},
      {"https://api.sendgrid.com", 100, 0},
      {"https://api.mailgun.net", 100, 0},
      {"", 1000, 0},
      {"https://api.line.me", 2000, 0},
  };
  ASSERT_EQ(config->connectors.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const connectors::ConnectorSettings& c = config->connectors[i];
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.outbound.api_base_url, want[i].api_base_url);
    EXPECT_THAT(c.outbound.rate_per_s, DoubleEq(want[i].rate_per_s));
    EXPECT_THAT(c.outbound.recipient_rate_per_s, DoubleEq(want[i].recipient_rate_per_s));
    EXPECT_TRUE(c.outbound.token.empty());
  }
  EXPECT_NEAR(config->connectors[0].outbound.recipient_rate_per_s, 0.166, 0.001);
}

TEST(ParseOutboundTest, DefaultsFillOnlyTheAbsentFields) {
  auto config = ParseConfig(R"yaml(
connectors:
  - name: wa
    channel: whatsapp
    outbound:
      token: t
      account: "100000000000001"
  - name: tg
    channel: telegram
    outbound:
      rate_per_s: 5
      recipient_rate_per_s: 0
)yaml",
                            NoEnv());
  ASSERT_TRUE(config.ok()) << config.status();
  const connectors::OutboundSettings& wa = config->connectors[0].outbound;
  EXPECT_EQ(wa.token, "t");
  EXPECT_EQ(wa.account, "100000000000001");
  EXPECT_EQ(wa.api_base_url, "https://graph.facebook.com/v21.0");
  EXPECT_THAT(wa.rate_per_s, DoubleEq(80));
  EXPECT_THAT(wa.recipient_rate_per_s, DoubleEq(1.0 / 6));
  const connectors::OutboundSettings& tg = config->connectors[1].outbound;
  EXPECT_EQ(tg.api_base_url, "https://api.telegram.org");
  EXPECT_THAT(tg.rate_per_s, DoubleEq(5));
  EXPECT_THAT(tg.recipient_rate_per_s, DoubleEq(0));  // explicit 0: no per-recipient limit
}

TEST(ParseOutboundTest, ErrorsNameThePath) {
  auto parse = [](const std::string& outbound) {
    return ParseConfig(absl::StrCat("connectors:\n  - {name: a, channel: line}\n"
                                    "  - name: b\n    channel: whatsapp\n    outbound:\n",
                                    outbound),
                       NoEnv())
        .status();
  };
  EXPECT_THAT(
      parse("      api_base_url: graph.facebook.com/v21.0\n").message(),
      HasSubstr("connectors[1].outbound.api_base_url: expected an http:// or https:// URL"));
  EXPECT_THAT(parse("      api_base_url: ftp://example.com\n").message(),
              HasSubstr("connectors[1].outbound.api_base_url"));
  EXPECT_THAT(parse("      api_base_url: 'https://'\n").message(),
              HasSubstr("connectors[1].outbound.api_base_url"));
  EXPECT_THAT(parse("      status_callback_url: /webhooks/b\n").message(),
              HasSubstr("connectors[1].outbound.status_callback_url"));
  EXPECT_THAT(parse("      rate_per_s: -5\n").message(),
              HasSubstr("connectors[1].outbound.rate_per_s: expected a number in (0, 100000]"));
  EXPECT_THAT(parse("      rate_per_s: 0\n").message(),
              HasSubstr("connectors[1].outbound.rate_per_s"));
  EXPECT_THAT(parse("      rate_per_s: 100001\n").message(),
              HasSubstr("connectors[1].outbound.rate_per_s"));
  EXPECT_THAT(parse("      rate_per_s: fast\n").message(),
              HasSubstr("connectors[1].outbound.rate_per_s"));
  EXPECT_THAT(parse("      rate_per_s: .nan\n").message(),
              HasSubstr("connectors[1].outbound.rate_per_s"));
  EXPECT_THAT(parse("      recipient_rate_per_s: -1\n").message(),
              HasSubstr("connectors[1].outbound.recipient_rate_per_s"));
  EXPECT_THAT(parse("      tokn: t\n").message(),
              HasSubstr("connectors[1].outbound.tokn: unknown key"));
  EXPECT_THAT(parse("      token: ${WA_ACCESS_TOKEN}\n").message(),
              HasSubstr("connectors[1].outbound.token: environment variable WA_ACCESS_TOKEN is "
                        "not set"));
  EXPECT_THAT(parse("      - token\n").message(),
              HasSubstr("connectors[1].outbound: expected a mapping"));
  EXPECT_TRUE(parse("      rate_per_s: 0.2\n").ok());
}

}  // namespace
}  // namespace omnigate::config
