#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace omnigate::config {

// The embeddable widget of one web chat connector (webchat.widgets[]).
struct WebchatWidgetConfig {
  // The web chat connector it serves (connectors[].name).
  std::string connector;
  // Visitors without a token signed by the site's backend get a session
  // token from omnigate (POST /webchat/{connector}/session).
  bool allow_anonymous = false;
  // Origins ("https://shop.example") whose pages may call the widget API.
  // omnigate's own origin (the demo page) is always allowed.
  std::vector<std::string> allowed_origins;
  // Message rate limits (token buckets; bursts up to one minute's worth).
  double visitor_messages_per_minute = 20;
  double ip_messages_per_minute = 120;
  // Longest visitor message text, in bytes.
  int64_t max_text_bytes = 4000;
  // Lifetime of the session tokens omnigate issues to anonymous visitors.
  absl::Duration session_ttl = absl::Hours(24);
};

// The `webchat:` section: the hosted widget served by omnigate-ingest.
struct WebchatConfig {
  std::vector<WebchatWidgetConfig> widgets;
  // Each visitor session's transcript (Redis stream): approximate cap in
  // messages and how long it outlives its last message.
  int64_t transcript_max_len = 500;
  absl::Duration transcript_ttl = absl::Hours(7 * 24);
  // How long a long-poll waits for a reply before answering empty.
  absl::Duration poll_timeout = absl::Seconds(25);

  // The widget settings of `connector`, or the defaults (anonymous off, no
  // cross-origin page allowed) when it has none.
  WebchatWidgetConfig WidgetFor(const std::string& connector) const;
};

}  // namespace omnigate::config
