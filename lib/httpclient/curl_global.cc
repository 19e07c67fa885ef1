#include "lib/httpclient/curl_global.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/strings/str_cat.h"

namespace omnigate::httpclient {

absl::Status EnsureCurlGlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init: ", curl_easy_strerror(result)));
  }
  return absl::OkStatus();
}

}  // namespace omnigate::httpclient
