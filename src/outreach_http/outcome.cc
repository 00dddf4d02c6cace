#include "outreach_http/outcome.h"

#include <fmt/format.h>

namespace tacit::outreach_http {

bool OneOf(std::string_view code, std::initializer_list<std::string_view> set) {
  for (std::string_view s : set) {
    if (code == s) return true;
  }
  return false;
}

Classified ClassifyTransport(HttpFailure f) {
  switch (f) {
    case HttpFailure::kConnect: return {SendOutcome::kRetry, kFailTimeout};
    case HttpFailure::kWrite:
    case HttpFailure::kTls: return {SendOutcome::kRetry, kFailSystem};
    // An expired CA bundle or a proxy in the middle: someone must look.
    case HttpFailure::kTlsVerify: return {SendOutcome::kChannelDown, kFailAuth};
    case HttpFailure::kRead:
    case HttpFailure::kOther:
    case HttpFailure::kNone: break;
  }
  return {SendOutcome::kUnknown, kFailTimeout};
}

SendResult TransportResult(const HttpExchange& x, std::string_view who) {
  SendResult r;
  const Classified c = ClassifyTransport(x.failure);
  r.outcome = c.outcome;
  r.failure = std::string(c.failure);
  r.provider_code = std::string(HttpFailureCode(x.failure));
  r.duration_ms = x.duration_ms;
  switch (x.failure) {
    case HttpFailure::kConnect:
      r.detail = fmt::format("无法连接{} (cannot connect; nothing was sent)", who);
      break;
    case HttpFailure::kWrite:
      r.detail = fmt::format("向{}发送请求时连接中断 (the connection broke while the request was written)", who);
      break;
    case HttpFailure::kTls:
      r.detail = fmt::format("与{}的 TLS 握手失败 (the TLS handshake failed; nothing was sent)", who);
      break;
    case HttpFailure::kTlsVerify:
      r.detail = fmt::format("{}的证书验证失败 (the certificate did not verify; nothing was sent)", who);
      break;
    default:
      r.detail = fmt::format("等待{}应答超时 (no answer within the read timeout; the message may have been taken)",
                             who);
      break;
  }
  return r;
}

}  // namespace tacit::outreach_http
