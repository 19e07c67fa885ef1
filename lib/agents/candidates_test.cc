#include "lib/agents/candidates.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::agents {
namespace {

using ::testing::ElementsAre;

Agent MakeAgent(std::string id, std::vector<std::string> skills,
                std::vector<std::string> languages) {
  Agent a;
  a.id = std::move(id);
  a.skills = std::move(skills);
  a.languages = std::move(languages);
  a.capacity = 2;
  return a;
}

const std::vector<Agent>& Team() {
  static const auto* team = new std::vector<Agent>{
      MakeAgent("dewi", {"billing", "shipping"}, {"id"}),
      MakeAgent("ana", {"billing"}, {"id", "en"}),
      MakeAgent("carl", {"technical"}, {"en-GB"}),
      MakeAgent("ben", {"shipping", "technical"}, {"en"}),
  };
  return *team;
}

TEST(CandidatesTest, PrimaryLanguage) {
  EXPECT_EQ(PrimaryLanguage("en-US"), "en");
  EXPECT_EQ(PrimaryLanguage("ID"), "id");
  EXPECT_EQ(PrimaryLanguage("zh_Hant"), "zh");
  EXPECT_EQ(PrimaryLanguage(""), "");
}

TEST(CandidatesTest, FiltersBySkillAndLanguagePrefixSortedById) {
  EXPECT_THAT(FilterCandidates(Team(), "billing", "id"), ElementsAre("ana", "dewi"));
  EXPECT_THAT(FilterCandidates(Team(), "billing", "en-US"), ElementsAre("ana"));
  // Agent language "en-GB" matches a locale "en" and "en-US" alike.
  EXPECT_THAT(FilterCandidates(Team(), "technical", "en-US"), ElementsAre("ben", "carl"));
  EXPECT_THAT(FilterCandidates(Team(), "Shipping", ""), ElementsAre("ben", "dewi"));
  EXPECT_THAT(FilterCandidates(Team(), "", "id-ID"), ElementsAre("ana", "dewi"));
  EXPECT_THAT(FilterCandidates(Team(), "", ""), ElementsAre("ana", "ben", "carl", "dewi"));
}

TEST(CandidatesTest, UnsatisfiableHintsAreDroppedLanguageFirst) {
  // Nobody with technical speaks Indonesian: the skill wins.
  EXPECT_THAT(FilterCandidates(Team(), "technical", "id"), ElementsAre("ben", "carl"));
  // Nobody has the skill: anyone speaking the language... and then anyone.
  EXPECT_THAT(FilterCandidates(Team(), "legal", "fr"), ElementsAre("ana", "ben", "carl", "dewi"));
  EXPECT_TRUE(FilterCandidates({}, "billing", "en").empty());
}

}  // namespace
}  // namespace omnigate::agents
