// Pieces shared by the linkage module's files (internal).
#ifndef TACIT_SRC_LINKAGE_INTERNAL_H_
#define TACIT_SRC_LINKAGE_INTERNAL_H_

#include <cstdint>
#include <span>
#include <vector>

#include "tacit/linkage.h"

namespace tacit::linkage_internal {

// A comparison vector in 4 bits per comparison.
inline uint32_t Pack(const linkage::ComparisonVector& v) {
  uint32_t p = 0;
  for (int c = 0; c < linkage::kComparisonCount; ++c) p |= static_cast<uint32_t>(v[c]) << (4 * c);
  return p;
}
inline linkage::ComparisonVector Unpack(uint32_t p) {
  linkage::ComparisonVector v;
  for (int c = 0; c < linkage::kComparisonCount; ++c) v[c] = (p >> (4 * c)) & 0xF;
  return v;
}
inline bool IsMissing(int comparison, int level) {
  return level == linkage::kLevelCount[comparison] - 1;
}

// The packed comparison vector of every blocked pair, in pair order.
std::vector<uint32_t> CompareAll(const linkage::RegistryIndex& index,
                                 std::span<const linkage::PreparedRecord> records,
                                 const linkage::Blocking& blocking);

// Trains from vectors already computed (TrainModel without comparing twice).
linkage::Model TrainFromVectors(const linkage::RegistryIndex& index,
                                std::span<const linkage::PreparedRecord> records,
                                std::span<const uint32_t> packed, std::string source,
                                const linkage::TrainingOptions& options);

}  // namespace tacit::linkage_internal

#endif  // TACIT_SRC_LINKAGE_INTERNAL_H_
