// What a damaged store's integrity check becomes in a message.
#include <gtest/gtest.h>

#include "store/backup/backup_internal.h"

namespace tacit::backup {
namespace {

TEST(IntegritySummary, CountsTheProblemsAndMasksLongDigitRuns) {
  // SQLite groups page problems under a heading; index problems come as rows
  // of their own (one line each here).
  const std::string report =
      "*** in database main ***\n"
      "On tree page 232 cell 28: Rowid 140202195001011234 out of order\n"
      "Page 236: btreeInitPage() returns error code 11\n"
      "row 5 missing from index person_name_birth";
  const std::string summary = IntegritySummary(report);
  EXPECT_NE(summary.find("found 3 problems"), std::string::npos) << summary;
  EXPECT_NE(summary.find("On tree page 232 cell 28: Rowid ****************** out of order"), std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("140202"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("btreeInitPage"), std::string::npos) << "only the first problem: " << summary;
}

TEST(IntegritySummary, ShortNumbersStayAndOneLineIsOneProblem) {
  const std::string summary = IntegritySummary("Page 12 is never used");
  EXPECT_NE(summary.find("found 1 problems, the first): Page 12 is never used"), std::string::npos) << summary;
  EXPECT_NE(IntegritySummary("Rowid 123456789 out of order").find("123456789"), std::string::npos);
  EXPECT_EQ(IntegritySummary("Rowid 1234567890 out of order").find("1234567890"), std::string::npos);
}

}  // namespace
}  // namespace tacit::backup
