#include "tools/fake_provider/request_summary.h"

#include <string>

#include "gtest/gtest.h"

namespace omnigate::fakeprovider {
namespace {

RecordedRequest Request(absl::string_view path, std::string body, int status = 200) {
  RecordedRequest r;
  r.method = "POST";
  r.path = std::string(path);
  r.body = std::move(body);
  const Route route = RouteRequest(r.path, r.headers, r.body);
  r.provider = route.provider;
  r.provider_path = route.provider_path;
  r.answered_status = status;
  return r;
}

TEST(RequestSummaryTest, JsonChannelsShowRecipientAndText) {
  EXPECT_EQ(
      SummarizeRequest(Request(
          "/whatsapp/1/messages",
          R"({"messaging_product":"whatsapp","to":"6281234","type":"text","text":{"body":"Halo"}})")),
      "whatsapp → 6281234: 'Halo'");
  EXPECT_EQ(
      SummarizeRequest(Request("/telegram/bot1:a/sendPhoto",
                               R"({"chat_id":42,"photo":"https://a/p.jpg","caption":"Receipt"})")),
      "telegram → 42: [Photo] 'Receipt'");
  EXPECT_EQ(
      SummarizeRequest(Request("/x/2/dm_conversations/with/844/messages", R"({"text":"Hi"})")),
      "x → 844: 'Hi'");
}

TEST(RequestSummaryTest, FormChannelsShowRecipientAndText) {
  EXPECT_EQ(SummarizeRequest(Request("/twilio/2010-04-01/Accounts/AC1/Messages.json",
                                     "To=%2B15550100001&From=%2B1555&Body=Your+order+shipped.")),
            "twilio → +15550100001: 'Your order shipped.'");
  EXPECT_EQ(SummarizeRequest(Request("/mailgun/v3/mg.example.com/messages",
                                     "to=a%40example.org&subject=Re%3A+Order")),
            "mailgun → a@example.org: 'Re: Order'");
}

TEST(RequestSummaryTest, RefusedAndUnknownRequestsSaySo) {
  EXPECT_EQ(SummarizeRequest(Request("/nowhere", "", 404)), "? POST /nowhere (answered 404)");
  EXPECT_EQ(SummarizeRequest(Request("/viber/pa/send_message",
                                     R"({"receiver":"r1","type":"text","text":"a\nb"})", 429)),
            "viber → r1: 'a\\nb' (answered 429)");
}

TEST(RequestSummaryTest, LongTextIsCutAtACharacterBoundary) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "é";  // two bytes each
  const std::string line = SummarizeRequest(
      Request("/x/2/dm_conversations/with/1/messages", "{\"text\":\"" + text + "\"}"));
  EXPECT_EQ(line, "x → 1: '" + text.substr(0, 120) + "...'");
}

}  // namespace
}  // namespace omnigate::fakeprovider
