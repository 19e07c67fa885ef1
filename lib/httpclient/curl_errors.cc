#include "lib/httpclient/curl_errors.h"

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace omnigate::httpclient {

std::string TransportErrorReason(CURLcode code, long os_errno, bool connected) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return connected ? "timeout" : "connect timeout";
    case CURLE_COULDNT_CONNECT:
      return os_errno == ECONNREFUSED ? "connect refused" : "connect failed";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "dns";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
      return "tls";
    case CURLE_SEND_ERROR:
      return "send failed";
    case CURLE_RECV_ERROR:
      return "receive failed";
    case CURLE_GOT_NOTHING:
      return "empty reply";
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
      return "bad reply";
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "bad url";
    case CURLE_OUT_OF_MEMORY:
      return "out of memory";
    default:
      return absl::StrCat("curl: ", curl_easy_strerror(code));
  }
}

}  // namespace omnigate::httpclient
