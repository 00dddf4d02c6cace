// Partner CSV files (src/feed: the CSV scanner, mappings applied to rows,
// dates, sex and kind codes, GBK conversion, the detail JSON). The first byte
// picks the layout, the rest is the file:
//   0 canonical CSV, 1 canonical with ';' as delimiter,
//   2 railway_travel.toml (UTF-8, constants, %Y%m%d),
//   3 civil_affairs_cremation.toml (GBK, kind and sex codes, %Y/%m/%d).
#include <cstdlib>
#include <string>
#include <vector>

#include "feed/csv.h"
#include "fuzz_util.h"

namespace {

std::vector<tacit::Mapping>* Layouts() {
  static auto* layouts = [] {
    auto* v = new std::vector<tacit::Mapping>;
    v->push_back(tacit::CanonicalMapping(tacit::FeedFormat::kCsv));
    tacit::Mapping semicolon = tacit::CanonicalMapping(tacit::FeedFormat::kCsv);
    semicolon.delimiter = ';';
    v->push_back(semicolon);
    for (const char* name : {"railway_travel", "civil_affairs_cremation"}) {
      auto m = tacit::LoadMapping(std::string(TACIT_SOURCE_DIR) + "/examples/mappings/" + name + ".toml");
      if (!m) tacit::fuzz::Fail("cannot load the example mappings");
      v->push_back(*m);
    }
    return v;
  }();
  return layouts;
}

// The CSV scanner's one-line fast path must read every text as its general
// path does: the same records, lines, raw text, fields and errors.
void CheckScannerPathsAgree(std::string_view text, char delimiter) {
  tacit::feed_internal::CsvScanner fast(text, delimiter), general(text, delimiter);
  general.set_general_path_only(true);
  fast.set_expected_fields(3);
  general.set_expected_fields(3);
  tacit::feed_internal::CsvRecord a, b;
  for (;;) {
    const bool more_a = fast.Next(&a), more_b = general.Next(&b);
    if (more_a != more_b) tacit::fuzz::Fail("the CSV fast path and general path read a different number of records");
    if (!more_a) return;
    if (a.line != b.line || a.raw != b.raw || a.error != b.error || a.fields.size() != b.fields.size()) {
      tacit::fuzz::Fail("the CSV fast path and general path read a record differently");
    }
    for (size_t i = 0; i < a.fields.size(); ++i) {
      if (a.fields[i] != b.fields[i]) tacit::fuzz::Fail("the CSV fast path and general path read a field differently");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& layouts = *Layouts();
  const tacit::Mapping& mapping = layouts[data[0] % layouts.size()];
  tacit::fuzz::ReadAndCheck("fuzz.csv", tacit::fuzz::AsText(data + 1, size - 1), &mapping);
  CheckScannerPathsAgree(tacit::fuzz::AsText(data + 1, size - 1), mapping.delimiter);
  return 0;
}
