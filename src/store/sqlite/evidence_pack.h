// The linked records of a bulk unit, packed: one row of evidence_pack per
// person and unit instead of one row of evidence per record. A pack's records
// hold the ids first_id … last_id in order (a bulk unit gives them at commit,
// in person order), so a pack keys by its first id and needs no per-record id;
// its person is the row's. Appending 4.7 million rows (a province's year) cost
// about 2.6 s and their person index 1.15 s more of the ingest; a pack is
// written once per person. Internal to the SQLite backend.
#ifndef TACIT_SRC_STORE_SQLITE_EVIDENCE_PACK_H_
#define TACIT_SRC_STORE_SQLITE_EVIDENCE_PACK_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/result.h"

namespace tacit::sqlite {

// One record of a pack: the columns of evidence but id and person_key.
// Decoded views point into the pack's bytes.
struct PackedRecord {
  int64_t source_id = 0;
  int64_t batch_id = 0;
  int32_t occurred_on = 0;  // days since 1970-01-01
  int32_t received_on = 0;
  std::string_view kind;
  std::string_view link_method;
  double link_score = 0;
  std::string_view ref;
  std::string_view detail;  // empty when the record has none
};

// Appends the bytes of `r` to `out`: integers as LEB128 varints (days
// zigzagged), texts length-prefixed, the score as 8 little-endian bytes.
void AppendPackedRecord(std::string& out, const PackedRecord& r);

// Replaces `out` with the records of `pack`, in order.
// Errors: kInternal when the bytes end inside a record or a length overruns.
Status DecodePack(std::string_view pack, std::vector<PackedRecord>& out);

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_EVIDENCE_PACK_H_
