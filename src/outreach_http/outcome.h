// What a provider's answer, or its absence, means for the message: the pieces
// both adapters share. The full mapping is the table in docs/outreach.md
// ("Provider error codes").
#ifndef TACIT_SRC_OUTREACH_HTTP_OUTCOME_H_
#define TACIT_SRC_OUTREACH_HTTP_OUTCOME_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "outreach_http/http_client.h"
#include "tacit/channel.h"

namespace tacit::outreach_http {

struct Classified {
  SendOutcome outcome;
  std::string_view failure;  // one of kFail*, "" for kAccepted
};

// A failure without an HTTP answer. Before the request was written (no
// connection, a broken write, a failed handshake) the provider cannot have the
// message: kRetry. After (read timeout, reset): kUnknown. A certificate that
// does not verify pauses the channel (kChannelDown/auth): no passing fault.
Classified ClassifyTransport(HttpFailure f);

// A SendResult for a failure without an answer: outcome, failure, the raw code
// ("connect", "timeout", …), a detail in Chinese and English, the duration.
// `who` names the other side in the detail ("短信平台", "微信").
SendResult TransportResult(const HttpExchange& x, std::string_view who);

// Is `code` one of `set`?
bool OneOf(std::string_view code, std::initializer_list<std::string_view> set);

}  // namespace tacit::outreach_http

#endif  // TACIT_SRC_OUTREACH_HTTP_OUTCOME_H_
