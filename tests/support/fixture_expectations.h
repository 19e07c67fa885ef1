#pragma once

#include <functional>
#include <string>

#include "lib/channels/adapter.h"
#include "lib/json/strict_json.h"
#include "omnigate/v1/event.pb.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::channels::testing {

// Checks one expected event of a fixture against our Event, field by field
// (gtest expectations). Every field of the fixture must be understood:
// `extra` keys go to `check_extra`, which returns false for a key it does
// not know, and that fails the test, so nothing in a fixture goes
// unchecked. `received_at_ms` is the receipt time the adapter was given, for
// events whose timestamp_source is "receipt_time".
using ExtraChecker = std::function<bool(const std::string& key, const json::Value& value,
                                        const omnigate::v1::Event& event)>;

void ExpectEventMatches(const json::Value& want, const omnigate::v1::Event& got,
                        int64_t received_at_ms, const ExtraChecker& check_extra);

// An attribute of the event or "".
std::string Attribute(const omnigate::v1::Event& event, const std::string& key);

}  // namespace omnigate::channels::testing

namespace omnigate::channels::testing {

// Normalizes `body` as a request received at `received_at_ms`.
absl::StatusOr<NormalizeResult> NormalizeBody(const ChannelAdapter& adapter, absl::string_view body,
                                              int64_t received_at_ms,
                                              const Headers* headers = nullptr);

// Runs one fixture through `adapter` (authenticate with its headers, then
// normalize at `received_at_ms`) and checks the outcome it states:
//  - "reject": INVALID_ARGUMENT with the fixture's error_reason (-> 400);
//  - "accept": every expected event, field by field;
//  - "accept_ignore": nothing a bot would answer; unknown kinds may be kept
//    as unsupported events (omnigate never drops them).
void ExpectFixtureOutcome(const ChannelAdapter& adapter, const ChannelFixture& fixture,
                          int64_t received_at_ms, const ExtraChecker& check_extra);

}  // namespace omnigate::channels::testing
