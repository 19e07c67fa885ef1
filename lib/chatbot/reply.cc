#include "lib/chatbot/reply.h"

#include "absl/strings/str_cat.h"

namespace omnigate::chatbot {

omnigate::v1::Event BuildReply(const omnigate::v1::Event& inbound, absl::string_view text,
                               Language language, absl::string_view faq_id, UuidV7Generator& ids,
                               const Clock& clock,
                               const std::vector<omnigate::v1::Option>& options) {
  omnigate::v1::Event reply;
  reply.set_id(ids.Next());
  reply.set_channel(inbound.channel());
  reply.set_connector(inbound.connector());
  reply.set_account_id(inbound.account_id());
  reply.set_conversation_key(inbound.conversation_key());
  reply.mutable_sender()->set_id(std::string(kBotSenderId));
  reply.mutable_sender()->set_role(omnigate::v1::ROLE_BOT);
  *reply.mutable_recipient() = inbound.sender();
  reply.set_reply_to_external_id(inbound.external_id());
  reply.set_locale(std::string(LanguageCode(language)));
  *reply.mutable_trace() = inbound.trace();
  const int64_t now = clock.NowMs();
  reply.set_sent_at_ms(now);
  reply.set_received_at_ms(now);
  reply.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  if (!faq_id.empty()) (*reply.mutable_attributes())["faq_id"] = std::string(faq_id);
  // A channel's reply token (LINE) travels with the answer: the sender uses
  // it while it is fresh (free), else pushes.
  if (auto it = inbound.attributes().find("reply_token"); it != inbound.attributes().end()) {
    (*reply.mutable_attributes())["reply_token"] = it->second;
    (*reply.mutable_attributes())["reply_token_at_ms"] = absl::StrCat(inbound.received_at_ms());
  }
  reply.mutable_text()->set_body(std::string(text));
  for (const auto& o : options) *reply.mutable_text()->add_options() = o;
  return reply;
}

}  // namespace omnigate::chatbot
