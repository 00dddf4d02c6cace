// Benchmarks of probabilistic linkage (include/tacit/linkage.h):
//
//   Compare            one comparison vector of a prepared pair (comparisons/s)
//   CompareNames       the name comparison alone, on variant names
//   ScorePair          comparison, weights and term-frequency adjustment
//   LinkProvince       the whole job at scale: a registry of 1,000,000 persons
//                      indexed, 100,000 unlinked records prepared, blocked,
//                      trained (EM) and decided; one iteration, with the
//                      comparisons, links and peak memory as counters
//
// Inputs are generated from fixed seeds. LinkProvince takes about half a
// minute; leave it out with --benchmark_filter=-LinkProvince or run it alone:
//
//   build/bench/linkage_bench --benchmark_filter=LinkProvince
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tacit/id_number.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

const Date kAsOf = Date::FromCivil(2026, 11, 27);

const Simplifier& Simp() {
  static const Simplifier s = *Simplifier::Create();
  return s;
}

// Surnames roughly by frequency (the first ones repeat to weigh more).
constexpr std::string_view kSurnames[] = {
    "王", "王", "王", "李", "李", "李", "张", "张", "张", "刘", "刘", "陈", "陈", "杨", "赵",
    "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋",
    "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈",
    "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余", "潘",
    "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹",
    "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史", "顾", "侯",
    "邵", "孟", "龙", "万", "段", "欧阳", "司马", "诸葛", "上官"};
constexpr std::string_view kGiven[] = {
    "秀", "英", "华", "明", "国", "军", "兰", "丽", "芳", "建", "志", "玉", "红", "海", "平",
    "德", "文", "桂", "珍", "凤", "春", "金", "荣", "梅", "云", "林", "成", "强", "伟", "敏",
    "静", "霞", "勇", "杰", "娟", "涛", "斌", "超", "波", "辉", "刚", "健", "福", "生", "龙",
    "元", "全", "胜", "学", "祥", "才", "发", "武", "新", "利", "清", "飞", "彬", "富", "顺",
    "信", "子", "杰", "涛", "昌", "成", "康", "星", "光", "天", "达", "安", "岩", "中", "茂",
    "进", "林", "有", "坚", "和", "彪", "博", "诚", "先", "敬", "震", "振", "壮", "会", "思",
    "群", "豪", "心", "邦", "承", "乐", "绍", "功", "松", "善", "厚", "庆", "磊", "民", "友",
    "裕", "河", "哲", "江", "超", "浩", "亮", "政", "谦", "亨", "奇", "固", "之", "轮", "翰",
    "朗", "伯", "宏", "言", "若", "鸣", "朋", "斌", "梁", "栋", "维", "启", "克", "伦", "翔",
    "旭", "鹏", "泽", "晨", "辰", "士", "以", "建", "家", "致", "树", "炎", "德", "行", "时",
    "泰", "盛", "雄", "琛", "钧", "冠", "策", "腾", "楠", "榕", "风", "航", "弘", "淑", "惠"};
// Variants partner feeds write: traditional and same-sound characters.
constexpr std::pair<std::string_view, std::string_view> kVariants[] = {
    {"华", "華"}, {"陈", "陳"}, {"刘", "劉"}, {"张", "張"}, {"英", "瑛"}, {"明", "铭"},
    {"兰", "岚"}, {"丽", "莉"}, {"军", "君"}, {"红", "虹"}, {"国", "國"}, {"东", "東"}};

std::string MakeId(std::string_view county, Date birth, int seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6s%04d%02d%02d%03d", std::string(county).c_str(), birth.year(),
                birth.month(), birth.day(), seq % 1000);
  std::string id(buf);
  id.push_back(IdCheckCharacter(id));
  return id;
}

// A province of `n` persons in 100 counties of province 14, born 1930-1966.
std::vector<RegistryPerson> Province(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<RegistryPerson> out;
  out.reserve(n);
  std::vector<int> seq_of(100 * 366 * 40, 0);  // next sequence per county and birth date
  for (int i = 0; i < n; ++i) {
    std::string name(kSurnames[rng() % std::size(kSurnames)]);
    name += kGiven[rng() % std::size(kGiven)];
    if (rng() % 4) name += kGiven[rng() % std::size(kGiven)];
    const int county = static_cast<int>(rng() % 100);
    const int year = 1930 + static_cast<int>(rng() % 37);
    const Date birth = Date::FromCivil(year, 1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28));
    char code[16];
    std::snprintf(code, sizeof code, "14%02d%02d%03d%03d", 1 + county / 10, 1 + county % 10,
                  static_cast<int>(rng() % 20), static_cast<int>(rng() % 30));
    const int slot = (county * 366 + (birth.month() - 1) * 31 + birth.day()) * 40 + (year - 1930) % 40;
    RegistryPerson p;
    p.fields.id_text = MakeId(code, birth, seq_of[slot % seq_of.size()]++);
    p.key = ParseIdNumber(p.fields.id_text, kAsOf).id.key();
    p.fields.name = std::move(name);
    p.fields.sex = rng() % 2 ? Sex::kMale : Sex::kFemale;
    p.fields.birth_date = birth;
    p.fields.region_code = code;
    if (rng() % 3 == 0) p.fields.phone = "13" + std::to_string(100000000 + rng() % 900000000);
    out.push_back(std::move(p));
  }
  return out;
}

