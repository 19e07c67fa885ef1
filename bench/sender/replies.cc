#include "bench/sender/replies.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace omnigate::bench {

omnigate::v1::Event BenchReply(int i, int conversations) {
  const std::string chat = absl::StrCat(700000000 + i % conversations);
  omnigate::v1::Event e;
  // Unique and stable, so runs are comparable; the sender keys statuses by it.
  e.set_id(absl::StrFormat("0190b7e0-0000-7000-8000-%012d", i));
  e.set_channel(omnigate::v1::CHANNEL_TELEGRAM);
  e.set_connector(kConnector);
  e.set_conversation_key(absl::StrCat("telegram:", kConnector, ":", chat));
  e.mutable_sender()->set_id("faq-bot");
  e.mutable_sender()->set_role(omnigate::v1::ROLE_BOT);
  e.mutable_recipient()->set_id(chat);
  e.set_reply_to_external_id(absl::StrCat(chat, ":", 1000 + i / conversations));
  e.set_locale("en");
  e.set_sent_at_ms(1767225600000 + i);
  e.set_received_at_ms(1767225600000 + i);
  e.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  // About the length of an FAQ answer.
  e.mutable_text()->set_body(absl::StrCat(
      "Orders placed before 2 pm ship the same day; you will get a tracking link by e-mail "
      "as soon as the parcel leaves our warehouse. (reply ",
      i, ")"));
  return e;
}

outbound::SenderSettings BenchSettings(const std::string& api_base_url) {
  outbound::SenderSettings s;
  s.api_base_url = api_base_url;
  s.token = kToken;
  return s;
}

}  // namespace omnigate::bench
