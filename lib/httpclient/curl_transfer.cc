#include "lib/httpclient/curl_transfer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "lib/httpclient/curl_errors.h"

namespace omnigate::httpclient {
namespace {

// Line breaks or NUL in a header would let a value smuggle extra headers.
bool HeaderTextIsSafe(absl::string_view text) {
  return text.find_first_of(absl::string_view("\r\n\0", 3)) == absl::string_view::npos;
}

long TimeoutMillis(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return 0;  // curl: no limit
  // curl reads 0 as "no limit", so anything shorter than 1 ms becomes 1 ms.
  return static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout)));
}

}  // namespace

CurlTransfer::CurlTransfer(outbound::HttpRequest request, absl::Duration timeout,
                           HttpTransport::Done done)
    : request_(std::move(request)), timeout_(timeout), done_(std::move(done)) {}

absl::Status CurlTransfer::Prepare(CurlEasy easy, const CurlClientOptions& options) {
  easy_ = std::move(easy);
  if (easy_ == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  max_body_ = options.max_response_bytes;
  CURL* e = easy_.get();
  if (absl::Status s = SetMethodAndBody(); !s.ok()) return s;
  if (absl::Status s = BuildHeaderList(); !s.ok()) return s;

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, option, value);
  };
  set(CURLOPT_URL, request_.url.c_str());
  // Only the web: a URL from configuration must not reach file:// or others.
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  // The client thread must never get SIGALRM or SIGPIPE from libcurl.
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PRIVATE, static_cast<void*>(this));
  set(CURLOPT_ERRORBUFFER, error_);
  set(CURLOPT_HTTPHEADER, header_list_.get());
  set(CURLOPT_HEADERFUNCTION, &CurlTransfer::OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(this));
  set(CURLOPT_WRITEFUNCTION, &CurlTransfer::OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(this));
  set(CURLOPT_TIMEOUT_MS, TimeoutMillis(timeout_));
  set(CURLOPT_CONNECTTIMEOUT_MS, TimeoutMillis(options.connect_timeout));
  set(CURLOPT_USERAGENT, options.user_agent.c_str());
  set(CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_file.empty()) set(CURLOPT_CAINFO, options.ca_file.c_str());
  const long http_version = options.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1;
  set(CURLOPT_HTTP_VERSION, http_version);
  // Over TLS, wait for a connection being set up rather than open another:
  // it may turn out to multiplex (HTTP/2), which is the point.
  if (options.http2 && absl::StartsWithIgnoreCase(request_.url, "https:")) {
    set(CURLOPT_PIPEWAIT, 1L);
  }
  if (rc != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_easy_setopt: ", curl_easy_strerror(rc)));
  }
  return absl::OkStatus();
}

absl::Status CurlTransfer::SetMethodAndBody() {
  CURL* e = easy_.get();
  const std::string method = absl::AsciiStrToUpper(request_.method);
  bool send_body = false;
  if (method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (method == "POST") {
    send_body = true;
  } else if (method == "PUT" || method == "PATCH" || method == "DELETE") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());  // curl copies it
    send_body = method != "DELETE" || !request_.body.empty();
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unsupported method ", request_.method));
  }
  if (send_body) {
    // curl reads the body in place: it lives in request_, as long as the
    // transfer.
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request_.body.data());
  }
  return absl::OkStatus();
}

