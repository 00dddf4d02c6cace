// A provider's base URL taken apart, and the rule that plain HTTP goes to
// loopback only (the stand-in gateways); everything else is HTTPS.
//
//   ASSIGN_OR_RETURN(Endpoint e, ParseEndpoint("https://dysmsapi.aliyuncs.com"));
//   e.host == "dysmsapi.aliyuncs.com", e.port == 443, e.path == "/"
#ifndef TACIT_SRC_OUTREACH_HTTP_ENDPOINT_H_
#define TACIT_SRC_OUTREACH_HTTP_ENDPOINT_H_

#include <string>
#include <string_view>

#include "tacit/result.h"

namespace tacit::outreach_http {

struct Endpoint {
  bool tls = true;
  std::string host;  // lower case; an IPv6 literal without brackets ("::1")
  int port = 443;
  std::string path = "/";  // the base path, "/" or "/prefix" (no trailing slash)

  // "host" on the scheme's default port, else "host:port" ("[::1]:8080"): the
  // Host header, which ACS3 signs.
  std::string HostHeader() const;
  // "https://host:port" for httplib::Client.
  std::string SchemeHostPort() const;
  // The base path joined with `rest` ("/cgi-bin/token" → "/prefix/cgi-bin/token").
  std::string PathOf(std::string_view rest) const;
};

// Parses "https://host[:port][/path]" or "http://…" (no user info, query or
// fragment). Errors (kInvalidArgument): another scheme, a malformed URL, or
// http:// to a host that is not a loopback address.
Result<Endpoint> ParseEndpoint(std::string_view url);

// 127.0.0.0/8, ::1 (with or without brackets) and "localhost".
bool IsLoopbackHost(std::string_view host);

}  // namespace tacit::outreach_http

#endif  // TACIT_SRC_OUTREACH_HTTP_ENDPOINT_H_
