#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace omnigate::crypto {

// Raw (binary) digests. These wrap OpenSSL's one-shot functions, which hold no
// state between calls and are safe from any thread.
std::string HmacSha256(absl::string_view key, absl::string_view data);
std::string HmacSha1(absl::string_view key, absl::string_view data);
std::string Sha256(absl::string_view data);

// Compares in time that depends only on the lengths, never on where the
// inputs differ, so signature checks leak nothing about the expected value.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace omnigate::crypto
