#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/loadgen/driver.h"
#include "tools/loadgen/loopback.h"
#include "tools/loadgen/payloads.h"

namespace omnigate::loadgen {

// POSTs webhooks over a fixed number of HTTP/1.1 keep-alive connections, all
// served by one I/O thread (Boost.Beast, asynchronous), so the client spends
// little CPU per request. Requests wait in a FIFO for a free connection:
// with open-loop pacing, that wait counts as latency. A connection that fails
// is reopened.
class HttpDriver final : public Driver {
 public:
  // Builds the request of sequence number `seq`.
  using Builder = std::function<absl::StatusOr<WebhookRequest>(int64_t seq)>;

  // Connects `connections` sockets to `target` and starts the I/O thread.
  static absl::StatusOr<std::unique_ptr<HttpDriver>> Start(const HostPort& target, std::string path,
                                                           int connections, Builder builder);
  ~HttpDriver() override;

  void Send(int64_t seq, int64_t due_ns, Done done) override;

  class Impl;

 private:
  explicit HttpDriver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace omnigate::loadgen
