#include "lib/routing/router.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace omnigate::routing {
namespace {

using omnigate::v1::ConversationEvent;
using omnigate::v1::Event;

bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c < 0; }

}  // namespace

struct Router::CompiledRule {
  const config::RoutingRule* rule;
  std::unique_ptr<RE2> regex;
  absl::TimeZone zone;
};

bool IsLifecycleEvent(const Event& event) {
  if (event.payload_case() != Event::kConversation) return false;
  switch (event.conversation().kind()) {
    case ConversationEvent::KIND_HANDOFF_REQUESTED:
    case ConversationEvent::KIND_ASSIGNED:
    case ConversationEvent::KIND_RESOLVED:
    case ConversationEvent::KIND_MODE_CHANGED:
    case ConversationEvent::KIND_TRANSFERRED:
      return event.sender().role() == omnigate::v1::ROLE_SYSTEM;
    default:
      return false;
  }
}

std::string SearchableText(const Event& event) {
  switch (event.payload_case()) {
    case Event::kText:
      return event.text().body();
    case Event::kMedia:
      return event.media().caption();
    case Event::kInteractive:
      return absl::StrCat(event.interactive().title(), " ", event.interactive().id());
    case Event::kPostback:
      return absl::StrCat(event.postback().title(), " ", event.postback().payload());
    case Event::kEdit:
      return event.edit().body();
    default:
      return "";
  }
}

bool ContainsWord(absl::string_view text, absl::string_view word) {
  if (word.empty()) return false;
  size_t pos = 0;
  while ((pos = text.find(word, pos)) != absl::string_view::npos) {
    const bool left = pos == 0 || !IsWordChar(text[pos - 1]);
    const size_t end = pos + word.size();
    const bool right = end == text.size() || !IsWordChar(text[end]);
    if (left && right) return true;
    ++pos;
  }
  return false;
}

bool WithinBusinessHours(const config::BusinessHours& hours, const absl::TimeZone& zone,
                         absl::Time at) {
  const absl::CivilSecond local = absl::ToCivilSecond(at, zone);
  const absl::Weekday weekday = absl::GetWeekday(local);
  // absl::Weekday starts at Monday = 0; the config counts Sunday = 0.
  const int day = (static_cast<int>(weekday) + 1) % 7;
  if (std::find(hours.days.begin(), hours.days.end(), day) == hours.days.end()) return false;
  const int minute = local.hour() * 60 + local.minute();
  return minute >= hours.from_minute && minute < hours.to_minute;
}

Router::Router(config::RoutingConfig config, std::vector<std::string> sink_names)
    : config_(std::move(config)), sink_names_(std::move(sink_names)) {
  for (const auto& rule : config_.rules) {
    auto compiled = std::make_unique<CompiledRule>();
    compiled->rule = &rule;
    if (!rule.regex.empty()) {
      RE2::Options options;
      options.set_case_sensitive(false);
      options.set_log_errors(false);
      compiled->regex = std::make_unique<RE2>(rule.regex, options);
    }
    // The config parser already proved the zone loads.
    if (rule.business_hours.has_value())
      absl::LoadTimeZone(rule.business_hours->timezone, &compiled->zone);
    rules_.push_back(std::move(compiled));
  }
}

Router::~Router() = default;

bool Router::Matches(const CompiledRule& compiled, const Event& event, absl::string_view mode,
                     const std::string& lowered_text) const {
  const config::RoutingRule& rule = *compiled.rule;
  if (!rule.modes.empty() &&
      std::find(rule.modes.begin(), rule.modes.end(), mode) == rule.modes.end()) {
    return false;
  }
  if (!rule.channels.empty() && std::find(rule.channels.begin(), rule.channels.end(),
                                          event.channel()) == rule.channels.end()) {
    return false;
  }
  if (!rule.languages.empty()) {
    const std::string locale = absl::AsciiStrToLower(event.locale());
    const bool any =
        std::any_of(rule.languages.begin(), rule.languages.end(), [&](const std::string& lang) {
          return locale == lang || absl::StartsWith(locale, lang + "-") ||
                 absl::StartsWith(locale, lang + "_");
        });
    if (!any) return false;
  }
  for (const auto& [key, value] : rule.attributes) {
    auto it = event.attributes().find(key);
    if (it == event.attributes().end() || it->second != value) return false;
  }
  if (!rule.keywords.empty()) {
    const bool any =
        std::any_of(rule.keywords.begin(), rule.keywords.end(),
                    [&](const std::string& k) { return ContainsWord(lowered_text, k); });
    if (!any) return false;
  }
  if (compiled.regex != nullptr && !RE2::PartialMatch(lowered_text, *compiled.regex)) return false;
  if (rule.business_hours.has_value()) {
    const absl::Time at = absl::FromUnixMillis(event.received_at_ms());
    if (WithinBusinessHours(*rule.business_hours, compiled.zone, at) !=
        rule.inside_business_hours) {
      return false;
    }
  }
  return true;
}

RouteDecision Router::Route(const Event& event, absl::string_view mode,
                            absl::string_view target_sink) const {
  RouteDecision decision;
  if (!target_sink.empty()) {
    decision.sinks.emplace_back(target_sink);
    return decision;
  }
  if (IsLifecycleEvent(event)) {
    decision.sinks = sink_names_;
    return decision;
  }
  const absl::string_view effective_mode = mode.empty() ? "bot" : mode;
  std::string sink = config_.bot;
  if (effective_mode == "agent") {
    sink = config_.agent;
  } else if (effective_mode == "closed" && !config_.closed.empty()) {
    sink = config_.closed;
  }
  if (!rules_.empty()) {
    const std::string lowered = absl::AsciiStrToLower(SearchableText(event));
    for (const auto& compiled : rules_) {
      if (!Matches(*compiled, event, effective_mode, lowered)) continue;
      const config::RoutingRule& rule = *compiled->rule;
      if (!rule.sink.empty()) sink = rule.sink;
      decision.priority = rule.priority;
      decision.skill = rule.skill;
      decision.rule = rule.name;
      break;
    }
  }
  decision.sinks.push_back(std::move(sink));
  return decision;
}

}  // namespace omnigate::routing
