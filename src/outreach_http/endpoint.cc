#include "outreach_http/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace tacit::outreach_http {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool ValidHostChars(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.';
  });
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  std::string h = Lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::string Endpoint::HostHeader() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if ((tls && port == 443) || (!tls && port == 80)) return h;
  return fmt::format("{}:{}", h, port);
}

std::string Endpoint::SchemeHostPort() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return fmt::format("{}://{}:{}", tls ? "https" : "http", h, port);
}

std::string Endpoint::PathOf(std::string_view rest) const {
  std::string base = path == "/" ? "" : path;
  if (rest.empty() || rest.front() != '/') base += '/';
  return base + std::string(rest);
}

Result<Endpoint> ParseEndpoint(std::string_view url) {
  const auto bad = [&](std::string_view what) {
    return InvalidArgument(fmt::format("渠道地址无效 (endpoint: {})", what));
  };
  Endpoint e;
  std::string_view rest;
  const std::string lower = Lower(url.substr(0, std::min<size_t>(url.size(), 8)));
  if (lower.starts_with("https://")) {
    e.tls = true;
    e.port = 443;
    rest = url.substr(8);
  } else if (lower.starts_with("http://")) {
    e.tls = false;
    e.port = 80;
    rest = url.substr(7);
  } else {
    return bad("expected an https:// URL");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return bad("user information is not allowed in the URL");
  if (path.find_first_of("?#") != std::string_view::npos) return bad("a query or fragment is not allowed");
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected :port after the IPv6 address");
      port = after.substr(1);
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) return bad("malformed IPv6 address");
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (!ValidHostChars(host)) return bad("expected a host name or address");
  }
  if (!port.empty() || authority.ends_with(':')) {
    int p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535) {
      return bad("expected a port from 1 to 65535");
    }
    e.port = p;
  }
  e.host = Lower(host);
  std::string p(path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  e.path = p;
  if (!e.tls && !IsLoopbackHost(e.host)) {
    return InvalidArgument(
        "渠道地址必须使用 HTTPS (endpoint: http:// is allowed only to a loopback address such as 127.0.0.1)");
  }
  return e;
}

}  // namespace tacit::outreach_http
