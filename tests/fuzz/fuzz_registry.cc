// The agency's registry files (src/registry): the registry import
// (ImportRegistryFile) and the yearly amount adjustment (AdjustRegistryFile),
// each row checked whole, bad rows to the quarantine with line, field and
// reason. The first byte chooses the reader; the rest is the file. Each run
// works inside a unit of work that is never committed, so the fuzz store
// stays as it was made.
#include <fstream>

#include "fuzz_store.h"
#include "fuzz_util.h"
#include "tacit/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  tacit::fuzz::FuzzStore& f = tacit::fuzz::FuzzStore::Get();
  const bool adjust = (data[0] & 1) != 0;
  const std::string path = (f.dir / (adjust ? "adjust.csv" : "registry.csv")).string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  auto unit = f.store->Begin();
  if (!unit) tacit::fuzz::Fail("cannot begin a unit of work");
  const tacit::Date today = tacit::fuzz::FuzzToday();
  const std::string_view body = tacit::fuzz::AsText(data + 1, size - 1);
  auto check_rejects = [&](const std::vector<tacit::FeedReject>& rejects) {
    for (const tacit::FeedReject& r : rejects) {
      FUZZ_CHECK(r.line >= 1);
      FUZZ_CHECK(!r.field.empty());
      FUZZ_CHECK(!r.reason.empty());
    }
  };
  if (adjust) {
    auto r = tacit::AdjustRegistryFile(*f.store, f.policy, path, today);
    if (!r) {
      FUZZ_CHECK(!r.error().message.empty());
    } else {
      FUZZ_CHECK(r->accepted + r->rejected == r->rows);
      FUZZ_CHECK(r->applied + r->unchanged == r->accepted);
      check_rejects(r->rejects);
    }
  } else {
    auto r = tacit::ImportRegistryFile(*f.store, f.policy, path, today);
    if (!r) {
      FUZZ_CHECK(!r.error().message.empty());
      if (tacit::fuzz::NumberLike(body)) FUZZ_CHECK(r.error().message.find(body) == std::string::npos);
    } else {
      FUZZ_CHECK(r->accepted + r->rejected == r->rows);
      FUZZ_CHECK(static_cast<int64_t>(r->rejects.size()) == r->rejected);
      check_rejects(r->rejects);
    }
  }
  // Rolled back: the unit is never committed.
  return 0;
}
