// RFC 2047 encoded words and address lists, on header values shaped like
// RFC 2047 section 8's and what common mailers send.

#include "lib/channels/encoded_words.h"

#include "gtest/gtest.h"
#include "lib/channels/mailbox.h"
#include "lib/common/encoding.h"

namespace omnigate::channels::mime {
namespace {

TEST(EncodedWordsTest, QAndBInUtf8AndLegacyCharsets) {
  EXPECT_EQ(DecodeEncodedWords("=?US-ASCII?Q?Keith_Moore?="), "Keith Moore");
  EXPECT_EQ(DecodeEncodedWords("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?="),
            "Keld J\xC3\xB8rn Simonsen");
  EXPECT_EQ(DecodeEncodedWords("=?iso-8859-1?q?Andr=E9?= Pirard"), "Andr\xC3\xA9 Pirard");
  // windows-1252 0x80 is the euro sign (ISO-8859-1 has a control there).
  EXPECT_EQ(DecodeEncodedWords("=?windows-1252?Q?Preis_=80_10?="), "Preis \xE2\x82\xAC 10");
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8?B?UGVydGFueWFhbiDwn5mP?="), "Pertanyaan \xF0\x9F\x99\x8F");
  // RFC 2231 language suffix.
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8*id?Q?Halo?="), "Halo");
  // Missing base64 padding, as some mailers write it.
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8?B?SGFsbG8?="), "Hallo");
}

TEST(EncodedWordsTest, WhitespaceBetweenWordsAndFoldedHeaders) {
  EXPECT_EQ(DecodeEncodedWords("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
  EXPECT_EQ(DecodeEncodedWords("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(DecodeEncodedWords("(=?ISO-8859-1?Q?a?=   \t =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(DecodeEncodedWords("(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
  // Two charsets in one subject, joined by a fold (unfolded to a space).
  EXPECT_EQ(DecodeEncodedWords("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= "
                               "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="),
            "If you can read this you understand the example.");
  // One emoji (F0 9F 99 8F) split across two B words.
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8?B?VGVyaW1hIGthc2loIPCf?= =?UTF-8?B?mY8=?="),
            "Terima kasih \xF0\x9F\x99\x8F");
}

TEST(EncodedWordsTest, MalformedWordsAreKeptAsWritten) {
  EXPECT_EQ(DecodeEncodedWords("=?x-no-such-charset?Q?abc?= ok"), "=?x-no-such-charset?Q?abc?= ok");
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8?B?!!!?="), "=?UTF-8?B?!!!?=");
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8?Q?bad=Z1?="), "=?UTF-8?Q?bad=Z1?=");
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8?X?abc?="), "=?UTF-8?X?abc?=");
  EXPECT_EQ(DecodeEncodedWords("a =? b ?= c"), "a =? b ?= c");
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8?Q?unterminated"), "=?UTF-8?Q?unterminated");
  // Bytes invalid in the charset: UTF-8 word holding Latin-1.
  EXPECT_EQ(DecodeEncodedWords("=?UTF-8?Q?caf=E9?="), "=?UTF-8?Q?caf=E9?=");
  // Raw 8-bit text outside words is read as windows-1252: always UTF-8 out.
  EXPECT_EQ(DecodeEncodedWords("caf\xE9"), "caf\xC3\xA9");
  EXPECT_TRUE(IsValidUtf8(DecodeEncodedWords("\x81\x8D\xFF")));
}

TEST(MailboxTest, DisplayNameAndAddressAreBothKept) {
  auto list = ParseMailboxList(
      "=?UTF-8?Q?Doe=2C_Jane?= <Jane.Doe@Example.ORG>, \"=?ISO-8859-1?Q?Andr=E9?= P.\" "
      "<andre@x.be>, bare@y.org, k@z.org (Keld =?ISO-8859-1?Q?J=F8rn?=)");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].display_name, "Doe, Jane");  // the decoded comma does not split
  EXPECT_EQ(list[0].address, "jane.doe@example.org");
  EXPECT_EQ(list[1].display_name, "Andr\xC3\xA9 P.");
  EXPECT_EQ(list[2].display_name, "");
  EXPECT_EQ(list[2].address, "bare@y.org");
  EXPECT_EQ(list[3].display_name, "Keld J\xC3\xB8rn");
  EXPECT_EQ(list[3].address, "k@z.org");
  EXPECT_EQ(FormatMailbox(list[0]), "Doe, Jane <jane.doe@example.org>");
}

TEST(MailboxTest, QuotedCommasEscapesAndGroups) {
  auto list = ParseMailboxList(
      "\"Smith, John \\\"JS\\\"\" <js@x.org>, Support team: a@x.org, \"B, b\" <b@x.org>;, c@x.org");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].display_name, "Smith, John \"JS\"");
  EXPECT_EQ(list[1].address, "a@x.org");
  EXPECT_EQ(list[2].display_name, "B, b");
  EXPECT_EQ(list[3].address, "c@x.org");
}

TEST(MailboxTest, EntriesWithoutAnAddressAreSkipped) {
  EXPECT_TRUE(ParseMailboxList("").empty());
  EXPECT_TRUE(ParseMailboxList("=?UTF-8?Q?No_address?=").empty());
  EXPECT_TRUE(ParseMailboxList("Name <>").empty());
  EXPECT_EQ(ParseMailboxList("undisclosed-recipients:;, x@y.z").size(), 1u);
}

}  // namespace
}  // namespace omnigate::channels::mime
