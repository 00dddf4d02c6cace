// Records pushed as JSON over the API (POST /api/v1/feeds/{source}/records):
// FrameJsonRecords frames the body into JSON Lines, which are then read as
// canonical records, as routes_feeds.cc does.
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = tacit::fuzz::AsText(data, size);
  auto framed = tacit::FrameJsonRecords(body, 1000);
  if (!framed) {
    FUZZ_CHECK(!framed.error().message.empty());
    return 0;
  }
  FUZZ_CHECK(framed->count <= 1000);  // [] is no records
  FUZZ_CHECK(!framed->single || framed->count == 1);
  // One line per element: the reader's line numbers are the elements' indices.
  size_t lines = 0;
  for (char c : framed->lines) lines += c == '\n';
  FUZZ_CHECK(lines == framed->count || lines + 1 == framed->count);
  static const tacit::Mapping canonical = tacit::CanonicalMapping(tacit::FeedFormat::kJsonLines);
  tacit::fuzz::ReadAndCheck("pushed.jsonl", framed->lines, &canonical);
  return 0;
}
