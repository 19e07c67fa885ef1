#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace omnigate::channels::mime {

// One address of a From/To/Cc header: both halves kept.
struct Mailbox {
  std::string display_name;  // decoded UTF-8, quotes and escapes removed
  std::string address;       // lowercased addr-spec
};

// Parses an address-list header value as it was written, encoded words
// still encoded: the list is split at commas outside quotes, angle brackets
// and comments first, and only then are display names decoded (a decoded
// name may itself hold a comma or "<"). Accepts "Name <addr>",
// "\"Quoted, Name\" <addr>", "addr (Comment Name)", a bare "addr" and
// groups ("Team: a@x, b@y;"), and encoded words inside quotes as common
// mailers write them. Entries with no address are skipped.
std::vector<Mailbox> ParseMailboxList(absl::string_view value);

// "Name <addr>" as a display string ("addr" alone when there is no name).
std::string FormatMailbox(const Mailbox& mailbox);

}  // namespace omnigate::channels::mime
