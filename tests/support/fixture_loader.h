#pragma once

#include <memory>
#include <string>

#include "lib/common/headers.h"
#include "lib/json/strict_json.h"
#include "rapidjson/document.h"

namespace omnigate::channels::testing {

// One example webhook of tests/fixtures/channels: the raw body exactly as
// signed, the headers the channel sent and the expected normalization.
struct ChannelFixture {
  std::string name;
  std::string body;
  Headers headers;
  std::unique_ptr<rapidjson::Document> expected;
};

// Loads, from omnigate::testing::FixturesDir(), CHANNEL__case (without extension; the body file is
// whichever of .json/.form/.multipart/.eml exists). Aborts the test binary with a clear message
// when the fixtures are missing: a broken checkout must fail, not skip.
ChannelFixture LoadChannelFixture(const std::string& name);

// The fixture's value as a string: strings as-is, null/absent as "", other
// JSON as its text (numbers as written).
std::string FixtureString(const json::Value& object, const char* key);

// Every fixture name (without extension) starting with `prefix`, sorted.
std::vector<std::string> ListFixtures(const std::string& prefix);

}  // namespace omnigate::channels::testing
