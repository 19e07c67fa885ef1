#pragma once

#include <cstdint>
#include <functional>

namespace omnigate::loadgen {

// How the server answered one request.
enum class Outcome {
  kOk,    // accepted
  kShed,  // refused for load (RESOURCE_EXHAUSTED, 503, 429): retry later
  kError  // anything else, including transport failures
};

// Sends one kind of request. The runner decides when (closed or open loop);
// the driver only knows how. Implementations are thread-safe.
class Driver {
 public:
  // Called exactly once per Send, from any thread.
  using Done = std::function<void(Outcome)>;

  virtual ~Driver() = default;
  // Starts request number `seq` (unique within the run), due at `due_ns`
  // (steady clock, SteadyNowNs): open loop, the schedule's time, which may be
  // earlier than now when the client falls behind; closed loop, now.
  virtual void Send(int64_t seq, int64_t due_ns, Done done) = 0;
};

}  // namespace omnigate::loadgen
