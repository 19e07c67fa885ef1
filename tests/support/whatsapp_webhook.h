#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace omnigate::testing {

// A WhatsApp Cloud API webhook with one text message from `customer` (a
// wa_id) to phone number id 100000000000001, timestamped now.
std::string WhatsAppTextWebhook(const std::string& customer, const std::string& message_id,
                                const std::string& text);

// POSTs `body` to ingest's /webhooks/<connector> on loopback, signed with
// the Meta app secret as X-Hub-Signature-256; the HTTP status.
absl::StatusOr<int> PostSignedWhatsApp(int http_port, const std::string& connector,
                                       const std::string& secret, const std::string& body);

}  // namespace omnigate::testing
