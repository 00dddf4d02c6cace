// Department mapping files (TOML, src/feed/mapping.cc): ParseMapping checks
// a mapping whole; a mapping it accepts is then used to read a small fixed
// CSV and JSON Lines file, so what the checks let through is exercised.
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto mapping = tacit::ParseMapping(tacit::fuzz::AsText(data, size), "fuzz.toml");
  if (!mapping) {
    FUZZ_CHECK(!mapping.error().message.empty());
    return 0;
  }
  static constexpr std::string_view kCsv =
      "ticket_no,passenger_name,cert_no,travel_date,from_station,kind,sex,source,ref,occurred_on\n"
      "E1,张伟,320583195011083450,20260502,苏州,travel,男,railway,r1,2026-05-02\n"
      "E2,刘芳,110108194002115670,2026/5/15 10:00,\"北京,南\",火化,2,bank,r2,20260515\n";
  static constexpr std::string_view kJsonl =
      R"({"visit_id":"ZY1","id_card":"510104195209097899","gender":"男","event":"入院","event_time":"2026-05-01 09:15:00","ref":"a","kind":"travel","occurred_on":"2026-05-01"})"
      "\n";
  tacit::fuzz::ReadAndCheck("fuzz.csv", kCsv, &*mapping);
  tacit::fuzz::ReadAndCheck("fuzz.jsonl", kJsonl, &*mapping);
  return 0;
}
