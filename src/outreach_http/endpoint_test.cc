#include "outreach_http/endpoint.h"

#include <gtest/gtest.h>

namespace tacit::outreach_http {
namespace {

TEST(Endpoint, TakesAnHttpsUrlApart) {
  auto e = ParseEndpoint("https://DysmsApi.Aliyuncs.com");
  ASSERT_TRUE(e.has_value()) << e.error().message;
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->host, "dysmsapi.aliyuncs.com");
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->path, "/");
  EXPECT_EQ(e->HostHeader(), "dysmsapi.aliyuncs.com");
  EXPECT_EQ(e->PathOf("/cgi-bin/stable_token"), "/cgi-bin/stable_token");
  auto p = ParseEndpoint("https://api.example.cn:8443/gw/");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->port, 8443);
  EXPECT_EQ(p->path, "/gw");
  EXPECT_EQ(p->HostHeader(), "api.example.cn:8443");
  EXPECT_EQ(p->PathOf("/cgi-bin/x"), "/gw/cgi-bin/x");
  EXPECT_EQ(p->SchemeHostPort(), "https://api.example.cn:8443");
}

TEST(Endpoint, PlainHttpOnlyToLoopback) {
  for (const char* ok : {"http://127.0.0.1:8080", "http://127.1.2.3", "http://localhost:9", "http://[::1]:8080/x"}) {
    EXPECT_TRUE(ParseEndpoint(ok).has_value()) << ok;
  }
  auto v6 = ParseEndpoint("http://[::1]:8080");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->HostHeader(), "[::1]:8080");
  for (const char* refused : {"http://dysmsapi.aliyuncs.com", "http://10.0.0.1:80", "http://128.0.0.1",
                              "http://localhost.example.com", "http://[::2]:80", "http://127.0.0.1.nip.io"}) {
    auto e = ParseEndpoint(refused);
    ASSERT_FALSE(e.has_value()) << refused;
    EXPECT_NE(e.error().message.find("HTTPS"), std::string::npos) << e.error().message;
  }
}

TEST(Endpoint, RefusesMalformedUrls) {
  for (const char* bad : {"ftp://x", "dysmsapi.aliyuncs.com", "https://", "https://u:p@host", "https://h:0",
                          "https://h:99999", "https://h:80x", "https://h/?a=1", "https://[::1", "https://h_h"}) {
    EXPECT_FALSE(ParseEndpoint(bad).has_value()) << bad;
  }
}

TEST(Endpoint, LoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.255.255.254"));
  EXPECT_TRUE(IsLoopbackHost("LOCALHOST"));
  EXPECT_TRUE(IsLoopbackHost("[::1]"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.example"));
}

}  // namespace
}  // namespace tacit::outreach_http
