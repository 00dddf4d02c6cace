// Shared pieces of the libFuzzer targets (docs/fuzzing.md). Each target is one
// LLVMFuzzerTestOneInput over one parser, built with ASan + UBSan in the
// `sanitize` preset against the same instrumented objects the unit tests use.
#ifndef TACIT_TESTS_FUZZ_FUZZ_UTIL_H_
#define TACIT_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tacit/civil.h"
#include "tacit/feed.h"

namespace tacit::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A harness's own invariant broke: report and abort, so libFuzzer keeps the
// input as a crash.
[[noreturn]] inline void Fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}
#define FUZZ_CHECK(cond) \
  do {                   \
    if (!(cond)) ::tacit::fuzz::Fail(#cond); \
  } while (0)

// A fixed today, so a run is reproducible whatever the date.
inline Date FuzzToday() { return *ParseDate("2026-11-20"); }

// Whether `s` looks like an identity number (at least 10 ASCII digits): the
// check that a message does not quote the number is made for such input
// only, as any other text may be a word of the message by chance.
inline bool NumberLike(std::string_view s) {
  size_t digits = 0;
  for (char c : s) digits += c >= '0' && c <= '9';
  return digits >= 10;
}

// Reads every byte a row's views point at, so ASan sees a view that outlives
// its buffer or runs past it.
inline size_t Touch(std::string_view s) {
  size_t sum = 0;
  for (char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}
inline size_t TouchRow(const FeedRow& r) {
  return Touch(r.source) + Touch(r.kind) + Touch(r.id_number) + Touch(r.name) + Touch(r.region_code) +
         Touch(r.ref) + Touch(r.detail);
}

// Reads `bytes` as the feed file `name` with `mapping` (nullptr: canonical),
// checking what every reader of rows relies on: one callback per row, good
// rows with the required fields, rejects with a field and a reason.
inline void ReadAndCheck(std::string_view name, std::string_view bytes, const Mapping* mapping) {
  FeedReadOptions options;
  options.mapping = mapping;
  options.default_source = "fuzz";
  options.today = FuzzToday();
  options.is_known_kind = [](std::string_view kind) { return kind != "unknown_kind"; };
  int64_t accepted = 0, rejected = 0;
  volatile size_t sink = 0;
  auto summary = ReadFeedBytes(
      name, bytes, options,
      [&](const FeedRow& row) {
        ++accepted;
        sink = sink + TouchRow(row);
        FUZZ_CHECK(!row.source.empty() && !row.kind.empty() && !row.ref.empty());
        FUZZ_CHECK(row.occurred_on <= options.today);
        FUZZ_CHECK(row.line >= 1);
      },
      [&](const FeedReject& r) {
        ++rejected;
        sink = sink + Touch(r.raw) + Touch(r.reason);
        FUZZ_CHECK(!r.field.empty() && !r.reason.empty());
        FUZZ_CHECK(r.line >= 1);
      });
  if (summary) {
    FUZZ_CHECK(summary->accepted == accepted && summary->rejected == rejected);
    FUZZ_CHECK(summary->rows == accepted + rejected);
    FUZZ_CHECK(summary->sha256.size() == 64);
  } else {
    FUZZ_CHECK(accepted == 0 && rejected == 0);  // an error passes nothing on
    FUZZ_CHECK(!summary.error().message.empty());
  }
}

}  // namespace tacit::fuzz

#endif  // TACIT_TESTS_FUZZ_FUZZ_UTIL_H_
