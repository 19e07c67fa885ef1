#include "gtest/gtest.h"
#include "lib/connectors/connector.h"
#include "lib/outbound/outbound_message.h"
#include "lib/outbound/sender_factory.h"

namespace omnigate::outbound {
namespace {

TEST(SenderSettingsForTest, CopiesTheOutboundBlockAndTheSigningSecret) {
  connectors::ConnectorSettings connector;
  connector.name = "sms";
  connector.channel = omnigate::v1::CHANNEL_TWILIO;
  connector.secret = "inbound-auth-token";
  connector.outbound.api_base_url = "http://127.0.0.1:9999";
  connector.outbound.token = "auth-token";
  connector.outbound.account = "AC00000000000000000000000000000001";
  connector.outbound.from = "+12025550100";
  connector.outbound.status_callback_url = "https://hooks.example.com/webhooks/sms";
  connector.outbound.rate_per_s = 1;

  const SenderSettings settings = SenderSettingsFor(connector);
  EXPECT_EQ(settings.api_base_url, "http://127.0.0.1:9999");
  EXPECT_EQ(settings.token, "auth-token");
  EXPECT_EQ(settings.account, "AC00000000000000000000000000000001");
  EXPECT_EQ(settings.from, "+12025550100");
  EXPECT_EQ(settings.secret, "inbound-auth-token");
  EXPECT_EQ(settings.status_callback_url, "https://hooks.example.com/webhooks/sms");
}

TEST(SenderSettingsForTest, EmptyApiBaseUrlFallsBackToTheChannelDefault) {
  connectors::ConnectorSettings connector;
  connector.channel = omnigate::v1::CHANNEL_EMAIL;
  connector.provider = "mailgun";
  EXPECT_EQ(SenderSettingsFor(connector).api_base_url, "https://api.mailgun.net");
  EXPECT_EQ(SenderSettingsFor(connector).api_base_url,
            DefaultApiBaseUrl(omnigate::v1::CHANNEL_EMAIL, "mailgun"));

  connector.channel = omnigate::v1::CHANNEL_WHATSAPP;
  connector.provider.clear();
  EXPECT_EQ(SenderSettingsFor(connector).api_base_url, "https://graph.facebook.com/v21.0");

  // The web chat has no public default: each site has its own endpoint.
  connector.channel = omnigate::v1::CHANNEL_WEBCHAT;
  connector.secret = "site-secret";
  const SenderSettings webchat = SenderSettingsFor(connector);
  EXPECT_EQ(webchat.api_base_url, "");
  EXPECT_EQ(webchat.secret, "site-secret");
}

}  // namespace
}  // namespace omnigate::outbound
