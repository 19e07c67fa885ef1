#pragma once

namespace omnigate::webchat {

// lib/webchat/assets/, embedded at build time (embed_assets.cmake): the
// widget needs no file next to the binary and no CDN.
extern const char kWidgetJs[];
extern const char kWidgetCss[];
extern const char kDemoHtml[];

}  // namespace omnigate::webchat
