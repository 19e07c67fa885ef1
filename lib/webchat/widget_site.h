#pragma once

#include <memory>
#include <string>

#include "lib/channels/webchat_adapter.h"
#include "lib/config/webchat_config.h"
#include "lib/connectors/connector.h"
#include "lib/webchat/origin_policy.h"
#include "lib/webchat/token_bucket.h"
#include "lib/webchat/visitor_token.h"

namespace omnigate::webchat {

// Everything the widget API knows about one web chat connector.
struct WidgetSite {
  WidgetSite(connectors::ConnectorSettings connector_settings, config::WebchatWidgetConfig config,
             const Clock& clock)
      : settings(std::move(connector_settings)),
        widget(std::move(config)),
        site(settings.account_id.empty() ? settings.name : settings.account_id),
        origins(widget.allowed_origins),
        per_visitor(widget.visitor_messages_per_minute),
        per_ip(widget.ip_messages_per_minute),
        reply_auth(settings, clock) {}

  const connectors::ConnectorSettings settings;
  const config::WebchatWidgetConfig widget;
  // The site id in visitor tokens and conversation keys.
  const std::string site;
  const OriginPolicy origins;
  TokenBuckets per_visitor;
  TokenBuckets per_ip;
  // Checks the X-Webchat-Signature of replies from omnigate-sender.
  const channels::WebchatAdapter reply_auth;

  // The visitor of `token` at `now_s`: signed with the connector secret for
  // this site, unexpired, and anonymous only where allowed.
  // UNAUTHENTICATED with a reason otherwise.
  absl::StatusOr<VisitorClaims> Verify(absl::string_view token, int64_t now_s) const;
};

}  // namespace omnigate::webchat
