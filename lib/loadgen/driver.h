#pragma once

#include <cstdint>
#include <functional>

namespace omnigate::loadgen {

// Sends one kind of request. The runner decides when (closed or open loop);
// the driver only knows how. Implementations are thread-safe.
class Driver {
 public:
  // Called exactly once per Send, from any thread, with whether the server
  // accepted the request.
  using Done = std::function<void(bool ok)>;

  virtual ~Driver() = default;
  // Starts request number `seq` (unique within the run).
  virtual void Send(int64_t seq, Done done) = 0;
};

}  // namespace omnigate::loadgen
