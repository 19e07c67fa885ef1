#pragma once

#include <cstdint>

namespace omnigate::queue {

// Whether a partition holds more undelivered work than ingest should add
// to. The seam between ingest's load shedding and how backlog is measured.
class BacklogGuard {
 public:
  virtual ~BacklogGuard() = default;
  // True while new events for `partition` should be refused (retry later).
  virtual bool Overloaded(uint32_t partition) const = 0;
};

}  // namespace omnigate::queue
