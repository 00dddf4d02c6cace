#include "tacit/channel.h"

#include <gtest/gtest.h>

namespace tacit {
namespace {

TEST(ChannelConfig, ParsesAnSmsConfigAndDropsTheSecretWhenPrinted) {
  auto c = ParseChannelConfig(R"({"channel":"sms","provider":"aliyun","endpoint":"https://dysmsapi.aliyuncs.com/",
      "key_id":"LTAIkey","secret":"s3cret","sign_name":"某某人社",
      "templates":{"remind_first":"SMS_1","remind_due":{"code":"SMS_2"}}})", "sms.json");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->endpoint, "https://dysmsapi.aliyuncs.com");
  EXPECT_EQ(c->templates.at("remind_due").code, "SMS_2");
  EXPECT_EQ(c->connect_timeout_ms, 3000);
  const std::string shown = ChannelConfigToJson(*c);
  EXPECT_EQ(shown.find("s3cret"), std::string::npos);
  auto again = ParseChannelConfig(shown, "again");
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->templates.at("remind_first").code, "SMS_1");
}

TEST(ChannelConfig, RefusalsNameTheFieldAndNeverTheSecret) {
  auto no_sign = ParseChannelConfig(R"({"channel":"sms","provider":"aliyun","endpoint":"https://x","key_id":"k",
      "secret":"s3cret","templates":{"remind_first":"SMS_1"}})", "sms.json");
  ASSERT_FALSE(no_sign.has_value());
  EXPECT_NE(no_sign.error().message.find("sign_name"), std::string::npos);
  auto bad_tpl = ParseChannelConfig(R"({"channel":"wechat","provider":"wechat","endpoint":"https://x","key_id":"wx1",
      "secret":"s3cret","templates":{"hello":"T"}})", "wx.json");
  ASSERT_FALSE(bad_tpl.has_value());
  EXPECT_NE(bad_tpl.error().message.find("templates.hello"), std::string::npos);
  EXPECT_EQ(bad_tpl.error().message.find("s3cret"), std::string::npos);
  EXPECT_FALSE(ParseChannelConfig("not json", "x").has_value());
  EXPECT_FALSE(ParseChannelConfig(R"({"channel":"sms","provider":"wechat"})", "x").has_value());
}

}  // namespace
}  // namespace tacit
