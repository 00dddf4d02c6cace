// Micro-benchmarks of the hot pieces of ingest and of the monthly run:
//
//   ParseIdNumber      identity-number normalisation and validation, clean and
//                      with each kind of noise partner feeds carry
//   ReadFeedBytes      the canonical CSV reader over ~100k rows in memory
//                      (checksum, RFC 4180 fields, kind, sex and date checks),
//                      alone and followed by ParseIdNumber per row
//   DeriveSchedule     24 months of one entitlement from its facts
//   PackArena          a bulk unit's batches encoding their linked records
//                      into the arena (SQLite backend, bulk_packs.h)
//   GatherPacks        the commit's gathering of those records into one pack
//                      a person, from the arena's file order
//
// Every input is generated here from a fixed seed and a fixed "today", so runs
// are comparable. The whole binary takes well under 30 s:
//
//   build/bench/micro_bench                                # all
//   build/bench/micro_bench --benchmark_filter=ReadFeed    # some
//
// Figures and the machine they were taken on: docs/performance.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/bulk_packs.h"
#include "store/sqlite/evidence_pack.h"
#include "tacit/civil.h"
#include "tacit/feed.h"
#include "tacit/id_number.h"
#include "tacit/policy.h"
#include "tacit/schedule.h"

namespace tacit {
namespace {

// A fixed "today" so that birth-date and occurred_on checks see the same data
// on every run.
const Date kToday = Date::FromCivil(2026, 11, 27);

constexpr std::string_view kAreas[] = {"140105", "140106", "140202", "140311", "140421",
                                       "140522", "140602", "140721", "140802", "141002"};

// A valid 18-character number for a person born between 1930 and 1975.
std::string MakeId(std::mt19937_64& rng) {
  std::string id(kAreas[rng() % std::size(kAreas)]);
  const int year = 1930 + static_cast<int>(rng() % 46);
  const int month = 1 + static_cast<int>(rng() % 12);
  const int day = 1 + static_cast<int>(rng() % 28);
  const int seq = static_cast<int>(rng() % 1000);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%03d", year, month, day, seq);
  id += buf;
  id.push_back(IdCheckCharacter(id));
  return id;
}

// The kinds of noise the demo generator puts into partner rows (src/demo/demo.cc).
enum class Noise { kClean, kLowerX, kLegacy15, kFullWidth, kSpaces, kMistyped, kMissing, kMix };

std::string AddNoise(std::mt19937_64& rng, const std::string& id, Noise noise) {
  switch (noise) {
    case Noise::kClean:
      return id;
    case Noise::kLowerX: {
      std::string s = id;
      if (s[17] == 'X') s[17] = 'x';
      return s;
    }
    case Noise::kLegacy15:
      return id.substr(0, 6) + id.substr(8, 9);
    case Noise::kFullWidth: {
      std::string s;
      for (char c : id) {
        s += "\xEF\xBC";
        s.push_back(static_cast<char>(c == 'X' ? 0xB8 : 0x90 + (c - '0')));
      }
      return s;
    }
    case Noise::kSpaces:
      return " " + id + "  ";
    case Noise::kMistyped: {
      std::string s = id;
      const size_t pos = rng() % 17;
      s[pos] = static_cast<char>('0' + (s[pos] - '0' + 1 + static_cast<int>(rng() % 9)) % 10);
      return s;
    }
    case Noise::kMissing:
      return "";
    case Noise::kMix: {
      // The demo's shares: 1% missing, 2% legacy, 1% full-width, 1% spaces,
      // 0.5% mistyped, the rest clean (30% of X checks lower-case).
      const double u = std::uniform_real_distribution<double>(0, 1)(rng);
      if (u < 0.010) return "";
      if (u < 0.030) return AddNoise(rng, id, Noise::kLegacy15);
      if (u < 0.040) return AddNoise(rng, id, Noise::kFullWidth);
      if (u < 0.050) return AddNoise(rng, id, Noise::kSpaces);
      if (u < 0.055) return AddNoise(rng, id, Noise::kMistyped);
      if (id[17] == 'X' && u < 0.3) return AddNoise(rng, id, Noise::kLowerX);
      return id;
    }
  }
  return id;
}

void BM_ParseIdNumber(benchmark::State& state, Noise noise) {
  std::mt19937_64 rng(20261127);
  std::vector<std::string> inputs;
  while (inputs.size() < 4096) {
    const std::string id = MakeId(rng);
    if (noise == Noise::kLowerX && id[17] != 'X') continue;  // only numbers whose check is X
    inputs.push_back(AddNoise(rng, id, noise));
  }
  size_t i = 0;
  int64_t ok = 0;
  for (auto _ : state) {
    IdParse p = ParseIdNumber(inputs[i], kToday);
    ok += p.ok() ? 1 : 0;
    benchmark::DoNotOptimize(p);
    i = (i + 1) & 4095;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["valid_share"] =
      benchmark::Counter(static_cast<double>(ok) / static_cast<double>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_ParseIdNumber, clean, Noise::kClean)->MinTime(0.2);
BENCHMARK_CAPTURE(BM_ParseIdNumber, lower_x, Noise::kLowerX)->MinTime(0.2);
BENCHMARK_CAPTURE(BM_ParseIdNumber, legacy15, Noise::kLegacy15)->MinTime(0.2);
BENCHMARK_CAPTURE(BM_ParseIdNumber, full_width, Noise::kFullWidth)->MinTime(0.2);
BENCHMARK_CAPTURE(BM_ParseIdNumber, spaces, Noise::kSpaces)->MinTime(0.2);
BENCHMARK_CAPTURE(BM_ParseIdNumber, mistyped, Noise::kMistyped)->MinTime(0.2);
BENCHMARK_CAPTURE(BM_ParseIdNumber, missing, Noise::kMissing)->MinTime(0.2);
BENCHMARK_CAPTURE(BM_ParseIdNumber, feed_mix, Noise::kMix)->MinTime(0.2);

// A canonical feed file of `rows` rows in memory, shaped like the demo's bank
// and medical files: the id noise mix, names, dates in the year before today,
// half the rows with a JSON detail (CSV-quoted).
const std::string& CanonicalCsv() {
  static const std::string csv = [] {
    constexpr int kRows = 100000;
    constexpr std::string_view kSources[][2] = {{"bank", "bank_counter"},
                                                {"medical_insurance", "medical_settlement"},
                                                {"health", "hospital_admission"},
                                                {"railway", "travel"}};
    constexpr std::string_view kNames[] = {"王秀英", "李建国", "张桂兰", "刘玉珍", "陈志强", "杨淑芬"};
    std::mt19937_64 rng(7);
    std::string out = "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
    out.reserve(static_cast<size_t>(kRows) * 150);
    char buf[64];
    for (int i = 0; i < kRows; ++i) {
      const std::string id = MakeId(rng);
      const auto& sk = kSources[rng() % std::size(kSources)];
      out.append(sk[0]).append(",").append(sk[1]).append(",");
      out += AddNoise(rng, id, Noise::kMix);
      out.append(",").append(kNames[rng() % std::size(kNames)]);
      out.append((id[16] - '0') % 2 == 1 ? ",M," : ",F,");
      out.append(id, 6, 4).append("-").append(id, 10, 2).append("-").append(id, 12, 2);
      out.append(",").append(id, 0, 6).append("101,");
      const Date on = kToday - 30 - static_cast<int32_t>(rng() % 330);
      out += on.ToString();
      std::snprintf(buf, sizeof buf, ",R%010d,", i + 1);
      out += buf;
      if (rng() % 2 == 0) out += R"("{""bank"":""中国银行"",""branch"":""小店区支行""}")";
      out += '\n';
    }
    return out;
  }();
  return csv;
}

const Policy& DefaultPolicy() {
  static const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  return policy;
}

FeedReadOptions CanonicalOptions() {
  FeedReadOptions options;
  options.today = kToday;
  options.is_known_kind = [](std::string_view kind) { return DefaultPolicy().FindKind(kind) != nullptr; };
  return options;
}

void BM_ReadFeedBytes(benchmark::State& state) {
  const std::string& csv = CanonicalCsv();
  const FeedReadOptions options = CanonicalOptions();
  int64_t rows = 0;
  for (auto _ : state) {
    int64_t accepted = 0;
    auto summary = ReadFeedBytes(
        "bench.csv", csv, options, [&](const FeedRow& row) { accepted += row.occurred_on.days() != 0; },
        [](const FeedReject&) {});
    if (!summary) {
      state.SkipWithError("ReadFeedBytes failed");
      return;
    }
    rows += summary->rows;
    benchmark::DoNotOptimize(accepted);
  }
  state.SetItemsProcessed(rows);
  state.SetBytesProcessed(static_cast<int64_t>(csv.size()) * state.iterations());
}
BENCHMARK(BM_ReadFeedBytes)->Unit(benchmark::kMillisecond)->MinTime(1.0);

// The parse stage of ingest on one core: read, then normalise and validate the
// identity number of every accepted row.
void BM_ReadFeedBytesAndParseId(benchmark::State& state) {
  const std::string& csv = CanonicalCsv();
  const FeedReadOptions options = CanonicalOptions();
  int64_t rows = 0;
  for (auto _ : state) {
    int64_t valid = 0;
    auto summary = ReadFeedBytes(
        "bench.csv", csv, options,
        [&](const FeedRow& row) { valid += ParseIdNumber(row.id_number, kToday).ok() ? 1 : 0; },
        [](const FeedReject&) {});
    if (!summary) {
      state.SkipWithError("ReadFeedBytes failed");
      return;
    }
    rows += summary->rows;
    benchmark::DoNotOptimize(valid);
  }
  state.SetItemsProcessed(rows);
  state.SetBytesProcessed(static_cast<int64_t>(csv.size()) * state.iterations());
}
BENCHMARK(BM_ReadFeedBytesAndParseId)->Unit(benchmark::kMillisecond)->MinTime(1.0);

// 24 months (2025-01 .. 2026-12) of one entitlement as of kToday. Arg 0: a
// person alive all along (monthly medical settlements, a bank visit each
// quarter, so certifications keep renewing); 1: the same person dying in
// 2026-03 (cremation learned late, then a contradicting signal); 2: a person
// with no signal since the baseline (certification lapses, months suspended).
void BM_DeriveSchedule(benchmark::State& state) {
  const Policy& policy = DefaultPolicy();
  EntitlementTerms terms;
  terms.id = 1;
  terms.scheme = Scheme::kEnterprise;
  terms.paying_region = "140105";
  terms.start = Month::Of(2012, 3);
  terms.amounts = {{Month::Of(2012, 3), 258033, 113534}, {Month::Of(2025, 1), 268033, 117934},
                   {Month::Of(2026, 1), 276033, 121534}};
  PersonFacts facts;
  facts.baseline_certified = Date::FromCivil(2024, 11, 5);
  int64_t id = 1;
  if (state.range(0) != 2) {
    for (int m = 0; m < 22; ++m) {
      const Date on = Month::Of(2025, 1 + m % 12).FirstDay() + 9 + (m >= 12 ? 365 : 0);
      if (on > kToday) break;
      facts.facts.push_back({id++, "medical_settlement", "medical_insurance", on, on + 20});
      if (m % 3 == 0) facts.facts.push_back({id++, "bank_counter", "bank", on + 5, on + 25});
    }
  }
  if (state.range(0) == 1) {
    facts.facts.push_back({id++, "cremation", "civil_affairs", Date::FromCivil(2026, 3, 14),
                           Date::FromCivil(2026, 6, 2)});
    facts.facts.push_back({id++, "travel", "railway", Date::FromCivil(2026, 4, 2), Date::FromCivil(2026, 4, 5)});
  }
  size_t months = 0;
  for (auto _ : state) {
    std::vector<MonthDecision> decisions =
        DeriveSchedule(policy, terms, facts, Month::Of(2025, 1), Month::Of(2026, 12), kToday);
    months = decisions.size();
    benchmark::DoNotOptimize(decisions);
  }
  state.SetItemsProcessed(state.iterations());  // schedules (entitlements) per second
  state.counters["months"] = static_cast<double>(months);
  state.counters["facts"] = static_cast<double>(facts.facts.size());
  state.SetLabel(state.range(0) == 0 ? "alive" : state.range(0) == 1 ? "died 2026-03" : "silent, lapsed");
}
BENCHMARK(BM_DeriveSchedule)->Arg(0)->Arg(1)->Arg(2)->MinTime(0.3);

// A bulk unit like a province's year, scaled down: 12 monthly batches of
// 200,000 persons' records (about five each over the year, a fifth of the
// persons silent), kinds, link methods and details from the feeds' own
// vocabularies, each batch's records in file (random person) order. The arena
// is some 60 MB: gathering from it misses the cache as the real one does.
struct UnitRecord {
  int64_t person;
  sqlite::PackedRecord record;
};

const std::vector<std::vector<UnitRecord>>& UnitBatches() {
  static const std::vector<std::vector<UnitRecord>> batches = [] {
    static const std::vector<std::string> details = [] {
      std::vector<std::string> d = {"", "{\"hospital\":\"山西省人民医院\"}", "{\"from\":\"运城\",\"to\":\"长治\"}"};
      for (int i = 0; i < 200; ++i) d.push_back("{\"bank\":\"中国银行\",\"branch\":\"第" + std::to_string(i) + "支行\"}");
      return d;
    }();
    constexpr int kPersons = 200000;
    constexpr int kBatches = 12;
    // The records' views point here: reserved for every record there could
    // be, so that no reallocation moves a short (in-place) text under a view.
    static std::vector<std::string> refs;
    constexpr const char* kKinds[] = {"travel", "medical_settlement", "bank_counter", "hospital_admission"};
    std::mt19937_64 rng(7);
    std::vector<std::vector<UnitRecord>> out(kBatches);
    refs.reserve(static_cast<size_t>(kBatches) * kPersons);
    for (int b = 0; b < kBatches; ++b) {
      for (int p = 1; p <= kPersons; ++p) {
        if (p % 5 == 0 || rng() % 12 >= 5) continue;
        const size_t kind = rng() % std::size(kKinds);
        out[static_cast<size_t>(b)].push_back(
            {p,
             {.source_id = 1 + static_cast<int64_t>(kind),
              .batch_id = 1 + b,
              .occurred_on = 20400 + 30 * b + static_cast<int32_t>(rng() % 28),
              .received_on = 20780,
              .kind = kKinds[kind],
              .link_method = rng() % 10 == 0 ? "exact_normalised" : "exact",
              .link_score = 1.0,
              .ref = {},  // below, once the batch is in file order
              .detail = details[kind == 0 ? 2 : kind == 2 ? 3 + p % 200 : kind == 3 ? 1 : 0]}});
      }
      std::shuffle(out[static_cast<size_t>(b)].begin(), out[static_cast<size_t>(b)].end(), rng);
      for (UnitRecord& r : out[static_cast<size_t>(b)]) {
        refs.push_back("YB2026" + std::to_string(b) + std::to_string(1000000 + r.person));
        r.record.ref = refs.back();
      }
    }
    return out;
  }();
  return batches;
}

// The unit's arena and runs, as its batches leave them (SqliteStore::ApplyBatch).
void FillUnit(sqlite::BulkPacks& packs) {
  uint32_t provisional = 0;
  for (const std::vector<UnitRecord>& batch : UnitBatches()) {
    packs.runs.push_back(packs.entries.size());
    std::vector<std::pair<uint64_t, uint32_t>> placed(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const size_t at = packs.bytes.size();
      sqlite::AppendPackedRecord(packs.bytes, batch[i].record);
      placed[i] = {at, static_cast<uint32_t>(packs.bytes.size() - at)};
    }
    std::vector<uint32_t> order(batch.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return batch[a].person < batch[b].person; });
    for (const uint32_t i : order) packs.entries.push_back({batch[i].person, provisional++, placed[i].second, placed[i].first});
  }
  packs.first_provisional = 1;
  packs.entry_of.assign(provisional, 0);
}

void BM_PackArena(benchmark::State& state) {
  size_t records = 0, bytes = 0;
  for (const auto& batch : UnitBatches()) records += batch.size();
  for (auto _ : state) {
    std::string arena;
    arena.reserve(records * 128);
    for (const auto& batch : UnitBatches()) {
      for (const UnitRecord& r : batch) sqlite::AppendPackedRecord(arena, r.record);
    }
    bytes = arena.size();
    benchmark::DoNotOptimize(arena.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(records) * state.iterations());
  state.counters["arena_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_PackArena)->Unit(benchmark::kMillisecond)->MinTime(1.0);

void BM_GatherPacks(benchmark::State& state) {
  sqlite::BulkPacks packs;
  FillUnit(packs);
  sqlite::MergePackRuns(packs);
  const std::vector<uint32_t> starts = sqlite::PackStarts(packs);
  const size_t count = starts.size() - 1;
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (size_t first = 0; first < count; first += sqlite::PackFeed::kPacksPerRun) {
      sqlite::GatheredPacks run = sqlite::GatherPacks(packs, starts, first, std::min(count, first + sqlite::PackFeed::kPacksPerRun));
      if (!run.status) {
        state.SkipWithError("GatherPacks failed");
        return;
      }
      bytes += run.bytes.size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(packs.entries.size()) * state.iterations());
  state.counters["packs"] = static_cast<double>(count);
  state.counters["packs_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_GatherPacks)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace
}  // namespace tacit

BENCHMARK_MAIN();
