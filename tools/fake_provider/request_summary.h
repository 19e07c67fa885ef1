#pragma once

#include <string>

#include "tools/fake_provider/recorded_request.h"

namespace omnigate::fakeprovider {

// One line for a person watching the demo:
//   whatsapp → 15550100001: 'Your order shipped.'
//   telegram → 123456789: [photo] 'Receipt'
//   ? POST /nowhere (answered 404)
// Recipient and text come from the JSON or form body where the provider
// puts them; a non-2xx answer is appended. No newline at the end.
std::string SummarizeRequest(const RecordedRequest& request);

}  // namespace omnigate::fakeprovider
