#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/channels/adapter.h"

namespace omnigate::channels {

enum class MacEncoding { kHex, kBase64 };

// The check every HMAC-signed channel makes: header `header` holds
// `prefix` + the MAC in `encoding`; `expected_mac` computes the raw MAC of
// what the channel signs (only once the header is there). Constant-time
// compare. UNAUTHENTICATED with "signature_missing", "signature_malformed"
// (bad prefix, encoding or length) or "signature_mismatch".
absl::Status VerifyMacHeader(const InboundRequest& request, absl::string_view header,
                             absl::string_view prefix, MacEncoding encoding,
                             absl::FunctionRef<std::string()> expected_mac);

// When the request was received, or now when the caller did not say.
int64_t ReceiptTimeMs(const InboundRequest& request, const Clock& clock);

}  // namespace omnigate::channels
