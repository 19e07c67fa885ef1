#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/send_result.h"

namespace omnigate::outbound {

// Classifies a Graph API answer (WhatsApp Cloud, Messenger, Instagram) by its
// error envelope {"error":{"code","error_subcode","message","error_data"}},
// not by the HTTP status, which Meta says is unreliable. nullopt for a 2xx
// without an envelope: the caller reads its channel's message id.
std::optional<SendOutcome> ClassifyGraphError(const HttpResponse& response, const ParsedBody& body);

}  // namespace omnigate::outbound
