#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/config/config.h"

namespace omnigate::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EnvLookup NoEnv() {
  return [](absl::string_view) -> std::optional<std::string> { return std::nullopt; };
}

constexpr char kSinks[] = R"yaml(
sinks:
  - {name: chatbot, address: 127.0.0.1:7101}
  - {name: agent-router, address: 127.0.0.1:7102}
)yaml";

absl::StatusOr<Config> ParseWithSinks(const std::string& yaml) {
  return ParseConfig(std::string(kSinks) + yaml, NoEnv());
}

TEST(FanoutConfigTest, ParsesRulesDispatcherChatbotAndRouter) {
  auto config = ParseWithSinks(R"yaml(
routing:
  bot: chatbot
  agent: agent-router
  closed: chatbot
  rules:
    - name: vip
      attributes: {vip: "true"}
      priority: high
    - name: refunds-in-hours
      modes: [bot]
      channels: [whatsapp, email]
      keywords: [Refund, chargeback]
      regex: 'order\s*#?\d+'
      languages: [id]
      business_hours: {timezone: Asia/Jakarta, days: [mon, tue, wed], from: "08:30", to: "17:00"}
      sink: agent-router
      skill: billing
dispatcher:
  max_attempts: 3
  backoff_initial: 50ms
  backoff_max: 1s
  lease_ttl: 2s
  lease_renew: 500ms
  instance_id: d1
chatbot:
  faq_file: deploy/local/faq.yaml
  max_unanswered: 3
  conversations_addr: 127.0.0.1:7200
agent_router:
  agents_file: deploy/local/agents.yaml
)yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const RoutingConfig& routing = config->routing;
  ASSERT_EQ(routing.rules.size(), 2u);
  EXPECT_EQ(routing.rules[0].name, "vip");
  EXPECT_THAT(routing.rules[0].attributes,
              ElementsAre(std::pair<std::string, std::string>("vip", "true")));
  const RoutingRule& r = routing.rules[1];
  EXPECT_THAT(r.modes, ElementsAre("bot"));
  EXPECT_THAT(r.channels, ElementsAre(omnigate::v1::CHANNEL_WHATSAPP, omnigate::v1::CHANNEL_EMAIL));
  EXPECT_THAT(r.keywords, ElementsAre("refund", "chargeback"));  // lowercased
  EXPECT_EQ(r.regex, "order\\s*#?\\d+");
  ASSERT_TRUE(r.business_hours.has_value());
  EXPECT_TRUE(r.inside_business_hours);
  EXPECT_EQ(r.business_hours->timezone, "Asia/Jakarta");
  EXPECT_THAT(r.business_hours->days, ElementsAre(1, 2, 3));
  EXPECT_EQ(r.business_hours->from_minute, 8 * 60 + 30);
  EXPECT_EQ(r.business_hours->to_minute, 17 * 60);
  EXPECT_EQ(r.sink, "agent-router");
  EXPECT_EQ(r.skill, "billing");
  EXPECT_EQ(config->dispatcher.max_attempts, 3);
  EXPECT_EQ(config->dispatcher.backoff_initial, absl::Milliseconds(50));
  EXPECT_EQ(config->dispatcher.lease_ttl, absl::Seconds(2));
  EXPECT_EQ(config->dispatcher.instance_id, "d1");
  EXPECT_EQ(config->dispatcher.batch_events, 100);  // default kept
  EXPECT_EQ(config->chatbot.faq_file, "deploy/local/faq.yaml");
  EXPECT_EQ(config->chatbot.max_unanswered, 3);
  EXPECT_EQ(config->chatbot.conversations_addr, "127.0.0.1:7200");
  EXPECT_EQ(config->agent_router.agents_file, "deploy/local/agents.yaml");
  EXPECT_EQ(config->agent_router.conversations_addr, "127.0.0.1:7100");  // default
}

