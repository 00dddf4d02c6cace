// Partner CSV files (src/feed: the CSV scanner, mappings applied to rows,
// dates, sex and kind codes, GBK conversion, the detail JSON). The first byte
// picks the layout, the rest is the file:
//   0 canonical CSV, 1 canonical with ';' as delimiter,
//   2 railway_travel.toml (UTF-8, constants, %Y%m%d),
//   3 civil_affairs_cremation.toml (GBK, kind and sex codes, %Y/%m/%d).
#include <cstdlib>
#include <vector>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& layouts = *Layouts();
  const tacit::Mapping& mapping = layouts[data[0] % layouts.size()];
  tacit::fuzz::ReadAndCheck("fuzz.csv", tacit::fuzz::AsText(data + 1, size - 1), &mapping);
  return 0;
}
