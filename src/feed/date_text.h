// Dates in feed files: a date in one of the formats ParseDateFormat knows,
// optionally followed by a time of day, which is checked and ignored.
// Internal to the feed module.
//
//   DateFormat f = *ParseFeedDateFormat("%Y-%m-%d %H:%M:%S");
//   ParseFeedDate("2026-05-03 14:30:00", f) == Date 2026-05-03
//   ParseFeedDate("2026-05-03", f)          == Date 2026-05-03 (time optional)
//   f.example == "2026-05-03 14:30:00"
#ifndef TACIT_SRC_FEED_DATE_TEXT_H_
#define TACIT_SRC_FEED_DATE_TEXT_H_

#include <optional>
#include <string>
#include <string_view>

#include "tacit/civil.h"

namespace tacit::feed_internal {

struct DateFormat {
  std::string format;       // as written in the mapping, e.g. "%Y/%m/%d"; empty: canonical
  std::string date_format;  // the date part, for ParseDateFormat; empty: canonical
  std::string example;      // the date 2026-05-03 in this format, for reasons
};

// The formats a mapping may name: "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d",
// "%Y年%m月%d日", each optionally followed by " %H:%M:%S", "T%H:%M:%S", " %H:%M"
// or "T%H:%M". nullopt for anything else.
std::optional<DateFormat> ParseFeedDateFormat(std::string_view format);

// The canonical format: YYYY-MM-DD, also YYYY/M/D, YYYY.M.D, YYYYMMDD and
// YYYY年M月D日, each with an optional time.
DateFormat CanonicalDateFormat();

// "%Y-%m-%d", "%Y/%m/%d", ... joined with ", " for messages.
std::string SupportedDateFormatList();

// Parses `text` (already trimmed) as a date in `format`; a trailing time
// (" HH:MM[:SS[.fff]]" or "THH:MM[:SS[.fff]]", optionally followed by "Z" or a
// "+08:00" offset) is checked and ignored. nullopt when it is not such a date.
// Allocates nothing on success.
std::optional<Date> ParseFeedDate(std::string_view text, const DateFormat& format);

}  // namespace tacit::feed_internal

#endif  // TACIT_SRC_FEED_DATE_TEXT_H_
