// Small appenders the demo generator formats its rows with. They append to a
// std::string without allocating beyond its growth, so that millions of rows
// format quickly.
#ifndef TACIT_DEMO_TEXT_H_
#define TACIT_DEMO_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tacit/civil.h"

namespace tacit::demo {

// Appends v in decimal, left-padded with zeros to `width` digits.
inline void AppendUint(std::string& out, uint64_t v, int width = 0) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width) tmp[n++] = '0';
  while (n > 0) out.push_back(tmp[--n]);
}

struct Ymd {
  int y, m, d;
};
inline Ymd YmdOf(Date date) { return {date.year(), date.month(), date.day()}; }

// 2026-05-03
inline void AppendIsoDate(std::string& out, Date date) {
  Ymd t = YmdOf(date);
  AppendUint(out, static_cast<uint64_t>(t.y), 4);
  out.push_back('-');
  AppendUint(out, static_cast<uint64_t>(t.m), 2);
  out.push_back('-');
  AppendUint(out, static_cast<uint64_t>(t.d), 2);
}
// 2026/5/3 (no leading zeros, as civil affairs writes dates)
inline void AppendSlashDate(std::string& out, Date date) {
  Ymd t = YmdOf(date);
  AppendUint(out, static_cast<uint64_t>(t.y));
  out.push_back('/');
  AppendUint(out, static_cast<uint64_t>(t.m));
  out.push_back('/');
  AppendUint(out, static_cast<uint64_t>(t.d));
}
// 20260503
inline void AppendCompactDate(std::string& out, Date date) {
  Ymd t = YmdOf(date);
  AppendUint(out, static_cast<uint64_t>(t.y), 4);
  AppendUint(out, static_cast<uint64_t>(t.m), 2);
  AppendUint(out, static_cast<uint64_t>(t.d), 2);
}
// 10:22:13 from seconds since midnight.
inline void AppendTime(std::string& out, int seconds) {
  AppendUint(out, static_cast<uint64_t>(seconds / 3600), 2);
  out.push_back(':');
  AppendUint(out, static_cast<uint64_t>(seconds / 60 % 60), 2);
  out.push_back(':');
  AppendUint(out, static_cast<uint64_t>(seconds % 60), 2);
}

// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
inline void AppendCsvField(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

// A JSON string literal, quotes included. The input is UTF-8 and passed through.
inline void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out.append("\\u00");
          const char* hex = "0123456789abcdef";
          out.push_back(hex[(c >> 4) & 0xF]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace tacit::demo

#endif  // TACIT_DEMO_TEXT_H_
