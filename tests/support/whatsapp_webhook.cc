#include "tests/support/whatsapp_webhook.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "tests/support/http_client.h"

namespace omnigate::testing {

std::string WhatsAppTextWebhook(const std::string& customer, const std::string& message_id,
                                const std::string& text) {
  return absl::StrCat(
      R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"12025550100","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Dewi"},"wa_id":")",
      customer, R"("}],"messages":[{"from":")", customer, R"(","id":")", message_id,
      R"(","timestamp":")", absl::ToUnixSeconds(absl::Now()), R"(","type":"text","text":{"body":")",
      text, R"("}}]}}]}]})");
}

absl::StatusOr<int> PostSignedWhatsApp(int http_port, const std::string& connector,
                                       const std::string& secret, const std::string& body) {
  const std::string mac = HexEncode(crypto::HmacSha256(secret, body));
  auto r = HttpRequest(
      http_port, "POST", absl::StrCat("/webhooks/", connector),
      {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", "sha256=" + mac}}, body);
  if (!r.ok()) return r.status();
  return r->status;
}

}  // namespace omnigate::testing
