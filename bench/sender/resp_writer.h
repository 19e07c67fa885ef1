#pragma once

#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"

namespace omnigate::bench {

// Appends one command in the Redis protocol (an array of bulk strings) to
// `out`, for `redis-cli --pipe`: binary-safe, so serialized events need no
// quoting.
void AppendCommand(std::initializer_list<absl::string_view> args, std::string* out);

}  // namespace omnigate::bench
