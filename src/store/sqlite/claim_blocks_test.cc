#include "store/sqlite/claim_blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <random>

namespace tacit::sqlite {
namespace {

TEST(ClaimBlocks, FindsEveryClaimAndNothingElse) {
  std::mt19937_64 rng(7);
  std::vector<Claim> claims;
  for (size_t i = 0; i < kClaimsPerBlock; ++i) claims.emplace_back(static_cast<int64_t>(rng()), int64_t(i) + 1);
  claims.emplace_back(INT64_MIN, 900);  // the extremes and a negative slot encode as well
  claims.emplace_back(INT64_MAX, 901);
  claims.emplace_back(-1, 902);
  std::sort(claims.begin(), claims.end());
  const std::string block = EncodeClaimBlock(claims);
  EXPECT_EQ(block.size(), claims.size() * 16);
  for (const auto& [slot, id] : claims) EXPECT_EQ(*FindInClaimBlock(block, slot), id);
  for (const auto& [slot, id] : claims) {
    if (slot == INT64_MAX) continue;
    const int64_t next = slot + 1;
    if (!std::binary_search(claims.begin(), claims.end(), Claim{next, 0},
                            [](const Claim& a, const Claim& b) { return a.first < b.first; })) {
      EXPECT_EQ(*FindInClaimBlock(block, next), 0);
    }
  }
  std::vector<Claim> back;
  ASSERT_TRUE(DecodeClaimBlock(block, back));
  EXPECT_EQ(back, claims);
  EXPECT_EQ(*FindInClaimBlock("", 5), 0);
}

TEST(ClaimBlocks, ABlockThatIsNotWholeClaimsIsAnError) {
  std::string block = EncodeClaimBlock(std::vector<Claim>{{1, 2}, {3, 4}});
  block.pop_back();
  EXPECT_FALSE(FindInClaimBlock(block, 1));
  std::vector<Claim> out;
  EXPECT_FALSE(DecodeClaimBlock(block, out));
}

TEST(ClaimBlocks, AFullBlockFitsOnePage) {
  // SQLite keeps up to (usable page size - 35) bytes of a row on its table page.
  EXPECT_LE(kClaimsPerBlock * 16, 4096u - 35u - 16u);
}

}  // namespace
}  // namespace tacit::sqlite
