#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/json/strict_json.h"

namespace omnigate::channels::x {

// One entities.urls[] item of an X direct message: the t.co link as it
// appears in the text and where ([start, end) in Unicode code points).
struct UrlEntity {
  size_t start = 0;
  size_t end = 0;
  std::string url;           // https://t.co/...
  std::string expanded_url;  // what the customer actually sent
};

// Reads message_data.entities.urls. Absent or null: none. INVALID_ARGUMENT
// for a wrong shape (indices not two non-negative integers, ...).
absl::Status ReadUrlEntities(const json::Value& message_data, std::vector<UrlEntity>* out);

// `text` with each entity's t.co link replaced by its expanded_url. Indices
// count code points, so characters outside the BMP (emoji) before a link do
// not shift it. An entity whose indices do not frame its `url` is placed by
// the url's next occurrence instead; one found nowhere, one with no
// expanded_url, one overlapping an earlier one and one whose url is
// `skip_url` (the media link, removed elsewhere) are left as they are.
// `text` must be valid UTF-8.
std::string ExpandUrls(absl::string_view text, std::vector<UrlEntity> entities,
                       absl::string_view skip_url = "");

}  // namespace omnigate::channels::x
