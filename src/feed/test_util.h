// Helpers for the feed module's tests: scratch files and collecting callbacks.
#ifndef TACIT_SRC_FEED_TEST_UTIL_H_
#define TACIT_SRC_FEED_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tacit/feed.h"

namespace tacit::feed_test {

// A fresh directory for the running test, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir() {
    const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(testing::TempDir()) /
            ("tacit_feed_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" +
             info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  // Writes `bytes` to `name` in the directory and returns the full path.
  std::string Write(const std::string& name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    std::ofstream out(p, std::ios::binary);
    out << bytes;
    return p;
  }
  std::string Path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A FeedRow with its views copied, for checking after the callback.
struct OwnedRow {
  int64_t line = 0;
  std::string source, kind, id_number, name;
  Sex sex = Sex::kUnknown;
  std::optional<Date> birth_date;
  std::string region_code;
  Date occurred_on;
  std::string ref, detail;
};

struct Collected {
  std::vector<OwnedRow> rows;
  std::vector<FeedReject> rejects;
  Result<FeedReadSummary> summary = FeedReadSummary{};
};

inline Date Day(int y, int m, int d) { return Date::FromCivil(y, m, d); }

// Options with today = 2026-11-27 and every kind known.
inline FeedReadOptions Options(const Mapping* mapping = nullptr) {
  FeedReadOptions o;
  o.mapping = mapping;
  o.today = Day(2026, 11, 27);
  return o;
}

inline Collected ReadFile(const std::string& path, const FeedReadOptions& options) {
  Collected c;
  c.summary = ReadFeedFile(
      path, options,
      [&](const FeedRow& r) {
        c.rows.push_back(OwnedRow{r.line, std::string(r.source), std::string(r.kind),
                                  std::string(r.id_number), std::string(r.name), r.sex,
                                  r.birth_date, std::string(r.region_code), r.occurred_on,
                                  std::string(r.ref), std::string(r.detail)});
      },
      [&](const FeedReject& r) { c.rejects.push_back(r); });
  return c;
}

inline Collected ReadText(const std::string& name, const std::string& bytes,
                          const FeedReadOptions& options) {
  Collected c;
  c.summary = ReadFeedBytes(
      name, bytes, options,
      [&](const FeedRow& r) {
        c.rows.push_back(OwnedRow{r.line, std::string(r.source), std::string(r.kind),
                                  std::string(r.id_number), std::string(r.name), r.sex,
                                  r.birth_date, std::string(r.region_code), r.occurred_on,
                                  std::string(r.ref), std::string(r.detail)});
      },
      [&](const FeedReject& r) { c.rejects.push_back(r); });
  return c;
}

}  // namespace tacit::feed_test

#endif  // TACIT_SRC_FEED_TEST_UTIL_H_
