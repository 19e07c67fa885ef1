#include "lib/channels/x_url_entities.h"

#include "gtest/gtest.h"
#include "lib/common/reject.h"

namespace omnigate::channels::x {
namespace {

UrlEntity Entity(size_t start, size_t end, std::string url, std::string expanded) {
  return UrlEntity{start, end, std::move(url), std::move(expanded)};
}

TEST(XUrlEntitiesTest, ExpandsByCodePointIndices) {
  // Two links; an emoji (one code point, four bytes) before each.
  const std::string text = "\xF0\x9F\x91\x8B see https://t.co/a1 and \xE2\x9C\xA8 https://t.co/b2";
  // In code points the first link is [6, 21), the second [28, 43).
  const std::string got =
      ExpandUrls(text, {Entity(6, 21, "https://t.co/a1", "https://a.example/x"),
                        Entity(28, 43, "https://t.co/b2", "https://b.example/y")});
  EXPECT_EQ(got, "\xF0\x9F\x91\x8B see https://a.example/x and \xE2\x9C\xA8 https://b.example/y");
}

TEST(XUrlEntitiesTest, IndicesCountedInUtf16FallBackToTheLinkItself) {
  // A client counting UTF-16 units puts the link one further per emoji.
  const std::string text = "\xF0\x9F\x98\x80 https://t.co/zz";
  EXPECT_EQ(ExpandUrls(text, {Entity(3, 20, "https://t.co/zz", "https://z.example")}),
            "\xF0\x9F\x98\x80 https://z.example");
}

TEST(XUrlEntitiesTest, LeavesWhatItCannotPlaceAndTheMediaLink) {
  const std::string text = "photo https://t.co/m1";
  EXPECT_EQ(
      ExpandUrls(text, {Entity(6, 21, "https://t.co/m1", "https://x.com/i/m")}, "https://t.co/m1"),
      text);
  EXPECT_EQ(ExpandUrls(text, {Entity(0, 500, "https://t.co/none", "https://n.example")}), text);
  EXPECT_EQ(ExpandUrls(text, {Entity(6, 21, "https://t.co/m1", "")}), text);
  // Overlapping entities: the first wins, nothing is garbled.
  EXPECT_EQ(ExpandUrls(text, {Entity(6, 21, "https://t.co/m1", "A"),
                              Entity(6, 21, "https://t.co/m1", "B")}),
            "photo A");
}

TEST(XUrlEntitiesTest, ReadsEntitiesAndRefusesMalformedIndices) {
  auto doc = json::ParseStrictObject(
      R"({"entities":{"urls":[{"url":"https://t.co/a","expanded_url":"https://e.example","indices":[0,14]}]}})");
  ASSERT_TRUE(doc.ok());
  std::vector<UrlEntity> urls;
  ASSERT_TRUE(ReadUrlEntities(**doc, &urls).ok());
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(urls[0].end, 14u);
  for (const char* bad : {R"({"entities":{"urls":[{"url":"u","indices":[0]}]}})",
                          R"({"entities":{"urls":[{"url":"u","indices":[-1,3]}]}})",
                          R"({"entities":{"urls":[{"url":"u","indices":["0","3"]}]}})",
                          R"({"entities":{"urls":{"url":"u"}}})"}) {
    auto malformed = json::ParseStrictObject(bad);
    ASSERT_TRUE(malformed.ok()) << bad;
    std::vector<UrlEntity> out;
    EXPECT_FALSE(ReadUrlEntities(**malformed, &out).ok()) << bad;
  }
}

}  // namespace
}  // namespace omnigate::channels::x
