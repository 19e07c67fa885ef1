#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace omnigate::testing {

// A raw loopback TCP client, so tests control every byte and the timing
// (slow senders, pipelining, malformed framing).
class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  // False once the peer has closed (or reset) the connection.
  bool Send(absl::string_view data);

  // Reads until `done(received)` holds, the peer closes, or `timeout`.
  std::string ReadUntil(const std::function<bool(const std::string&)>& done,
                        absl::Duration timeout = absl::Seconds(5));

  // Reads until `count` complete responses (by Content-Length) arrived.
  std::vector<std::string> ReadResponses(size_t count, absl::Duration timeout = absl::Seconds(5));

  // Waits for the server to close the connection.
  bool WaitClosed(absl::Duration timeout);

  void ClearReceived() { received_.clear(); }
  const std::string& received() const { return received_; }

  // Complete HTTP responses in `data`, framed by Content-Length.
  static std::vector<std::string> SplitResponses(const std::string& data);

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

}  // namespace omnigate::testing
