#pragma once

#include <curl/curl.h>

#include <string>

namespace omnigate::httpclient {

// A short, stable reason for a transfer that failed, for
// HttpResponse::transport_error and metric labels: "timeout", "connect
// refused", "dns", "tls", ... `os_errno` is CURLINFO_OS_ERRNO; `connected`
// says whether the request had reached the server (splits a connect timeout
// from a slow answer).
std::string TransportErrorReason(CURLcode code, long os_errno, bool connected);

}  // namespace omnigate::httpclient
