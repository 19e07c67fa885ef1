#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace omnigate {

// HTTP-style headers with case-insensitive lookup, in arrival order.
// Names are stored lowercased. Not thread-safe for writes.
class Headers {
 public:
  void Add(absl::string_view name, absl::string_view value);
  // The first value of `name` (any case), or nullopt.
  std::optional<absl::string_view> Get(absl::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace omnigate
