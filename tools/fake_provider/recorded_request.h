#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/common/headers.h"
#include "tools/fake_provider/form_fields.h"
#include "tools/fake_provider/providers.h"

namespace omnigate::fakeprovider {

// One request as the fake received it.
struct RecordedRequest {
  std::string method;
  // Without the query, as sent (prefix included: "/whatsapp/1000/messages").
  std::string path;
  // Raw, without '?'.
  std::string query;
  Headers headers;
  std::string body;
  absl::Time arrived;
  // From the path prefix or the path shape (see RouteRequest).
  std::optional<Provider> provider;
  // The provider's own path below the prefix.
  std::string provider_path;
  // What the fake answered (scripted or default), before any delay.
  int answered_status = 0;

  // Case-insensitive.
  std::optional<absl::string_view> header(absl::string_view name) const {
    return headers.Get(name);
  }
  // A decoded query parameter ("" when absent), e.g. Messenger's access_token.
  std::string query_param(absl::string_view name) const {
    return FormValue(ParseForm(query), name);
  }
};

}  // namespace omnigate::fakeprovider
