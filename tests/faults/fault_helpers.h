// Helpers for the fault tests: a small province made by `tacit demo`, feed
// files, and the "nothing was damaged" checks (SQLite's integrity check, the
// row counts that matter, the audit chain, the statistics).
#ifndef TACIT_TESTS_FAULTS_FAULT_HELPERS_H_
#define TACIT_TESTS_FAULTS_FAULT_HELPERS_H_

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "run.h"

namespace tacit::testing {

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteText(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// The identity numbers of the registry file `tacit demo` wrote (first column).
inline std::vector<std::string> RegistryIds(const std::filesystem::path& registry_csv) {
  std::vector<std::string> ids;
  std::istringstream in(ReadText(registry_csv));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const std::string id = line.substr(0, line.find(','));
    if (!id.empty() && (ids.empty() || ids.back() != id)) ids.push_back(id);
  }
  return ids;
}

// A canonical CSV feed of bank-counter visits by the first `people` registry
// persons, `per_person` rows each, refs `prefix`00001…; ends with a line break.
inline std::string BankFeed(const std::vector<std::string>& ids, size_t people, int per_person,
                            const std::string& prefix, const std::string& occurred_on = "2026-11-20") {
  std::string out = "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  int n = 0;
  for (int k = 0; k < per_person; ++k) {
    for (size_t i = 0; i < people && i < ids.size(); ++i) {
      char ref[32];
      std::snprintf(ref, sizeof ref, "%s%07d", prefix.c_str(), ++n);
      out += "bank,bank_counter," + ids[i] + ",,,,," + occurred_on + "," + ref + ",\n";
    }
  }
  return out;
}

// One query's single value from a SQLite file opened read-only ("" when no row;
// "error: …" when the query fails).
inline std::string SqliteValue(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  const std::string uri = "file:" + db.string() + "?mode=ro";
  if (sqlite3_open_v2(uri.c_str(), &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK) {
    std::string e = "error: " + std::string(h ? sqlite3_errmsg(h) : "open");
    sqlite3_close(h);
    return e;
  }
  sqlite3_busy_timeout(h, 10000);
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    out = "error: " + std::string(sqlite3_errmsg(h));
  } else {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      out = t ? t : "";
    } else if (rc != SQLITE_DONE) {
      out = "error: " + std::string(sqlite3_errmsg(h));
    }
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

// What a fault must not change: the rows that carry money and knowledge, the
// trail, and the file's integrity.
struct StoreState {
  std::string integrity, persons, evidence, batches, runs, payments, audit;
  bool operator==(const StoreState&) const = default;
};

inline StoreState ReadState(const std::filesystem::path& db) {
  return StoreState{.integrity = SqliteValue(db, "PRAGMA integrity_check"),
                    .persons = SqliteValue(db, "SELECT count(*) FROM person"),
                    .evidence = SqliteValue(db, "SELECT (SELECT count(*) FROM evidence) + "
                                                "(SELECT coalesce(sum(last_id - first_id + 1), 0) FROM evidence_pack)"),
                    .batches = SqliteValue(db, "SELECT count(*) FROM batch"),
                    .runs = SqliteValue(db, "SELECT count(*) FROM cycle_run"),
                    .payments = SqliteValue(db, "SELECT count(*) || '/' || coalesce(sum(amount_fen), 0) FROM payment"),
                    .audit = SqliteValue(db, "SELECT count(*) FROM audit")};
}

inline std::ostream& operator<<(std::ostream& os, const StoreState& s) {
  return os << "{integrity " << s.integrity << ", persons " << s.persons << ", evidence " << s.evidence
            << ", batches " << s.batches << ", runs " << s.runs << ", payments " << s.payments << ", audit "
            << s.audit << "}";
}

// True when `text` holds an 18-character identity number (or its first 17
// digits): messages must never quote one.
inline bool QuotesAnIdentityNumber(const std::string& text) {
  static const std::regex id("[0-9]{17}[0-9Xx]");
  return std::regex_search(text, id);
}

// `tacit ARGS` in `dir` after the shell text `prefix` (such as "ulimit -f 500"),
// with TACIT_TODAY fixed.
inline Output TacitAfter(const std::filesystem::path& dir, const std::string& prefix, const std::string& args,
                         const std::string& today = "2026-11-27") {
  const std::string cmd = "cd '" + dir.string() + "' && " + prefix + " && TACIT_TODAY=" + today + " '" +
                          TACIT_BINARY + "' " + args + " 2>&1";
  Output o;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  const int rc = pclose(p);
  o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return o;
}

// Runs a shell command line; returns its exit code.
inline int Shell(const std::string& command) {
  const int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace tacit::testing

#endif  // TACIT_TESTS_FAULTS_FAULT_HELPERS_H_
