// The (source, ref) claims of bulk units, packed. A claim is a hash slot and
// the id of the evidence record holding it (see SqliteStore::ClaimRefSlot);
// a bulk unit writes all claims of the store as one ascending run cut into
// blocks of kClaimsPerBlock, one row of evidence_ref_block per block, keyed by
// its first slot. A row per claim in evidence_ref cost a B-tree insert each
// (about 1.3 s of a province's first load); a block is a page's worth of
// claims written at once. Internal to the SQLite backend.
#ifndef TACIT_SRC_STORE_SQLITE_CLAIM_BLOCKS_H_
#define TACIT_SRC_STORE_SQLITE_CLAIM_BLOCKS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tacit/result.h"

namespace tacit::sqlite {

using Claim = std::pair<int64_t, int64_t>;  // (slot, evidence id)

// Claims per block: 16 bytes each, so a block (3,968 bytes) fits one 4 KiB page.
inline constexpr size_t kClaimsPerBlock = 248;

// The bytes of one block: each claim as two little-endian 64-bit integers.
// REQUIRES: `claims` ascending by slot, slots distinct.
std::string EncodeClaimBlock(std::span<const Claim> claims);

// The evidence id holding `slot` in `block`, or 0 when the block holds no such
// slot. Errors: kInternal when the block is not a whole number of claims.
Result<int64_t> FindInClaimBlock(std::string_view block, int64_t slot);

// Appends the claims of `block` to `out`, in order.
// Errors: kInternal when the block is not a whole number of claims.
Status DecodeClaimBlock(std::string_view block, std::vector<Claim>& out);

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_CLAIM_BLOCKS_H_
