// Ingest through the HTTP API (issue 5: "batched ingest through the API at
// 100,000 records per second or more"), against the library's own IngestFiles
// on the same records in the same run.
//
// Self-contained: it synthesises a registry and a partner's records (railway
// travel checks: most about registry persons, some about people who draw
// nothing, some without a number), starts the real server in-process on
// 127.0.0.1:0 with a partner API key, and times five ways of ingesting the
// same records, each into a fresh store holding only the registry:
//
//   A  direct      IngestFiles, one call per JSON Lines file of --push records
//   A1 direct      IngestFiles, one call for all those files (`tacit ingest
//                  FILES...`: one unit of work, the ceiling)
//   B  API push    POST /api/v1/records, JSON arrays of --push records,
//                  from --clients threads at once
//   C  direct      IngestFiles, one call per CSV file of --file-rows rows
//   D  API upload  POST /api/v1/batches, the same CSV files, --clients threads
//
// Request bodies and files are prepared before the clock starts. Each way
// must end with the same counts (linked, unlinked, dropped, rejected); the
// program prints the figures, the ratios B/A, B/A1 and D/C, and PASS/FAIL
// against the target, and exits 0 only when the counts agree and B reaches it.
//
//   build/bench/api_ingest_bench                       # defaults: ~1-2 minutes
//   build/bench/api_ingest_bench --records 200000      # a quick check
//   bench/api_ingest.sh                                # the same, from the repository root
#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tacit/access.h"
#include "tacit/ingest.h"
#include "tacit/policy.h"
#include "tacit/registry.h"
#include "tacit/secrets.h"
#include "tacit/server.h"
#include "tacit/store.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  int64_t persons = 200'000;
  int64_t records = 1'000'000;
  int64_t push = 10'000;        // records per pushed array (the API's maximum)
  int64_t file_rows = 100'000;  // rows per uploaded file
  int clients = 8;              // partners pushing at once (tacit serve has 8 worker threads)
  bool keep = false;
  double target = 100'000;  // records per second through the API (issue 5)
};

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "api_ingest_bench: {}\n", what);
  std::exit(2);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r) Die(fmt::format("{}: {}", what, r.error().ToString()));
  return std::move(*r);
}
void Must(Status s, const char* what) {
  if (!s) Die(fmt::format("{}: {}", what, s.error().ToString()));
}

// The 18-character identity number of person `i` of an area: birth dates
// spread over 1940-1965, sequence numbers 000-999.
std::string IdOf(const std::string& area, int64_t i) {
  const Date birth =
      Date::FromDays(Date::FromCivil(1940, 1, 1).days() + static_cast<int32_t>(i / 1000 % 9000));
  std::string id17 = area + fmt::format("{:04d}{:02d}{:02d}{:03d}", birth.year(), birth.month(),
                                        birth.day(), i % 1000);
  return id17 + IdCheckCharacter(id17);
}

struct Record {
  std::string id_number;  // may be empty
  std::string occurred_on;
  std::string ref;
};

// Records of real-name rail travel: 80% about registry persons, 15% about
// people who draw nothing (dropped), 5% without a number (kept unlinked).
std::vector<Record> MakeRecords(const Options& o, Date today) {
  std::mt19937_64 rng(20261127);
  std::vector<Record> out;
  out.reserve(static_cast<size_t>(o.records));
  for (int64_t i = 0; i < o.records; ++i) {
    Record r;
    const uint64_t dice = rng() % 100;
    if (dice < 80) {
      r.id_number = IdOf("140105", static_cast<int64_t>(rng() % static_cast<uint64_t>(o.persons)));
    } else if (dice < 95) {
      r.id_number = IdOf("110105", static_cast<int64_t>(rng() % 5'000'000));
    }
    r.occurred_on = Date::FromDays(today.days() - 1 - static_cast<int32_t>(rng() % 300)).ToString();
    r.ref = fmt::format("E{:010d}", i);
    out.push_back(std::move(r));
  }
  return out;
}

json RecordJson(const Record& r) {
  json j = {{"kind", "travel"},
            {"occurred_on", r.occurred_on},
            {"ref", r.ref},
            {"name", "张三"},
            {"detail", {{"from", "太原"}, {"to", "大同"}}}};
  if (!r.id_number.empty()) j["id_number"] = r.id_number;
  return j;
}

