#include "lib/chatbot/resolution_confirm.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace omnigate::chatbot {
namespace {

struct Case {
  const char* text;
  bool want;
};

void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class ResolutionTest : public ::testing::TestWithParam<Case> {};

TEST_P(ResolutionTest, Reads) {
  EXPECT_EQ(ConfirmsResolved(GetParam().text), GetParam().want) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Confirmations, ResolutionTest,
    ::testing::Values(Case{"thanks, solved", true}, Case{"problem solved, thank you", true},
                      Case{"that fixed it thanks", true}, Case{"Resolved, thx!", true},
                      Case{"it works now", true}, Case{"All good now, thank you so much", true},
                      Case{"that's all, thanks", true}, Case{"package arrived, thanks!", true},
                      Case{"terima kasih, sudah", true}, Case{"sudah beres, makasih", true},
                      Case{"oke sudah bisa, terima kasih", true},
                      Case{"udah bisa kak makasih 🙏", true}, Case{"sudah kak, makasih", true},
                      Case{"Refundnya sudah masuk, terima kasih banyak", true},
                      Case{"beres, makasih min", true}, Case{"masalahnya sudah teratasi", true},
                      Case{"berhasil! trims", true}));

INSTANTIATE_TEST_SUITE_P(
    NotConfirmations, ResolutionTest,
    ::testing::Values(
        Case{"thanks", false}, Case{"terima kasih", false}, Case{"ok thanks", false},
        Case{"not solved", false}, Case{"it's still not fixed", false}, Case{"belum bisa", false},
        Case{"sudah saya coba tapi belum bisa", false}, Case{"thanks but I still need help", false},
        Case{"sudah bisa?", false}, Case{"is it fixed?", false}, Case{"sudah", false},
        Case{"sudah saya transfer, makasih", false}, Case{"gak bisa login, masih error", false},
        Case{"sudah beres tapi saya mau tanya soal ongkir", false},
        Case{"it worked yesterday but today the app fails again", false},
        Case{"is there a fixed fee for shipping to Bandung", false}, Case{"it didn't work", false},
        Case{"doesnt work, thanks", false}, Case{"saya mau masuk ke akun saya", false},
        Case{"", false}, Case{"\xff\xfe solved", true}));

TEST(ResolutionConfirmTest, SurvivesArbitraryBytes) {
  std::mt19937 random(16);
  const std::string alphabet = "sudah solved ?\xff\xc0\x80\xe2";
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    const int length = static_cast<int>(random() % 32);
    for (int k = 0; k < length; ++k) text.push_back(alphabet[random() % alphabet.size()]);
    ConfirmsResolved(text);  // must not crash
  }
}

}  // namespace
}  // namespace omnigate::chatbot