TEST(FanoutConfigTest, RejectsBadRulesWithTheirPath) {
  auto error = [](const std::string& yaml) {
    return std::string(ParseWithSinks(yaml).status().message());
  };
  EXPECT_THAT(error("routing:\n  rules:\n    - {sink: nobody}\n"),
              HasSubstr("routing.rules[0].sink: no sink named 'nobody'"));
  EXPECT_THAT(error("routing:\n  agent: humans\n"), HasSubstr("routing.agent: no sink named"));
  EXPECT_THAT(error("routing:\n  rules:\n    - {regex: '(', sink: chatbot}\n"),
              HasSubstr("routing.rules[0].regex: bad regex"));
  EXPECT_THAT(error("routing:\n  rules:\n    - {modes: [robot], sink: chatbot}\n"),
              HasSubstr("unknown mode 'robot'"));
  EXPECT_THAT(error("routing:\n  rules:\n    - {channels: [fax], sink: chatbot}\n"),
              HasSubstr("unknown channel 'fax'"));
  EXPECT_THAT(error("routing:\n  rules:\n    - {priority: asap}\n"),
              HasSubstr("unknown priority 'asap'"));
  EXPECT_THAT(error("routing:\n  rules:\n    - {keywords: [x]}\n"),
              HasSubstr("needs at least one of sink, priority, skill"));
  EXPECT_THAT(error("routing:\n  rules:\n    - {business_hours: {timezone: Mars/Base}, "
                    "sink: chatbot}\n"),
              HasSubstr("unknown time zone 'Mars/Base'"));
  EXPECT_THAT(error("routing:\n  rules:\n    - {business_hours: {from: '25:00'}, sink: chatbot}\n"),
              HasSubstr("expected HH:MM"));
  EXPECT_THAT(
      error("routing:\n  rules:\n    - {business_hours: {days: [funday]}, sink: chatbot}\n"),
      HasSubstr("unknown day 'funday'"));
  EXPECT_THAT(error("dispatcher:\n  lease_ttl: 2s\n  lease_renew: 1500ms\n"),
              HasSubstr("at most half of lease_ttl"));
  EXPECT_THAT(error("dispatcher:\n  max_attempts: 0\n"), HasSubstr("dispatcher.max_attempts"));
  EXPECT_THAT(error("chatbot:\n  faq: x\n"), HasSubstr("chatbot.faq: unknown key"));
}

TEST(FanoutConfigTest, RoutingIsNotCheckedWithoutSinks) {
  // An ingest-only config names no sinks; the default routing must not fail it.
  auto config = ParseConfig("routing:\n  bot: anything\n", NoEnv());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->routing.bot, "anything");
}

TEST(CxConfigTest, ParsesEverySettingAndKeepsDefaults) {
  auto defaults = ParseConfig("redis: redis://127.0.0.1:6379\n", NoEnv());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_TRUE(defaults->cx.csat_enabled);
  EXPECT_EQ(defaults->cx.bot_resolve_idle, absl::Minutes(30));
  EXPECT_EQ(defaults->cx.SlaFor("urgent"), absl::Minutes(1));
  EXPECT_EQ(defaults->cx.SlaFor("whatever"), absl::Minutes(15));

  auto config = ParseConfig(R"yaml(
cx:
  history_retention: 720h
  history_max_len: 0
  bot_resolve_idle: 10m
  csat:
    enabled: true
    delay: 30s
    window: 12h
    text_en: "Rate us 1-5"
    text_id: "Beri nilai 1-5"
    off_connectors: [x-main]
  first_response_sla:
    urgent: 30s
    low: 2h
)yaml",
                            NoEnv());
  ASSERT_TRUE(config.ok()) << config.status();
  const CxConfig& cx = config->cx;
  EXPECT_EQ(cx.history_retention, absl::Hours(720));
  EXPECT_EQ(cx.history_max_len, 0);
  EXPECT_EQ(cx.bot_resolve_idle, absl::Minutes(10));
  EXPECT_EQ(cx.csat_delay, absl::Seconds(30));
  EXPECT_EQ(cx.csat_window, absl::Hours(12));
  EXPECT_EQ(cx.csat_text_id, "Beri nilai 1-5");
  EXPECT_TRUE(cx.CsatOn("wa-main"));
  EXPECT_FALSE(cx.CsatOn("x-main"));
  EXPECT_EQ(cx.SlaFor("urgent"), absl::Seconds(30));
  EXPECT_EQ(cx.SlaFor("high"), absl::Minutes(5));
  EXPECT_EQ(cx.SlaFor("low"), absl::Hours(2));
}

TEST(CxConfigTest, RefusesSettingsThatCannotWork) {
  for (const char* yaml : {
           "cx:\n  csat:\n    delay: 2h\n    window: 1h\n",  // asks after answers expire
           "cx:\n  bot_resolve_idle: -5m\n",                 // negative
           "cx:\n  history_retention: 10s\n",                // under a minute
           "cx:\n  first_response_sla:\n    normal: 0s\n",   // no target
           "cx:\n  first_response_sla:\n    asap: 1m\n",     // unknown priority
           "cx:\n  csat:\n    enabeld: true\n",              // typo
       }) {
    auto config = ParseConfig(yaml, NoEnv());
    EXPECT_FALSE(config.ok()) << yaml;
    if (!config.ok()) {
      EXPECT_THAT(std::string(config.status().message()), ::testing::HasSubstr("cx"));
    }
  }
}

}  // namespace
}  // namespace omnigate::config
