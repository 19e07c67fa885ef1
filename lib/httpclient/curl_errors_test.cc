#include "lib/httpclient/curl_errors.h"

#include <cerrno>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::httpclient {
namespace {

TEST(TransportErrorReasonTest, NamesTheUsualFailuresShortly) {
  EXPECT_EQ(TransportErrorReason(CURLE_OPERATION_TIMEDOUT, 0, true), "timeout");
  EXPECT_EQ(TransportErrorReason(CURLE_OPERATION_TIMEDOUT, 0, false), "connect timeout");
  EXPECT_EQ(TransportErrorReason(CURLE_COULDNT_CONNECT, ECONNREFUSED, false), "connect refused");
  EXPECT_EQ(TransportErrorReason(CURLE_COULDNT_CONNECT, ENETUNREACH, false), "connect failed");
  EXPECT_EQ(TransportErrorReason(CURLE_COULDNT_RESOLVE_HOST, 0, false), "dns");
  EXPECT_EQ(TransportErrorReason(CURLE_PEER_FAILED_VERIFICATION, 0, true), "tls");
  EXPECT_EQ(TransportErrorReason(CURLE_RECV_ERROR, ECONNRESET, true), "receive failed");
  EXPECT_EQ(TransportErrorReason(CURLE_GOT_NOTHING, 0, true), "empty reply");
  EXPECT_EQ(TransportErrorReason(CURLE_URL_MALFORMAT, 0, false), "bad url");
}

TEST(TransportErrorReasonTest, FallsBackToCurlsOwnText) {
  EXPECT_THAT(TransportErrorReason(CURLE_FILESIZE_EXCEEDED, 0, true),
              ::testing::StartsWith("curl: "));
}

}  // namespace
}  // namespace omnigate::httpclient
