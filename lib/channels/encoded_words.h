#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace omnigate::channels::mime {

// Decodes RFC 2047 encoded words (=?charset?Q?...?= and =?charset?B?...?=,
// any case, RFC 2231 "*language" suffix allowed) in an unstructured header
// (Subject) or a display name. Never fails, because one odd word must not
// cost the whole message:
//  - whitespace between adjacent encoded words is dropped (also where a
//    folded header joined them);
//  - adjacent words in the same charset are converted together, so a
//    character split across two words (common with B) survives;
//  - a word that cannot be decoded (unknown charset, bad base64, bytes not
//    valid in the charset) is kept exactly as written;
//  - raw 8-bit text outside words that is not UTF-8 is read as
//    windows-1252 (else ISO-8859-1), so the result is always valid UTF-8.
std::string DecodeEncodedWords(absl::string_view value);

}  // namespace omnigate::channels::mime