std::string CsvOf(const std::vector<Record>& records, size_t from, size_t to) {
  std::string out = "source,kind,id_number,name,occurred_on,ref,detail\n";
  for (size_t i = from; i < to; ++i) {
    const Record& r = records[i];
    out += fmt::format(
        "railway,travel,{},张三,{},{},\"{{\"\"from\"\":\"\"太原\"\",\"\"to\"\":\"\"大同\"\"}}\"\n",
        r.id_number, r.occurred_on, r.ref);
  }
  return out;
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) Die("cannot write " + path.string());
}

// The registry file: `persons` people in 140105, one enterprise pension each.
std::string RegistryCsv(const Options& o, Date today) {
  std::string out =
      "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,"
      "start_month,special_care\n";
  for (int64_t i = 0; i < o.persons; ++i) {
    IdParse p = ParseIdNumber(IdOf("140105", i), today);
    if (!p.ok()) Die("generated an invalid identity number");
    out += fmt::format("{},张三,{},{},,140105001001,enterprise,140105,3000.00,2015-01,0\n",
                       p.id.text(), p.id.sex() == Sex::kMale ? "M" : "F",
                       p.id.birth_date().ToString());
  }
  return out;
}

// A store holding the registry only, imported as `tacit registry import` does.
void MakeStore(const std::string& db, const Policy& policy, const std::string& registry_csv,
               Date today) {
  auto store = Must(OpenSqliteStore(db), "open store");
  Must(store->Migrate(), "migrate");
  Must(store->SavePolicy(policy), "policy");
  (void)Must(store->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                   {"1401", "太原市", "14", RegionLevel::kCity},
                                   {"140105", "小店区", "1401", RegionLevel::kCounty}}),
             "regions");
  const RegistryImportResult r =
      Must(ImportRegistryFile(*store, policy, registry_csv, today), "registry");
  if (r.rejected > 0) Die(fmt::format("{} registry rows rejected", r.rejected));
}

struct Counts {
  int64_t rows = 0, linked = 0, unlinked = 0, dropped = 0, rejected = 0, duplicates = 0,
          batches = 0;
  bool operator==(const Counts&) const = default;
};

// What the store holds after a way of ingesting: the batches' counts summed.
Counts Stored(const std::string& db) {
  auto store = Must(OpenSqliteStore(db), "open store");
  Counts c;
  for (const BatchRecord& b : Must(store->ListBatches(), "batches")) {
    c.rows += b.rows;
    c.linked += b.linked;
    c.unlinked += b.unlinked;
    c.dropped += b.dropped;
    c.rejected += b.rejected;
    c.duplicates += b.duplicates;
    ++c.batches;
  }
  return c;
}

struct Way {
  std::string name;
  double seconds = 0;
  Counts counts;
};

