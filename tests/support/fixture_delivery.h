#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::testing {

// The connectors section that receives every example of
// tests/fixtures/channels, with the test secrets that signed them.
extern const char kFixtureConnectorsYaml[];

// One example webhook as the channel would deliver it to those connectors.
struct FixtureDelivery {
  std::string connector;
  std::string target;  // /webhooks/<connector>[?query]
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// `name` is CHANNEL__case. Signatures that expire (web chat's t=, Mailgun's
// timestamp) are made again at `now`, as the sender would; a rejected
// example keeps its original (stale) signature.
FixtureDelivery DeliveryOf(const std::string& name,
                           const channels::testing::ChannelFixture& fixture, absl::Time now);

// Secrets of kFixtureConnectorsYaml, e.g. to check that logs never hold one.
std::vector<std::string> FixtureSecrets();

}  // namespace omnigate::testing
