#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace omnigate::webchat {

// One visitor session of one connector.
struct SessionRef {
  std::string connector;
  std::string visitor_id;
  // "<connector>:<visitor>": how wake-ups name the session.
  std::string Name() const { return connector + ":" + visitor_id; }
};

// A message of a session as the widget shows it, with its position.
struct TranscriptEntry {
  // Opaque, increasing; the widget asks for what follows it.
  std::string cursor;
  // One JSON object: {"id", "role", "text", "at", ...}.
  std::string json;
};

// What a visitor and the business said in a session, in order: the
// widget's history on reload and the channel replies reach the browser by.
// Implementations are thread-safe and may block (call them off the HTTP
// threads).
class Transcript {
 public:
  virtual ~Transcript() = default;

  // Appends `json` unless `message_id` was appended to this session before
  // (a retried POST); wakes every replica's waiters of the session. Returns
  // the entry's cursor, or "" for a repeat.
  virtual absl::StatusOr<std::string> Append(const SessionRef& session,
                                             absl::string_view message_id,
                                             absl::string_view json) = 0;
  // Entries after `cursor` ("" or "0": from the start), oldest first, at
  // most `max`.
  virtual absl::StatusOr<std::vector<TranscriptEntry>> ReadAfter(const SessionRef& session,
                                                                 absl::string_view cursor,
                                                                 size_t max) = 0;
};

// True for cursors ReadAfter accepts.
bool IsValidCursor(absl::string_view cursor);

}  // namespace omnigate::webchat
