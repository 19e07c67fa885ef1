#pragma once

#include "absl/status/status.h"

namespace omnigate::httpclient {

// curl_global_init, run once per process whoever asks first; later calls
// return the first result. curl_global_cleanup is never called: other
// threads may still use libcurl while the process exits.
absl::Status EnsureCurlGlobalInit();

}  // namespace omnigate::httpclient
