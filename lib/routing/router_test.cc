#include "lib/routing/router.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::routing {
namespace {

using omnigate::v1::Event;
using ::testing::ElementsAre;

Event Text(const std::string& body) {
  Event e;
  e.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
  e.set_conversation_key("whatsapp:1:2");
  e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  e.mutable_text()->set_body(body);
  return e;
}

config::RoutingConfig Base() {
  config::RoutingConfig c;
  c.bot = "chatbot";
  c.agent = "agent-router";
  return c;
}

Router MakeRouter(config::RoutingConfig c) {
  return Router(std::move(c), {"chatbot", "agent-router", "audit"});
}

TEST(RouterTest, ModeStampedOnTheEntryPicksTheSink) {
  Router router = MakeRouter(Base());
  EXPECT_THAT(router.Route(Text("hi"), "", "").sinks, ElementsAre("chatbot"));
  EXPECT_THAT(router.Route(Text("hi"), "bot", "").sinks, ElementsAre("chatbot"));
  EXPECT_THAT(router.Route(Text("hi"), "agent", "").sinks, ElementsAre("agent-router"));
  // A closed conversation reopens with the bot unless configured otherwise.
  EXPECT_THAT(router.Route(Text("hi"), "closed", "").sinks, ElementsAre("chatbot"));
  config::RoutingConfig c = Base();
  c.closed = "audit";
  EXPECT_THAT(MakeRouter(c).Route(Text("hi"), "closed", "").sinks, ElementsAre("audit"));
}

TEST(RouterTest, LifecycleEventsGoToEverySinkAndReplaysToTheirTarget) {
  Router router = MakeRouter(Base());
  Event handoff;
  handoff.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  handoff.mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_HANDOFF_REQUESTED);
  EXPECT_TRUE(IsLifecycleEvent(handoff));
  EXPECT_THAT(router.Route(handoff, "agent", "").sinks,
              ElementsAre("chatbot", "agent-router", "audit"));
  // A channel's own follow event is not ours: routed by mode like a message.
  Event follow = handoff;
  follow.mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_FOLLOW);
  EXPECT_FALSE(IsLifecycleEvent(follow));
  EXPECT_THAT(router.Route(follow, "bot", "").sinks, ElementsAre("chatbot"));
  // A customer cannot forge a lifecycle event: the role must be SYSTEM.
  Event forged = handoff;
  forged.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  EXPECT_FALSE(IsLifecycleEvent(forged));
  EXPECT_THAT(router.Route(Text("x"), "bot", "agent-router").sinks, ElementsAre("agent-router"));
}

TEST(RouterTest, FirstMatchingRuleWinsAndSetsPriorityAndSkill) {
  config::RoutingConfig c = Base();
  config::RoutingRule vip;
  vip.name = "vip";
  vip.attributes = {{"vip", "true"}};
  vip.priority = "high";
  config::RoutingRule refunds;
  refunds.name = "refunds";
  refunds.modes = {"bot"};
  refunds.keywords = {"refund", "chargeback"};
  refunds.sink = "agent-router";
  refunds.skill = "billing";
  c.rules = {vip, refunds};
  Router router = MakeRouter(c);

  RouteDecision d = router.Route(Text("I want a REFUND now"), "bot", "");
  EXPECT_THAT(d.sinks, ElementsAre("agent-router"));
  EXPECT_EQ(d.skill, "billing");
  EXPECT_EQ(d.rule, "refunds");
  // Whole words only; and the rule is limited to bot mode.
  EXPECT_THAT(router.Route(Text("refunding policy"), "bot", "").sinks, ElementsAre("chatbot"));
  EXPECT_THAT(router.Route(Text("refund"), "closed", "").sinks, ElementsAre("chatbot"));

  Event vip_event = Text("refund");
  (*vip_event.mutable_attributes())["vip"] = "true";
  d = router.Route(vip_event, "bot", "");
  EXPECT_EQ(d.rule, "vip");  // first match wins: no sink change, priority only
  EXPECT_EQ(d.priority, "high");
  EXPECT_THAT(d.sinks, ElementsAre("chatbot"));
}