absl::Status CurlTransfer::BuildHeaderList() {
  // Appends to the owned list, so nothing leaks on an early return.
  auto append = [&](const std::string& line) {
    curl_slist* head = curl_slist_append(header_list_.get(), line.c_str());
    if (head == nullptr) return false;  // the list so far is left as it was
    (void)header_list_.release();       // same head once the list is non-empty
    header_list_.reset(head);
    return true;
  };
  bool has_content_type = !request_.content_type.empty();
  for (const auto& [name, value] : request_.headers) {
    if (name.empty() || name.find(':') != std::string::npos || !HeaderTextIsSafe(name) ||
        !HeaderTextIsSafe(value)) {
      return absl::InvalidArgumentError("invalid request header");
    }
    if (absl::EqualsIgnoreCase(name, "Content-Type")) has_content_type = true;
    // "Name;" is curl's spelling for a header with an empty value.
    if (!append(value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value))) {
      return absl::ResourceExhaustedError("curl_slist_append");
    }
  }
  std::string content_type = "Content-Type:";  // no value: drops curl's form default
  if (!request_.content_type.empty()) {
    if (!HeaderTextIsSafe(request_.content_type)) {
      return absl::InvalidArgumentError("invalid content type");
    }
    absl::StrAppend(&content_type, " ", request_.content_type);
  }
  if (!request_.content_type.empty() || !has_content_type) {
    if (!append(content_type)) return absl::ResourceExhaustedError("curl_slist_append");
  }
  // Expect: 100-continue would cost a round trip (or a 1 s wait) per large
  // body; provider APIs answer directly.
  if (!append("Expect:")) return absl::ResourceExhaustedError("curl_slist_append");
  return absl::OkStatus();
}

size_t CurlTransfer::OnHeader(char* data, size_t size, size_t count, void* self) {
  auto* t = static_cast<CurlTransfer*>(self);
  const size_t length = size * count;
  // Trailers after a chunked body are not headers of the response.
  if (t->body_started_) return length;
  absl::string_view line(data, length);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response block (after 100 Continue, 103, or a redirect): only
    // the last one is the answer.
    t->response_.headers.clear();
    t->headers_complete_ = false;
    return length;
  }
  if (line.empty()) {
    t->headers_complete_ = true;
    return length;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return length;  // obsolete folding etc.
  t->response_.headers.emplace_back(
      std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return length;
}

size_t CurlTransfer::OnBody(char* data, size_t size, size_t count, void* self) {
  auto* t = static_cast<CurlTransfer*>(self);
  const size_t length = size * count;
  t->body_started_ = true;
  std::string& body = t->response_.body;
  const size_t room = t->max_body_ - std::min(t->max_body_, body.size());
  if (length > room) {
    body.append(data, room);
    t->truncated_ = true;
    // Stop reading: the rest would only be thrown away. curl ends the
    // transfer with CURLE_WRITE_ERROR and closes the connection.
    return 0;
  }
  body.append(data, length);
  return length;
}

outbound::HttpResponse CurlTransfer::TakeResponse(CURLcode result) {
  CURL* e = easy_.get();
  long code = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  outbound::HttpResponse response = std::move(response_);
  const bool answered = headers_complete_ && code >= 200;
  if (result == CURLE_OK && answered) {
    response.status = static_cast<int>(code);
    return response;
  }
  if (answered) {
    // The provider answered; only the body is incomplete. Callers decide on
    // the status (a 200 means the message went out).
    response.status = static_cast<int>(code);
    if (truncated_) {
      response.transport_error = "body truncated";
    } else {
      long os_errno = 0;
      curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
      response.transport_error = TransportErrorReason(result, os_errno, /*connected=*/true);
    }
    return response;
  }
  long os_errno = 0;
  curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
  curl_off_t connect_us = 0;
  curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect_us);
  long request_bytes = 0;
  curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &request_bytes);
  outbound::HttpResponse failed;
  failed.transport_error =
      TransportErrorReason(result == CURLE_OK ? CURLE_WEIRD_SERVER_REPLY : result, os_errno,
                           /*connected=*/connect_us > 0 || request_bytes > 0);
  return failed;
}

std::string CurlTransfer::ErrorDetail() const {
  std::string detail(error_);
  for (const std::string& secret : request_.secrets) {
    if (!secret.empty()) absl::StrReplaceAll({{secret, "REDACTED"}}, &detail);
  }
  return detail;
}

void CurlTransfer::Complete(outbound::HttpResponse response) {
  if (!done_) return;
  HttpTransport::Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(response));
}

}  // namespace omnigate::httpclient
