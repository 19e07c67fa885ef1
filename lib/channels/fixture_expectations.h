#pragma once

#include <functional>
#include <string>

#include "lib/json/strict_json.h"
#include "omnigate/v1/event.pb.h"

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

// The fixture's value as a string: strings as-is, null/absent as "", other
// JSON as its text (numbers as written).
std::string FixtureString(const json::Value& object, const char* key);

// An attribute of the event or "".
std::string Attribute(const omnigate::v1::Event& event, const std::string& key);

}  // namespace omnigate::channels::testing