TEST(RouterTest, ChannelLanguageAndRegexConditions) {
  config::RoutingConfig c = Base();
  config::RoutingRule r;
  r.channels = {omnigate::v1::CHANNEL_EMAIL};
  r.sink = "agent-router";
  config::RoutingRule order;
  order.regex = R"(order\s*#?\d{4,})";
  order.languages = {"id"};
  order.skill = "shipping";
  c.rules = {r, order};
  Router router = MakeRouter(c);

  Event mail = Text("hello");
  mail.set_channel(omnigate::v1::CHANNEL_EMAIL);
  EXPECT_THAT(router.Route(mail, "bot", "").sinks, ElementsAre("agent-router"));

  Event id = Text("Di mana Order #12345 saya?");
  id.set_locale("id-ID");
  EXPECT_EQ(router.Route(id, "bot", "").skill, "shipping");
  id.set_locale("en");
  EXPECT_EQ(router.Route(id, "bot", "").skill, "");
  Event indo = Text("di mana pesanan saya");  // no order number
  indo.set_locale("id");
  EXPECT_EQ(router.Route(indo, "bot", "").skill, "");
}

TEST(RouterTest, BusinessHoursAreJudgedAtReceiptInTheRuleTimeZone) {
  config::RoutingConfig c = Base();
  config::RoutingRule after_hours;
  after_hours.name = "after-hours";
  after_hours.modes = {"agent"};
  config::BusinessHours hours;
  hours.timezone = "Asia/Jakarta";  // UTC+7, no DST
  hours.days = {1, 2, 3, 4, 5};
  hours.from_minute = 9 * 60;
  hours.to_minute = 17 * 60;
  after_hours.business_hours = hours;
  after_hours.inside_business_hours = false;
  after_hours.sink = "chatbot";
  c.rules = {after_hours};
  Router router = MakeRouter(c);

  auto at = [](int y, int mo, int d, int h, int mi) {
    return absl::ToUnixMillis(
        absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone()));
  };
  Event e = Text("hello");
  // Monday 2026-11-23 03:00 UTC = 10:00 in Jakarta: agents are in.
  e.set_received_at_ms(at(2026, 11, 23, 3, 0));
  EXPECT_THAT(router.Route(e, "agent", "").sinks, ElementsAre("agent-router"));
  // 10:30 UTC = 17:30 local: after hours, the bot answers.
  e.set_received_at_ms(at(2026, 11, 23, 10, 30));
  EXPECT_THAT(router.Route(e, "agent", "").sinks, ElementsAre("chatbot"));
  // Saturday 2026-11-28 04:00 UTC = 11:00 local, but not a working day.
  e.set_received_at_ms(at(2026, 11, 28, 4, 0));
  EXPECT_THAT(router.Route(e, "agent", "").sinks, ElementsAre("chatbot"));
  // Sunday 2026-11-22 23:30 UTC is Monday 06:30 local: before opening.
  e.set_received_at_ms(at(2026, 11, 22, 23, 30));
  EXPECT_THAT(router.Route(e, "agent", "").sinks, ElementsAre("chatbot"));
}

TEST(RouterTest, ContainsWordRespectsBoundaries) {
  EXPECT_TRUE(ContainsWord("talk to an agent please", "agent"));
  EXPECT_TRUE(ContainsWord("agent", "agent"));
  EXPECT_TRUE(ContainsWord("agent!", "agent"));
  EXPECT_FALSE(ContainsWord("agents", "agent"));
  EXPECT_FALSE(ContainsWord("reagent", "agent"));
  EXPECT_TRUE(ContainsWord("need customer service now", "customer service"));
  EXPECT_FALSE(ContainsWord("", "agent"));
}

}  // namespace
}  // namespace omnigate::routing
