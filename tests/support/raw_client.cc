#include "tests/support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"

namespace omnigate::testing {

RawClient::RawClient(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::Send(absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RawClient::ReadUntil(const std::function<bool(const std::string&)>& done,
                                 absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done(received_) && !closed_) {
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[8192];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = true;
      break;
    }
    received_.append(buf, static_cast<size_t>(n));
  }
  return received_;
}

std::vector<std::string> RawClient::ReadResponses(size_t count, absl::Duration timeout) {
  std::vector<std::string> out;
  ReadUntil(
      [&](const std::string& data) {
        out = SplitResponses(data);
        return out.size() >= count;
      },
      timeout);
  return SplitResponses(received_);
}

bool RawClient::WaitClosed(absl::Duration timeout) {
  ReadUntil([](const std::string&) { return false; }, timeout);
  return closed_;
}

std::vector<std::string> RawClient::SplitResponses(const std::string& data) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    const size_t end_of_head = data.find("\r\n\r\n", pos);
    if (end_of_head == std::string::npos) break;
    const std::string head = data.substr(pos, end_of_head - pos);
    size_t length = 0;
    const size_t cl = absl::AsciiStrToLower(head).find("content-length: ");
    if (cl != std::string::npos) length = std::stoul(head.substr(cl + 16));
    const size_t end = end_of_head + 4 + length;
    if (end > data.size()) break;
    out.push_back(data.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

}  // namespace omnigate::testing