std::string Vary(std::string name, std::mt19937_64& rng) {
  for (int tries = 0; tries < 4; ++tries) {
    const auto& [from, to] = kVariants[rng() % std::size(kVariants)];
    if (const auto at = name.find(from); at != std::string::npos) return name.replace(at, from.size(), to);
  }
  return name;
}

// Unlinked records: 70% of registry persons with the noise feeds carry (no
// number, a mistyped one, a variant name, swapped or missing birth date), 30%
// people outside the registry.
// `truth`, when given, receives the registry index each record was made from
// (-1 for outsiders).
std::vector<LinkFields> Records(const std::vector<RegistryPerson>& persons, int n, uint64_t seed,
                                std::vector<int64_t>* truth = nullptr) {
  std::mt19937_64 rng(seed);
  const auto outsiders = Province(n * 3 / 10 + 1, seed + 1);
  std::vector<LinkFields> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (i % 10 >= 7) {
      LinkFields f = outsiders[i % outsiders.size()].fields;
      f.id_text.clear();
      out.push_back(std::move(f));
      if (truth) truth->push_back(-1);
      continue;
    }
    const size_t who = rng() % persons.size();
    if (truth) truth->push_back(static_cast<int64_t>(who));
    LinkFields f = persons[who].fields;
    const std::string id = f.id_text;
    f.phone.clear();
    f.id_text.clear();
    switch (rng() % 5) {
      case 0: break;
      case 1: {  // a mistyped number: one of the first 17 characters
        const size_t pos = rng() % 17;
        f.id_text = id;
        f.id_text[pos] = id[pos] == '9' ? '0' : static_cast<char>(id[pos] + 1);
        break;
      }
      case 2: f.name = Vary(f.name, rng); break;
      case 3: {
        const Date b = *f.birth_date;
        if (b.day() <= 12) f.birth_date = Date::FromCivil(b.year(), b.day(), b.month());
        break;
      }
      case 4: f.birth_date.reset(); break;
    }
    out.push_back(std::move(f));
  }
  return out;
}

struct Pairs {
  std::vector<PreparedRecord> a, b;
};

const Pairs& SomePairs() {
  static const Pairs pairs = [] {
    const auto persons = Province(4000, 3);
    const auto records = Records(persons, 4000, 4);
    Pairs p;
    for (size_t i = 0; i < records.size(); ++i) {
      p.a.push_back(PrepareRecord(records[i], Simp(), kAsOf));
      p.b.push_back(PrepareRecord(persons[(i * 7) % persons.size()].fields, Simp(), kAsOf));
    }
    return p;
  }();
  return pairs;
}

void BM_Compare(benchmark::State& state) {
  const Pairs& p = SomePairs();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Compare(p.a[i], p.b[i]));
    if (++i == p.a.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Compare);

void BM_CompareNames(benchmark::State& state) {
  const Pairs& p = SomePairs();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(CompareNames(p.a[i].name, p.b[i].name));
    if (++i == p.a.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CompareNames);

void BM_ScorePair(benchmark::State& state) {
  const auto persons = Province(4000, 3);
  const auto index = *RegistryIndex::Build(persons, Simp(), {}, kAsOf);
  const Pairs& p = SomePairs();
  const Model model = InitialModel("bench");
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ScorePair(model, index, p.a[i], static_cast<uint32_t>(i)));
    if (++i == p.a.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScorePair);

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void BM_LinkProvince(benchmark::State& state) {
  const int n_persons = static_cast<int>(state.range(0));
  const int n_records = static_cast<int>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    const auto persons = Province(n_persons, 1);
    std::vector<int64_t> truth;
    const auto records = Records(persons, n_records, 2, &truth);
    state.ResumeTiming();
    auto t = std::chrono::steady_clock::now();
    const auto index = RegistryIndex::Build(persons, Simp(), {}, kAsOf);
    if (!index) {
      state.SkipWithError("index");
      return;
    }
    state.counters["index_s"] = Seconds(t);
    t = std::chrono::steady_clock::now();
    TrainingOptions training;
    const auto run = LinkRecords(*index, records, "bench", training, Thresholds{});
    if (!run) {
      state.SkipWithError("link");
      return;
    }
    const double link_s = Seconds(t);
    state.counters["link_s"] = link_s;
    int64_t links = 0, reviews = 0, wrong = 0, linkable = 0;
    for (size_t i = 0; i < run->results.size(); ++i) {
      const auto& r = run->results[i];
      linkable += truth[i] >= 0;
      reviews += r.outcome == Outcome::kReview;
      if (r.outcome != Outcome::kLink) continue;
      ++links;
      // Outsiders may share everything with a registry person by chance; the
      // generator's persons are told apart by their index.
      wrong += static_cast<int64_t>(r.best->person) != truth[i];
    }
    state.counters["wrong_links"] = static_cast<double>(wrong);
    state.counters["recall"] = static_cast<double>(links - wrong) / static_cast<double>(linkable);
    int64_t capped = 0;
    for (const auto& rule : run->blocking.rules) capped += rule.capped_records;
    state.counters["comparisons"] = static_cast<double>(run->blocking.comparisons);
    state.counters["comparisons_per_s"] = run->blocking.comparisons / link_s;
    state.counters["links"] = static_cast<double>(links);
    state.counters["reviews"] = static_cast<double>(reviews);
    state.counters["capped_records"] = static_cast<double>(capped);
    state.counters["em_iterations"] = run->model.training.iterations;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mb"] = usage.ru_maxrss / 1024.0;
}
BENCHMARK(BM_LinkProvince)->Args({1'000'000, 100'000})->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace tacit::linkage

BENCHMARK_MAIN();
