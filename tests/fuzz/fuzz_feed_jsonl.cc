// Partner JSON Lines files (src/feed: the one-line JSON parser, escapes and
// surrogates, nested values kept as text, mappings applied). The first byte
// picks the layout, the rest is the file:
//   0 canonical JSON Lines, 1 health_hospital.toml (kind and sex codes, dates
//   with a time, detail columns).
#include <vector>

#include "fuzz_util.h"

namespace {

std::vector<tacit::Mapping>* Layouts() {
  static auto* layouts = [] {
    auto* v = new std::vector<tacit::Mapping>;
    v->push_back(tacit::CanonicalMapping(tacit::FeedFormat::kJsonLines));
    auto m = tacit::LoadMapping(std::string(TACIT_SOURCE_DIR) + "/examples/mappings/health_hospital.toml");
    if (!m) tacit::fuzz::Fail("cannot load the example mapping");
    v->push_back(*m);
    return v;
  }();
  return layouts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& layouts = *Layouts();
  const tacit::Mapping& mapping = layouts[data[0] % layouts.size()];
  tacit::fuzz::ReadAndCheck("fuzz.jsonl", tacit::fuzz::AsText(data + 1, size - 1), &mapping);
  return 0;
}
