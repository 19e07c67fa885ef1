#include "lib/agents/agents_file.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::agents {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AgentsFileTest, ParsesAgents) {
  auto agents = ParseAgentsYaml(R"(
agents:
  - id: ana
    name: Ana Putri
    skills: [Billing, shipping]
    languages: [id, EN]
    capacity: 3
  - id: ben
    skills: technical
    languages: [en]
    capacity: 2
    presence: away
)");
  ASSERT_TRUE(agents.ok()) << agents.status();
  ASSERT_EQ(agents->size(), 2u);
  const Agent& ana = (*agents)[0];
  EXPECT_EQ(ana.id, "ana");
  EXPECT_EQ(ana.display_name, "Ana Putri");
  EXPECT_THAT(ana.skills, ElementsAre("billing", "shipping"));
  EXPECT_THAT(ana.languages, ElementsAre("id", "en"));
  EXPECT_EQ(ana.capacity, 3);
  EXPECT_EQ(ana.presence, Presence::kOnline);
  EXPECT_THAT((*agents)[1].skills, ElementsAre("technical"));
  EXPECT_EQ((*agents)[1].presence, Presence::kAway);
}

struct BadCase {
  const char* yaml;
  const char* error;
};

TEST(AgentsFileTest, RejectsBadFilesNamingThePath) {
  const BadCase cases[] = {
      {"agents: [{id: a}]", "agents[0].capacity: required"},
      {"agents: [{id: a, capacity: 0}]", "agents[0].capacity"},
      {"agents: [{id: a, capacity: two}]", "agents[0].capacity"},
      {"agents: [{capacity: 2}]", "agents[0].id: required"},
      {"agents: [{id: 'a b', capacity: 2}]", "agents[0].id"},
      {"agents: [{id: a, capacity: 2}, {id: a, capacity: 1}]", "duplicate id 'a'"},
      {"agents: [{id: a, capacity: 2, presence: busy}]", "agents[0].presence"},
      {"agents: [{id: a, capacity: 2, skils: [x]}]", "agents[0].skils: unknown key"},
      {"agents: [{id: a, capacity: 2, skills: {x: 1}}]", "agents[0].skills"},
      {"agent: []", "unknown key"},
      {"agents: {}", "expected a list"},
      {"agents: [", "agents file"},
      {"- a", "expected a mapping"},
  };
  for (const BadCase& c : cases) {
    auto agents = ParseAgentsYaml(c.yaml);
    ASSERT_FALSE(agents.ok()) << c.yaml;
    EXPECT_EQ(agents.status().code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_THAT(agents.status().message(), HasSubstr(c.error)) << c.yaml;
  }
}

TEST(AgentsFileTest, ShippedLocalFileParses) {
  FILE* f = fopen(OMNIGATE_SOURCE_DIR "/deploy/local/agents.yaml", "r");
  ASSERT_NE(f, nullptr);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  fclose(f);
  auto agents = ParseAgentsYaml(text);
  ASSERT_TRUE(agents.ok()) << agents.status();
  EXPECT_GE(agents->size(), 4u);
}

}  // namespace
}  // namespace omnigate::agents
