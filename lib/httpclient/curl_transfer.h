#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/httpclient/curl_client_options.h"
#include "lib/httpclient/curl_handles.h"
#include "lib/httpclient/http_transport.h"
#include "lib/outbound/http_request.h"

namespace omnigate::httpclient {

// One request from the queue to its done callback: owns the easy handle, the
// header list, the body curl reads in place, and the response being
// collected. Used on the client thread only.
class CurlTransfer {
 public:
  CurlTransfer(outbound::HttpRequest request, absl::Duration timeout, HttpTransport::Done done);
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  // Sets every option of `easy` (fresh or curl_easy_reset) for the request;
  // CURLOPT_PRIVATE points back here. InvalidArgument when the request
  // cannot be sent as is (unknown method, line breaks in a header).
  absl::Status Prepare(CurlEasy easy, const CurlClientOptions& options);

  CURL* easy() const { return easy_.get(); }
  // Hands the easy handle back for reuse once curl is done with it.
  CurlEasy ReleaseEasy() { return std::move(easy_); }

  // The response for curl's final `result`. Status 0 unless a final header
  // block arrived; a kept status with a transport_error means the body is
  // incomplete (size cap, or the connection failed mid-body).
  outbound::HttpResponse TakeResponse(CURLcode result);

  // Runs the done callback (once; later calls do nothing).
  void Complete(outbound::HttpResponse response);

  // "METHOD url" with secrets hidden.
  std::string ForLog() const { return request_.ForLog(); }
  // curl's message for the failure, secrets hidden.
  std::string ErrorDetail() const;

 private:
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);
  absl::Status SetMethodAndBody();
  absl::Status BuildHeaderList();

  outbound::HttpRequest request_;
  absl::Duration timeout_;
  HttpTransport::Done done_;
  CurlEasy easy_;
  CurlSlist header_list_;
  size_t max_body_ = 0;

  outbound::HttpResponse response_;
  // The current header block ended (blank line); a new status line (after a
  // 1xx block) starts over.
  bool headers_complete_ = false;
  bool body_started_ = false;
  bool truncated_ = false;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace omnigate::httpclient