double Direct(const std::string& db, const Policy& policy, const std::vector<std::string>& files,
              Date today) {
  auto store = Must(OpenSqliteStore(db), "open store");
  const auto start = Clock::now();
  for (const std::string& f : files) {
    IngestInput in{f, "", "railway", today};
    in.registration = FeedRegistration{"railway", {"travel"}};
    (void)Must(IngestFiles(*store, policy, {in}, IngestOptions{.today = today, .parse_threads = 1}),
               "ingest");
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Starts the server on the store, registers a partner, sends every body from
// `clients` threads (each takes the next body), returns the wall time.
double ThroughApi(const std::string& db, const Policy& policy, const fs::path& work,
                  const Options& o, const std::vector<std::string>& bodies,
                  const std::string& path_prefix, const std::string& content_type,
                  bool numbered_names) {
  const Secrets secrets = Secrets::FromBytesForTest(std::string(32, 'b'));
  std::string api_key;
  {
    auto store = Must(OpenSqliteStore(db), "open store");
    api_key = Must(AddPartner(*store, policy, secrets,
                              {.name = "railway-bench",
                               .role = Role::kPartner,
                               .source = "railway",
                               .kinds = {"travel"}},
                              0),
                   "partner")
                  .api_key;
  }
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = o.clients;
  options.upload_dir = (work / "uploads").string();
  auto server = Must(Server::Create({.open_store = [db] { return OpenSqliteStore(db); },
                                     .policy = policy,
                                     .secrets = secrets},
                                    options),
                     "server");
  const int port = Must(server->Bind(), "bind");
  std::thread serving([&] { server->Run(); });
  std::atomic<size_t> next{0};
  std::mutex failed_mu;
  std::string failed;
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < o.clients; ++t) {
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_read_timeout(300, 0);
      c.set_write_timeout(300, 0);
      const httplib::Headers auth = {{"Authorization", "Bearer " + api_key}};
      for (size_t i = next++; i < bodies.size(); i = next++) {
        const std::string path =
            numbered_names ? fmt::format("{}{:05d}.csv", path_prefix, i) : path_prefix;
        auto res = c.Post(path, auth, bodies[i], content_type);
        if (!res || res->status != 201) {
          std::lock_guard lock(failed_mu);
          failed = res ? fmt::format("{} {}", res->status, res->body.substr(0, 300))
                       : fmt::format("no reply ({})", httplib::to_string(res.error()));
          return;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  server->Stop();
  serving.join();
  if (!failed.empty()) Die("request failed: " + failed);
  return seconds;
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> int64_t {
      if (i + 1 >= argc) Die(a + " needs a value");
      return std::atoll(argv[++i]);
    };
    if (a == "--persons")
      o.persons = value();
    else if (a == "--records")
      o.records = value();
    else if (a == "--push")
      o.push = value();
    else if (a == "--file-rows")
      o.file_rows = value();
    else if (a == "--clients")
      o.clients = static_cast<int>(value());
    else if (a == "--keep")
      o.keep = true;
    else
      Die("usage: api_ingest_bench [--persons N] [--records N] [--push N] [--file-rows N] "
          "[--clients N] [--keep]");
  }
  if (o.persons < 1 || o.records < 1 || o.push < 1 || o.push > 10'000 || o.file_rows < 1 ||
      o.clients < 1) {
    Die("--persons, --records, --file-rows and --clients must be positive; --push 1..10000");
  }
  spdlog::set_level(spdlog::level::warn);
  const Date today = Today();
  const Policy policy = Must(ParsePolicy(DefaultPolicyText(), "default"), "policy");
  const fs::path work = fs::temp_directory_path() / ("tacit_api_bench_" + RandomHex(4));
  fs::create_directories(work);

  fmt::print(
      "api_ingest_bench: {} registry persons, {} records, pushes of {}, files of {} rows, {} "
      "clients; "
      "work dir {}\n",
      o.persons, o.records, o.push, o.file_rows, o.clients, work.string());
  auto t0 = Clock::now();
  const std::vector<Record> records = MakeRecords(o, today);
  // B's bodies: JSON arrays; A's files: the same records as JSON Lines.
  std::vector<std::string> push_bodies;
  std::vector<std::string> jsonl_files;
  fs::create_directories(work / "jsonl");
  fs::create_directories(work / "csv");
  for (size_t from = 0; from < records.size(); from += static_cast<size_t>(o.push)) {
    const size_t to = std::min(records.size(), from + static_cast<size_t>(o.push));
    json array = json::array();
    std::string lines;
    for (size_t i = from; i < to; ++i) {
      json j = RecordJson(records[i]);
      lines += j.dump();
      lines += '\n';
      array.push_back(std::move(j));
    }
    push_bodies.push_back(array.dump());
    jsonl_files.push_back(
        (work / "jsonl" / fmt::format("push-{:05d}.jsonl", jsonl_files.size())).string());
    WriteFile(jsonl_files.back(), lines);
  }
  // C's and D's: CSV files.
  std::vector<std::string> csv_bodies, csv_files;
  for (size_t from = 0; from < records.size(); from += static_cast<size_t>(o.file_rows)) {
    const size_t to = std::min(records.size(), from + static_cast<size_t>(o.file_rows));
    csv_bodies.push_back(CsvOf(records, from, to));
    csv_files.push_back((work / "csv" / fmt::format("rail-{:05d}.csv", csv_files.size())).string());
    WriteFile(csv_files.back(), csv_bodies.back());
  }
  size_t push_bytes = 0, csv_bytes = 0;
  for (const auto& b : push_bodies) push_bytes += b.size();
  for (const auto& b : csv_bodies) csv_bytes += b.size();
  fmt::print("prepared {} push bodies ({:.0f} MB) and {} CSV files ({:.0f} MB) in {:.1f} s\n",
             push_bodies.size(), push_bytes / 1e6, csv_bodies.size(), csv_bytes / 1e6,
             std::chrono::duration<double>(Clock::now() - t0).count());

  const std::string registry_csv = (work / "registry.csv").string();
  WriteFile(registry_csv, RegistryCsv(o, today));
  std::vector<Way> ways;
  auto run = [&](const std::string& name,
                 const std::function<double(const std::string&, const fs::path&)>& fn) {
    const fs::path dir = work / fmt::format("way{}", ways.size());
    fs::create_directories(dir);
    const std::string db = (dir / "tacit.db").string();
    const auto s = Clock::now();
    MakeStore(db, policy, registry_csv, today);
    fmt::print("{}: registry of {} persons imported in {:.1f} s (untimed)\n", name, o.persons,
               std::chrono::duration<double>(Clock::now() - s).count());
    Way w{name, fn(db, dir), {}};
    w.counts = Stored(db);
    fmt::print("{}: {:.2f} s, {:.0f} records/s\n", name, w.seconds, o.records / w.seconds);
    ways.push_back(w);
  };
  run("A direct IngestFiles, JSON Lines files of " + std::to_string(o.push),
      [&](const std::string& db, const fs::path&) {
        return Direct(db, policy, jsonl_files, today);
      });
  run("A1 direct IngestFiles, all those files in one call",
      [&](const std::string& db, const fs::path&) {
        auto store = Must(OpenSqliteStore(db), "open store");
        std::vector<IngestInput> inputs;
        for (const std::string& f : jsonl_files) {
          IngestInput in{f, "", "railway", today};
          in.registration = FeedRegistration{"railway", {"travel"}};
          inputs.push_back(std::move(in));
        }
        const auto start = Clock::now();
        (void)Must(IngestFiles(*store, policy, inputs, IngestOptions{.today = today}), "ingest");
        return std::chrono::duration<double>(Clock::now() - start).count();
      });
  run("B API POST /api/v1/records, arrays of " + std::to_string(o.push),
      [&](const std::string& db, const fs::path& dir) {
        return ThroughApi(db, policy, dir, o, push_bodies, "/api/v1/records", "application/json",
                          false);
      });
  run("C direct IngestFiles, CSV files of " + std::to_string(o.file_rows),
      [&](const std::string& db, const fs::path&) { return Direct(db, policy, csv_files, today); });
  run("D API POST /api/v1/batches, CSV files of " + std::to_string(o.file_rows),
      [&](const std::string& db, const fs::path& dir) {
        return ThroughApi(db, policy, dir, o, csv_bodies, "/api/v1/batches?name=rail-", "text/csv",
                          true);
      });

  fmt::print(
      "\n| way | seconds | records/s | batches | linked | unlinked | dropped | rejected |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Way& w : ways) {
    fmt::print("| {} | {:.2f} | {:.0f} | {} | {} | {} | {} | {} |\n", w.name, w.seconds,
               o.records / w.seconds, w.counts.batches, w.counts.linked, w.counts.unlinked,
               w.counts.dropped, w.counts.rejected);
  }
  bool agree = true;
  for (const Way& w : ways) {
    Counts c = w.counts;
    Counts first = ways[0].counts;
    c.batches = first.batches = 0;
    agree = agree && c == first && c.rows == o.records;
  }
  // ways: A, A1, B, C, D.
  const Way &a = ways[0], &a1 = ways[1], &b = ways[2], &c = ways[3], &d = ways[4];
  const double api_rate = o.records / b.seconds;
  fmt::print(
      "\nratio API push / direct (B/A): {:.2f}; API push / one call (B/A1): {:.2f}; "
      "API upload / direct (D/C): {:.2f}\n",
      a.seconds / b.seconds, a1.seconds / b.seconds, c.seconds / d.seconds);
  fmt::print("counts agree across the five ways: {}\n", agree ? "PASS" : "FAIL");
  fmt::print("batched push through the API >= {:.0f} records/s: {} ({:.0f})\n", o.target,
             api_rate >= o.target ? "PASS" : "FAIL", api_rate);
  fmt::print("API upload of files: {:.0f} records/s\n", o.records / d.seconds);
  if (!o.keep) fs::remove_all(work);
  return agree && api_rate >= o.target ? 0 : 1;
}

}  // namespace
}  // namespace tacit

int main(int argc, char** argv) { return tacit::Main(argc, argv); }
