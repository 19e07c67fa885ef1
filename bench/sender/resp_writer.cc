#include "bench/sender/resp_writer.h"

#include "absl/strings/str_cat.h"

namespace omnigate::bench {

void AppendCommand(std::initializer_list<absl::string_view> args, std::string* out) {
  absl::StrAppend(out, "*", args.size(), "\r\n");
  for (absl::string_view a : args) absl::StrAppend(out, "$", a.size(), "\r\n", a, "\r\n");
}

}  // namespace omnigate::bench
