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

// Format 1, one record after another: integers as LEB128 varints (days
// zigzagged), texts length-prefixed, the score as 8 little-endian bytes. A
// bulk unit's arena holds its records so, each alone, and schema 16 stored
// packs so. Appends the bytes of `r` to `out`. REQUIRES: r.source_id != 0
// (source ids start at 1) when `r` starts a pack: a leading 0 marks format 2.
void AppendPackedRecord(std::string& out, const PackedRecord& r);

// Format 2, what a bulk unit's commit stores from schema 17 on: the bytes 0
// and 2 (a format-1 pack starts with a source id, never 0), then per record
//   flags (bit 0: the score is 1.0 and left out), source id, batch id,
//   occurred_on (zigzag), received_on less occurred_on (zigzag), kind,
//   link method, [score], ref, detail,
// where kind, link method and detail are each either a new text or the
// number of one met earlier in the pack (varint v: even, a text of v / 2
// bytes follows; odd, the (v >> 1)th non-empty new text of the pack, of the
// first kMaxPackTexts). A person's records repeat their kinds, their link
// method and often their details (the same bank branch, the same hospital):
// a province's packs are about a quarter smaller.
inline constexpr size_t kMaxPackTexts = 64;

// Writes one format-2 pack at the end of `out`.
class PackWriter {
 public:
  // Writes the header.
  explicit PackWriter(std::string& out);
  void Add(const PackedRecord& r);

 private:
  std::string& out_;
  std::vector<std::pair<size_t, size_t>> texts_;  // (offset in out_, size): out_ may move as it grows
};

// Decodes `bytes` as exactly one format-1 record (how a bulk unit's arena
// holds each). Returns false when they are not one whole record.
bool DecodeArenaRecord(std::string_view bytes, PackedRecord& out);

// Replaces `out` with the records of `pack` (either format), in order.
// Errors: kInternal when the bytes end inside a record, a length overruns, a
// text reference names no earlier text, or the format is unknown.
Status DecodePack(std::string_view pack, std::vector<PackedRecord>& out);

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_EVIDENCE_PACK_H_
