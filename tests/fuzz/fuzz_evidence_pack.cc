// The SQLite store's packed evidence (src/store/sqlite/evidence_pack.h): the
// bytes of an evidence_pack row, which a damaged or tampered store file can
// hold. DecodePack must refuse or read them, never read past them; what it
// reads must survive both encodings: format 2 (PackWriter) and format 1
// (AppendPackedRecord) give the same records back (format 1 when the first
// source id is not 0, as a store's never is: a leading 0 marks format 2).
#include <cstring>

#include "fuzz_util.h"
#include "store/sqlite/evidence_pack.h"

namespace {

bool Same(const tacit::sqlite::PackedRecord& a, const tacit::sqlite::PackedRecord& b) {
  return a.source_id == b.source_id && a.batch_id == b.batch_id && a.occurred_on == b.occurred_on &&
         a.received_on == b.received_on && a.kind == b.kind && a.link_method == b.link_method &&
         std::memcmp(&a.link_score, &b.link_score, sizeof a.link_score) == 0 && a.ref == b.ref &&
         a.detail == b.detail;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tacit::sqlite;
  const std::string_view bytes = tacit::fuzz::AsText(data, size);
  std::vector<PackedRecord> records;
  if (!DecodePack(bytes, records)) return 0;
  std::string two, one;
  PackWriter writer(two);
  for (const PackedRecord& r : records) {
    writer.Add(r);
    AppendPackedRecord(one, r);
  }
  for (const std::string* pack : {&two, &one}) {
    if (pack == &one && !records.empty() && records[0].source_id == 0) continue;
    std::vector<PackedRecord> again;
    FUZZ_CHECK(DecodePack(*pack, again));
    FUZZ_CHECK(again.size() == records.size());
    for (size_t i = 0; i < records.size(); ++i) FUZZ_CHECK(Same(again[i], records[i]));
  }
  return 0;
}
