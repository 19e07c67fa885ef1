#include "lib/channels/mailbox.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/encoded_words.h"

namespace omnigate::channels::mime {
namespace {

// The entries of an address list: split at "," (and a group's closing
// ";") outside "quotes" (with \-escapes), <angles> and (comments); a
// group's name ("Team:") is dropped, its members kept.
std::vector<absl::string_view> SplitEntries(absl::string_view list) {
  std::vector<absl::string_view> parts;
  bool quoted = false, angled = false;
  int comment_depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (comment_depth > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++comment_depth;
      } else if (c == ')') {
        --comment_depth;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '(') {
      comment_depth = 1;
    } else if (c == '<') {
      angled = true;
    } else if (c == '>') {
      angled = false;
    } else if (!angled && c == ':') {
      start = i + 1;  // "Team:" names a group
    } else if (!angled && (c == ',' || c == ';')) {
      parts.push_back(list.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start < list.size()) parts.push_back(list.substr(start));
  return parts;
}

// A phrase as displayed: quotes and backslash escapes removed, encoded
// words decoded, runs of whitespace collapsed.
std::string DisplayName(absl::string_view phrase) {
  std::string unquoted;
  for (size_t i = 0; i < phrase.size(); ++i) {
    const char c = phrase[i];
    if (c == '"') continue;
    if (c == '\\' && i + 1 < phrase.size()) {
      unquoted.push_back(phrase[++i]);
      continue;
    }
    unquoted.push_back(c);
  }
  std::string decoded = DecodeEncodedWords(unquoted);
  std::string out;
  bool space = false;
  for (char c : decoded) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// "addr (Comment)" -> the comment, the old way of naming a sender.
std::string CommentName(absl::string_view entry, std::string* address) {
  const size_t open = entry.find('(');
  const size_t close = entry.rfind(')');
  if (open == absl::string_view::npos || close == absl::string_view::npos || close < open) {
    *address = std::string(absl::StripAsciiWhitespace(entry));
    return "";
  }
  *address = absl::StrCat(absl::StripAsciiWhitespace(entry.substr(0, open)),
                          absl::StripAsciiWhitespace(entry.substr(close + 1)));
  return DisplayName(entry.substr(open + 1, close - open - 1));
}

void AddMailbox(absl::string_view entry, std::vector<Mailbox>* out) {
  entry = absl::StripAsciiWhitespace(entry);
  if (entry.empty()) return;
  Mailbox mailbox;
  const size_t open = entry.rfind('<');
  const size_t close = entry.rfind('>');
  std::string address;
  if (open != absl::string_view::npos && close != absl::string_view::npos && close > open) {
    mailbox.display_name = DisplayName(entry.substr(0, open));
    address = std::string(absl::StripAsciiWhitespace(entry.substr(open + 1, close - open - 1)));
  } else {
    mailbox.display_name = CommentName(entry, &address);
  }
  if (address.empty() || address.find('@') == std::string::npos) return;
  mailbox.address = absl::AsciiStrToLower(address);
  out->push_back(std::move(mailbox));
}

}  // namespace

std::vector<Mailbox> ParseMailboxList(absl::string_view value) {
  std::vector<Mailbox> out;
  for (absl::string_view entry : SplitEntries(value)) AddMailbox(entry, &out);
  return out;
}

std::string FormatMailbox(const Mailbox& mailbox) {
  if (mailbox.display_name.empty()) return mailbox.address;
  return absl::StrCat(mailbox.display_name, " <", mailbox.address, ">");
}

}  // namespace omnigate::channels::mime
