#include <chrono>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "outreach_http/aliyun_sms.h"
#include "outreach_http/endpoint.h"
#include "outreach_http/http_client.h"
#include "outreach_http/wechat_template.h"
#include "tacit/channel_http.h"

namespace tacit {

namespace {

using outreach_http::Endpoint;

class HttpChannelFactory final : public ChannelFactory {
 public:
  explicit HttpChannelFactory(HttpChannelOptions options)
      : options_(std::move(options)),
        tokens_(std::make_shared<outreach_http::WeChatTokenCache>(options_.token_reserve_fraction)) {
    if (!options_.now_ms) {
      options_.now_ms = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
  }

  Result<std::unique_ptr<Channel>> Make(const ChannelConfig& config) override {
    const bool sms = config.provider == "aliyun";
    const bool wechat = config.provider == "wechat";
    if (!sms && !wechat) {
      return InvalidArgument(fmt::format("不支持的渠道服务商 (provider \"{}\": expected \"aliyun\" or \"wechat\")",
                                         config.provider));
    }
    if ((sms && config.channel != "sms") || (wechat && config.channel != "wechat")) {
      return InvalidArgument(fmt::format("渠道与服务商不符 (provider {} does not serve channel \"{}\")",
                                         config.provider, config.channel));
    }
    if (config.key_id.empty()) {
      return InvalidArgument(sms ? "缺少 AccessKeyId (key_id is empty)" : "缺少 appid (key_id is empty)");
    }
    if (config.secret.empty()) {
      return InvalidArgument(sms ? "缺少 AccessKeySecret (the secret is empty)" : "缺少 appsecret (the secret is empty)");
    }
    if (sms && config.sign_name.empty()) return InvalidArgument("缺少短信签名 (sign_name is empty)");
    ASSIGN_OR_RETURN(Endpoint endpoint, outreach_http::ParseEndpoint(config.endpoint));
    outreach_http::HttpClientOptions http{.connect_timeout_ms = config.connect_timeout_ms,
                                          .read_timeout_ms = config.read_timeout_ms,
                                          .ca_file = config.ca_file};
    ASSIGN_OR_RETURN(std::unique_ptr<outreach_http::HttpClient> client, outreach_http::MakeHttpClient(endpoint, http));
    if (sms) return outreach_http::MakeAliyunSms(config, std::move(endpoint), std::move(client), options_.now_ms);
    return outreach_http::MakeWeChatTemplate(config, std::move(endpoint), std::move(client), tokens_);
  }

 private:
  HttpChannelOptions options_;
  std::shared_ptr<outreach_http::WeChatTokenCache> tokens_;
};

}  // namespace

std::unique_ptr<ChannelFactory> MakeHttpChannelFactory(HttpChannelOptions options) {
  return std::make_unique<HttpChannelFactory>(std::move(options));
}

}  // namespace tacit
