#include "store/sqlite/claim_blocks.h"

#include <fmt/format.h>

namespace tacit::sqlite {
namespace {

constexpr size_t kClaimBytes = 16;

// Writes v little-endian at p (the compiler makes it one store).
void PutLe64(char* p, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int b = 0; b < 8; ++b) p[b] = static_cast<char>((u >> (8 * b)) & 0xff);
}

int64_t GetLe64(const char* p) {
  uint64_t u = 0;
  for (int b = 7; b >= 0; --b) u = (u << 8) | static_cast<unsigned char>(p[b]);
  return static_cast<int64_t>(u);
}

Status CheckSize(std::string_view block) {
  if (block.size() % kClaimBytes == 0) return {};
  return Internal(fmt::format("evidence_ref_block: a block of {} bytes is not a whole number of claims", block.size()));
}

}  // namespace

std::string EncodeClaimBlock(std::span<const Claim> claims) {
  std::string out(claims.size() * kClaimBytes, '\0');
  char* p = out.data();
  for (const auto& [slot, id] : claims) {
    PutLe64(p, slot);
    PutLe64(p + 8, id);
    p += kClaimBytes;
  }
  return out;
}

Result<int64_t> FindInClaimBlock(std::string_view block, int64_t slot) {
  RETURN_IF_ERROR(CheckSize(block));
  size_t lo = 0, hi = block.size() / kClaimBytes;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t at = GetLe64(block.data() + mid * kClaimBytes);
    if (at == slot) return GetLe64(block.data() + mid * kClaimBytes + 8);
    if (at < slot) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return int64_t{0};
}

Status DecodeClaimBlock(std::string_view block, std::vector<Claim>& out) {
  RETURN_IF_ERROR(CheckSize(block));
  for (size_t off = 0; off < block.size(); off += kClaimBytes) {
    out.emplace_back(GetLe64(block.data() + off), GetLe64(block.data() + off + 8));
  }
  return {};
}

}  // namespace tacit::sqlite
