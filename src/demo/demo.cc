// The demo province generator. See include/tacit/demo.h for what it writes.
//
// One pass over the persons: each person is drawn from a random stream of its
// own (seed, person index), written to the registry and, in the same step, the
// year of traces they leave is written to the monthly feed files, so nothing
// but a hash set of identity numbers grows with the number of people. Rows of
// strangers (people who draw nothing) follow in a second, smaller pass, each
// source and month on a stream of its own. A recipient's twin (someone outside
// the registry with their name, sex and birth date) is drawn right after them
// on a stream of its own, so the registry does not change with the share of
// twins. The same options therefore give the same bytes.
//
// Every feed row gets a row in truth.csv as it is written: who it is about and
// the labels of the noise and hard cases drawn for it (PrepareRow), so the
// labels describe what the row shows, not what was intended (a same-sound
// variant of a name with no character in the table leaves no label).
#include "tacit/demo.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "demo/names.h"
#include "demo/rng.h"
#include "demo/sink.h"
#include "demo/text.h"
#include "tacit/civil.h"
#include "tacit/id_number.h"
#include "tacit/regions.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using demo::AppendCsvField;
using demo::AppendJsonString;
using demo::AppendUint;
using demo::Rng;
using demo::Sink;

constexpr std::string_view kRegistryHeader =
    "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,"
    "start_month,special_care,basic_amount,last_certified_on\n";
constexpr std::string_view kCanonicalHeader =
    "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
constexpr std::string_view kTruthHeader = "source,ref,kind,true_id_number,noise,twin_of\n";

// ---------------------------------------------------------------------------
// Sources and their files.

enum Source { kCremation = 0, kRailway, kHospital, kHousehold, kBank, kMedical, kSourceCount };

struct SourceSpec {
  std::string_view source;   // DemoFeedFile::source and the canonical source field
  std::string_view prefix;   // file name: <prefix>-YYYY-MM.<ext>
  std::string_view ext;      // extension in the department's layout
  std::string_view mapping;  // mapping file name; empty for canonical files
  bool gbk;                  // department layout is GBK
  std::string_view header;   // department header line; empty for JSON Lines
};

constexpr SourceSpec kSources[kSourceCount] = {
    {"civil_affairs", "cremation", "csv", "civil_affairs_cremation.toml", true,
     "记录编号,死者姓名,性别,身份证号码,出生日期,火化日期,殡仪馆\n"},
    {"railway", "railway", "csv", "railway_travel.toml", false,
     "ticket_no,passenger_name,cert_type,cert_no,travel_date,from_station,to_station\n"},
    {"health", "hospital", "jsonl", "health_hospital.toml", false, ""},
    {"public_security", "household", "csv", "", false, kCanonicalHeader},
    {"bank", "bank", "csv", "", false, kCanonicalHeader},
    {"medical_insurance", "medical", "csv", "", false, kCanonicalHeader},
};

// Health events: the hospital's own codes and the canonical kinds.
enum HealthEvent { kAdmission, kDischarge, kCheckup, kDeath };
constexpr std::string_view kHealthCode[] = {"入院", "出院", "体检", "死亡"};
constexpr std::string_view kHealthKind[] = {"hospital_admission", "hospital_discharge",
                                            "health_checkup", "death"};
// An event code the hospital sends but the mapping does not know (quarantined).
constexpr std::string_view kUnknownHealthCode = "转院";
constexpr std::string_view kUnknownHealthKind = "hospital_transfer";

// ---------------------------------------------------------------------------
// Rates. Each is a share of rows or persons; the comments say of what.

constexpr int64_t kMaxPeople = 100000000;

constexpr double kMaleShare = 0.47;        // of pensioners (women live longer, retire earlier)
constexpr double kEnterpriseShare = 0.45;  // of persons: 企业职工基本养老保险
constexpr double kPublicShare = 0.10;  // 机关事业单位养老保险; the rest 城乡居民基本养老保险
constexpr double kAgeMeanAboveMinimum = 12.0;  // years; ages are skewed young
constexpr double kSecondEntitlementShare = 0.03;
constexpr double kOtherPayingRegionShare = 0.05;
constexpr double kNoPhoneShare = 0.03;
constexpr double kNoCertificationShare = 0.02;  // besides new retirees, who have none yet
constexpr double kSilentShare = 0.10;           // persons with no alive signal in the year
// Annual mortality: kMortalityAt60 * exp(kMortalityGrowth * (age - 60)), which
// gives about 1.5% a year over the demo's age mix.
constexpr double kMortalityAt60 = 0.0042;
constexpr double kMortalityGrowth = 0.09;
constexpr double kHealthDeathShare = 0.55;      // of deaths: a hospital death record too
constexpr double kHouseholdCancelShare = 0.60;  // of deaths: household registration cancelled
constexpr double kContradictionShare = 0.07;  // of deaths (~0.1% of persons): a signal after death
constexpr double kStrangerCremationShare =
    0.12;                                 // cremations of non-recipients, per recipient death
constexpr double kAdmissionShare = 0.45;  // of health events: an admission (and discharge)

// Alive-signal sources: share of all alive-signal rows, and the share of those
// rows that are about people who draw nothing.
struct SignalMix {
  Source source;
  double share;
  double stranger_share;
};
constexpr SignalMix kSignalMix[] = {
    {kRailway, 0.15, 0.70},
    {kHospital, 0.25, 0.15},
    {kMedical, 0.35, 0.10},
    {kBank, 0.25, 0.10},
};

// Identity-number noise in partner rows (cumulative thresholds of one draw).
// A mistyped number never passes the check character: MOD 11-2 catches every
// single wrong digit and every swap of two different adjacent digits.
constexpr double kIdMissing = 0.010;
constexpr double kIdLegacy15 = 0.020;
constexpr double kIdFullWidth = 0.010;
constexpr double kIdSpaces = 0.010;
constexpr double kIdMistypedDigit = 0.003;  // one of the first 17 digits wrong
constexpr double kIdTransposed = 0.002;     // two adjacent digits of the first 17 swapped
constexpr double kIdLowerX = 0.30;  // of numbers whose check character is X

// Hard cases for probabilistic linkage (issue #4); truth.csv labels every one.
//
// Names and birth dates written another way, drawn for every row after its
// identity number (one name variant at most, one birth-date variant at most).
// Errors come together: the clerk who left the number out or mistyped it is
// the one who also wrote the name from hearing, so rows without a usable
// number carry variants far more often.
struct VariantShares {
  double traditional;    // every character that has one in its traditional form (陈建华 → 陳建華)
  double same_sound;     // one given-name character replaced by a same-sounding one (秀英 → 秀瑛)
  double swapped_birth;  // month and day swapped; applied only when the day is 1-12 and not the month
  double no_birth;       // birth date left out (sources that send one)
};
constexpr VariantShares kVariantsWithUsableId = {0.010, 0.005, 0.003, 0.005};
constexpr VariantShares kVariantsWithoutUsableId = {0.12, 0.12, 0.10, 0.10};
// Twins: people outside the registry with a recipient's name, sex and birth
// date (DemoOptions::twin_share of recipients have one). Half live in the
// recipient's county, the rest anywhere in the province; a fifth die in the
// year, so their cremation and death records exist too. They mostly appear
// without a usable number: a twin's row with a valid number is about someone
// the registry does not know and is dropped, never linked by name.
constexpr double kTwinSameCounty = 0.5;
constexpr double kTwinDeathShare = 0.20;
constexpr double kTwinIdMissing = 0.60;   // of a twin's rows
constexpr double kTwinIdMistyped = 0.15;  // of a twin's rows (digit or transposition)

// Identity numbers of people born elsewhere: real county codes of other provinces.
constexpr std::string_view kOutsideAreas[] = {"110105", "120101", "130102", "130402", "150102",
                                              "210102", "370102", "410102", "410802", "610102"};
constexpr std::string_view kOutsideStations[] = {"北京西",   "北京",       "石家庄", "郑州东",
                                                 "西安北",   "呼和浩特东", "天津",   "济南西",
                                                 "上海虹桥", "广州南",     "成都东", "银川"};
constexpr std::string_view kBanks[] = {"中国邮政储蓄银行", "中国农业银行", "中国工商银行",
                                       "中国建设银行",     "中国银行",     "农村商业银行"};
constexpr std::string_view kPharmacies[] = {"老百姓大药房", "国大药房", "一心堂", "益丰大药房"};

// ---------------------------------------------------------------------------
// The province: villages with their township, county and city.

struct City {
  std::string code;
  std::string name;     // 太原市
  std::string station;  // 太原
};
struct County {
  std::string code;
  std::string name;
  uint32_t city = 0;
  uint32_t first_village = 0;  // villages are sorted by code: a county's are contiguous
  uint32_t villages = 0;
};
struct Township {
  std::string code;
  std::string name;
  uint32_t county = 0;
};
struct Village {
  std::string code;
  uint32_t township = 0;
  uint32_t county = 0;
};

struct Province {
  std::string code;
  std::string name;  // 山西省
  std::vector<City> cities;
  std::vector<County> counties;
  std::vector<Township> townships;
  std::vector<Village> villages;
};

std::string_view StripSuffix(std::string_view s, std::string_view suffix) {
  if (s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix) {
    s.remove_suffix(suffix.size());
  }
  return s;
}

Result<Province> BuildProvince(const std::vector<Region>& regions, std::string_view code) {
  Province p;
  p.code = std::string(code);
  std::unordered_map<std::string, std::string> names;
  std::vector<std::string> village_codes;
  for (const Region& r : regions) {
    if (r.code.size() < 2 || std::string_view(r.code).substr(0, 2) != code) continue;
    if (r.level == RegionLevel::kVillage) {
      if (r.code.size() == 12) village_codes.push_back(r.code);
    } else if (r.level == RegionLevel::kProvince) {
      p.name = r.name;
    } else {
      names.emplace(r.code, r.name);
    }
  }
  if (village_codes.empty()) {
    return FailedPrecondition("the division table has no villages under province " + p.code);
  }
  if (p.name.empty()) p.name = p.code + "省";
  // Independent of the order the caller's table is in.
  std::sort(village_codes.begin(), village_codes.end());
  village_codes.erase(std::unique(village_codes.begin(), village_codes.end()), village_codes.end());

  auto name_of = [&](const std::string& c, std::string_view fallback) {
    auto it = names.find(c);
    return it == names.end() ? std::string(fallback) : it->second;
  };
  const std::string province_short(StripSuffix(StripSuffix(p.name, "省"), "市"));
  std::unordered_map<std::string, uint32_t> city_index, county_index, township_index;
  for (const std::string& vc : village_codes) {
    std::string city_code = vc.substr(0, 4), county_code = vc.substr(0, 6),
                town_code = vc.substr(0, 9);
    auto [ci, city_new] = city_index.emplace(city_code, static_cast<uint32_t>(p.cities.size()));
    if (city_new) {
      City c;
      c.code = city_code;
      c.name = name_of(city_code, "");
      // Municipalities list their districts under 市辖区; name those after the province.
      if (c.name.empty() || c.name == "市辖区" || c.name == "县" ||
          c.name.find("直辖") != std::string::npos) {
        c.name = p.name;
      }
      c.station = std::string(StripSuffix(StripSuffix(c.name, "市"), "省"));
      if (c.station.empty()) c.station = province_short;
      p.cities.push_back(std::move(c));
    }
    auto [oi, county_new] =
        county_index.emplace(county_code, static_cast<uint32_t>(p.counties.size()));
    if (county_new) {
      County c;
      c.code = county_code;
      c.name = name_of(county_code, p.cities[ci->second].name);
      c.city = ci->second;
      c.first_village = static_cast<uint32_t>(p.villages.size());
      p.counties.push_back(std::move(c));
    }
    ++p.counties[oi->second].villages;
    auto [ti, town_new] =
        township_index.emplace(town_code, static_cast<uint32_t>(p.townships.size()));
    if (town_new) {
      Township t;
      t.code = town_code;
      t.name = name_of(town_code, p.counties[oi->second].name);
      t.county = oi->second;
      p.townships.push_back(std::move(t));
    }
    p.villages.push_back(Village{vc, ti->second, oi->second});
  }
  return p;
}

// ---------------------------------------------------------------------------
// A set of identity numbers (their first 17 digits), open addressing.

class IdSet {
 public:
  explicit IdSet(uint64_t expected) {
    uint64_t cap = 1024;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, 0);
    mask_ = cap - 1;
  }
  // Returns false if `key` was present already.
  bool Insert(uint64_t key) {
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
    return InsertNoGrow(key + 1);
  }
  bool Contains(uint64_t key) const {
    const uint64_t k = key + 1;
    for (uint64_t i = Hash(k) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == k) return true;
      if (slots_[i] == 0) return false;
    }
  }

 private:
  static uint64_t Hash(uint64_t k) { return (k * 0x9E3779B97F4A7C15ULL) >> 17; }
  bool InsertNoGrow(uint64_t k) {
    for (uint64_t i = Hash(k) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == k) return false;
      if (slots_[i] == 0) {
        slots_[i] = k;
        ++size_;
        return true;
      }
    }
  }
  void Grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, 0);
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (uint64_t k : old) {
      if (k != 0) InsertNoGrow(k);
    }
  }
  std::vector<uint64_t> slots_;
  uint64_t mask_ = 0;
  uint64_t size_ = 0;
};

uint64_t Key17(const char* id) {
  uint64_t k = 0;
  for (int i = 0; i < 17; ++i) k = k * 10 + static_cast<uint64_t>(id[i] - '0');
  return k;
}

// ---------------------------------------------------------------------------
// People.

enum class Scheme { kEnterprise, kPublic, kResident };
constexpr std::string_view kSchemeName[] = {"enterprise", "public", "resident"};

struct Person {
  char id[18];
  std::string name;
  bool male = false;
  Date birth;
  int age = 0;
  uint32_t village = 0;
  char phone[11];
  bool has_phone = false;
  bool special_care = false;
  bool has_certification = false;
  Date last_certified_on;
  bool dies = false;
  Date death;
};

struct Entitlement {
  Scheme scheme = Scheme::kEnterprise;
  uint32_t paying_county = 0;
  Fen monthly = 0;
  Fen basic = 0;
  Month start;
};

// Who a feed row is about: a recipient (pensioner), a stranger who draws
// nothing, or a recipient's twin (outside the registry, same name, sex and
// birth date).
enum class Who : uint8_t { kRecipient, kStranger, kTwin };

struct Subject {
  const char* id = nullptr;  // 18 characters, valid
  std::string_view name;
  bool male = false;
  Date birth;
  uint32_t village = 0;
  Who who = Who::kRecipient;
  const char* twin_of = nullptr;  // kTwin: the recipient's number (18 characters)
};

// One row's identifying fields as the partner writes them, and the labels of
// what was done to them (truth.csv's noise column).
struct RowFields {
  std::string id_text;  // empty: left out
  std::string name;
  bool has_birth = true;
  Date birth;
  std::string noise;  // labels joined by '+'; empty means none
  void AddLabel(std::string_view label) {
    if (!noise.empty()) noise.push_back('+');
    noise.append(label);
  }
};

// `date` plus `years` years; 29 February becomes 28 February in common years.
Date AddYears(Date date, int years) {
  int y = date.year() + years, m = date.month(), d = date.day();
  if (!IsValidCivilDate(y, m, d)) d = 28;
  return Date::FromCivil(y, m, d);
}

// A birth date at which a person is exactly `age` (whole years) on `today`.
Date BirthDateForAge(Rng& rng, Date today, int age) {
  Date latest = AddYears(today, -age);            // the birthday is today
  Date earliest = AddYears(today, -age - 1) + 1;  // the birthday is tomorrow
  return earliest + static_cast<int32_t>(rng.Below(static_cast<uint64_t>(latest - earliest + 1)));
}

void WriteIdDigits(std::string_view area, Date birth, int seq, char out[18]) {
  std::memcpy(out, area.data(), 6);
  demo::Ymd t = demo::YmdOf(birth);
  int v = t.y * 10000 + t.m * 100 + t.d;
  for (int i = 13; i >= 6; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
  out[14] = static_cast<char>('0' + seq / 100);
  out[15] = static_cast<char>('0' + seq / 10 % 10);
  out[16] = static_cast<char>('0' + seq % 10);
  out[17] = IdCheckCharacter(std::string_view(out, 17));
}

// A sequence number whose parity is the sex (odd: male), 001..999.
int DrawSequence(Rng& rng, bool male) {
  return male ? static_cast<int>(2 * rng.Below(500) + 1)
              : static_cast<int>(2 * (1 + rng.Below(499)));
}

// ---------------------------------------------------------------------------
// The generator.

class Generator {
 public:
  Generator(const DemoOptions& options, Province province, Date today)
      : options_(options),
        province_(std::move(province)),
        today_(today),
        first_month_(MonthOf(today) - 12),
        window_first_(first_month_.FirstDay()),
        window_last_((MonthOf(today) - 1).LastDay()),
        ids_(static_cast<uint64_t>(options.people) + 1024) {}

  Result<DemoFiles> Run(const std::string& mappings_dir);

 private:
  Status OpenFiles();
  void PlanVolumes();
  void GeneratePerson(int64_t index);
  Entitlement DrawEntitlement(Rng& rng, const Person& p, Scheme scheme, uint32_t paying_county);
  void WriteRegistryRow(const Person& p, const Entitlement& e);
  void GenerateTraces(Rng& rng, const Person& p, Who who, const char* twin_of);
  void GenerateTwin(int64_t index, const Person& recipient);
  void GenerateStrangers();
  void DrawStranger(Rng& rng, bool deceased, Subject& s, char id[18], std::string& name);

  // One row each; rows dated outside the window are not written.
  void EmitAliveSignal(Rng& rng, Source source, const Subject& who, Date date);
  void EmitCremation(Rng& rng, const Subject& who, Date date);
  void EmitRailway(Rng& rng, const Subject& who, Date date);
  void EmitHealth(Rng& rng, const Subject& who, HealthEvent event, Date date);
  void EmitHousehold(Rng& rng, const Subject& who, Date date, Date death);
  void EmitBank(Rng& rng, const Subject& who, Date date);
  void EmitMedical(Rng& rng, const Subject& who, Date date);

  bool InWindow(Date d) const { return d >= window_first_ && d <= window_last_; }
  Sink& SinkFor(Source s, Date d) {
    return *feeds_[static_cast<size_t>(s) * 12 + (MonthOf(d) - first_month_)];
  }
  // Draws how the partner writes the subject's fields into row_ (identity
  // number noise, then name and birth-date variants), with their labels.
  void PrepareRow(Rng& rng, const Subject& who, bool birth_field);
  // Draws whether the row is malformed (an unusable event date), then
  // PrepareRow; returns whether it is malformed.
  bool BeginRow(Rng& rng, Source source, const Subject& who, bool birth_field) {
    const bool bad = rng.Chance(malformed_[source]);
    PrepareRow(rng, who, birth_field);
    if (bad) row_.AddLabel("bad_event_date");
    return bad;
  }
  // scratch_ set to `prefix`, the date as YYYYMMDD and the row number in its
  // file in 8 digits (BK2026050300000012).
  const std::string& DailyRef(std::string_view prefix, Date date, int64_t row) {
    scratch_.assign(prefix);
    demo::AppendCompactDate(scratch_, date);
    AppendUint(scratch_, static_cast<uint64_t>(row), 8);
    return scratch_;
  }
  // Writes row_.id_text; returns false when the number is left out or mistyped.
  bool DrawNoisyId(Rng& rng, const Subject& who);
  // The truth.csv row of the feed row just written.
  void WriteTruth(Source source, std::string_view ref, std::string_view kind, const Subject& who);
  void AppendBadDate(Rng& rng, std::string& out, Date d, char style);
  void AppendCanonicalStart(std::string& out, std::string_view source, std::string_view kind);
  void AppendPersonFields(std::string& out, const Subject& who, bool with_region);
  void AppendHospitalName(Rng& rng, std::string& out, const Subject& who);
  uint32_t RandomCounty(Rng& rng) {
    return static_cast<uint32_t>(rng.Below(province_.counties.size()));
  }
  const Village& VillageOf(const Subject& s) const { return province_.villages[s.village]; }
  const County& CountyOf(const Subject& s) const { return province_.counties[VillageOf(s).county]; }
  const City& CityOf(const Subject& s) const { return province_.cities[CountyOf(s).city]; }

  const DemoOptions& options_;
  const Province province_;
  const Date today_;
  const Month first_month_;
  const Date window_first_, window_last_;
  IdSet ids_;

  std::unique_ptr<Sink> registry_;
  std::unique_ptr<Sink> truth_;  // truth.csv: who each feed row is really about
  std::vector<std::unique_ptr<Sink>> feeds_;  // [source * 12 + month]
  std::vector<DemoFeedFile> feed_files_;      // parallel to feeds_
  int64_t entitlements_ = 0;

  // Volumes planned from the options (PlanVolumes).
  double events_per_active_ = 0;                // alive-signal events per non-silent person
  double recipient_weight_[kSourceCount] = {};  // cumulative choice weights by source
  double stranger_rows_[kSourceCount] = {};     // per month
  double malformed_[kSourceCount] = {};         // probability a row is malformed
  std::string scratch_;                         // the row's reference, while it is formatted
  std::string hospital_scratch_;                // the row's hospital name, while it is formatted
  RowFields row_;                               // the row's identifying fields, while it is formatted
};

void Generator::PlanVolumes() {
  const double n = static_cast<double>(options_.people);
  const double deaths = n * 0.015;
  const double death_rows =
      deaths * (1.0 + kHealthDeathShare + kHouseholdCancelShare * 0.87 + kStrangerCremationShare);
  const double alive_rows = std::max(0.0, options_.feed_rows_per_person * n - death_rows);

  double recipient_rows = 0, rows_per_event = 0, total_weight = 0;
  double expected_rows[kSourceCount] = {};
  expected_rows[kCremation] = deaths * (1 + kStrangerCremationShare) / 12;
  expected_rows[kHousehold] = deaths * kHouseholdCancelShare * 0.87 / 12;
  expected_rows[kHospital] = deaths * kHealthDeathShare / 12;
  for (const SignalMix& m : kSignalMix) {
    const double rows = alive_rows * m.share;
    recipient_rows += rows * (1 - m.stranger_share);
    stranger_rows_[m.source] = rows * m.stranger_share / 12;
    expected_rows[m.source] += rows / 12;
    const double w = m.share * (1 - m.stranger_share);
    total_weight += w;
    rows_per_event += w * (m.source == kHospital ? 1 + kAdmissionShare : 1);
  }
  rows_per_event /= total_weight;
  double cumulative = 0;
  for (const SignalMix& m : kSignalMix) {
    cumulative += m.share * (1 - m.stranger_share) / total_weight;
    recipient_weight_[m.source] = cumulative;
  }
  // Non-silent persons, less the half year the dead lose on average.
  const double active = std::max(1.0, n * (1 - kSilentShare) * (1 - 0.0075));
  events_per_active_ = recipient_rows / active / rows_per_event;

  // A few malformed rows per file: one, plus one for each 20,000 rows, at most four.
  for (int s = 0; s < kSourceCount; ++s) {
    const double e = expected_rows[s];
    const double wanted = e >= 10 ? 1 + std::min(3.0, std::floor(e / 20000)) : 0;
    malformed_[s] = e > 0 ? wanted / e : 0;
  }
}

Status Generator::OpenFiles() {
  const fs::path dir(options_.dir);
  std::error_code ec;
  fs::create_directories(dir / "feeds", ec);
  if (ec) return Unavailable("cannot create " + (dir / "feeds").string() + ": " + ec.message());
  fs::create_directories(dir / "mappings", ec);
  if (ec) return Unavailable("cannot create " + (dir / "mappings").string() + ": " + ec.message());

  registry_ = std::make_unique<Sink>();
  RETURN_IF_ERROR(registry_->Open((dir / "registry.csv").string(), false));
  registry_->row_buffer().append(kRegistryHeader);
  registry_->EndHeader();
  // Beside feeds/, not in it: scripts that ingest feeds/* must not take it for a feed.
  truth_ = std::make_unique<Sink>();
  RETURN_IF_ERROR(truth_->Open((dir / "truth.csv").string(), false));
  truth_->row_buffer().append(kTruthHeader);
  truth_->EndHeader();

  Rng received(demo::StreamSeed(options_.seed, (1ULL << 62) | 1));
  for (int s = 0; s < kSourceCount; ++s) {
    const SourceSpec& spec = kSources[s];
    const bool department = !options_.canonical_feeds && !spec.mapping.empty();
    for (int k = 0; k < 12; ++k) {
      const Month month = first_month_ + k;
      std::string file(spec.prefix);
      file += "-" + month.ToString() + "." + std::string(department ? spec.ext : "csv");
      auto sink = std::make_unique<Sink>();
      RETURN_IF_ERROR(sink->Open((dir / "feeds" / file).string(), department && spec.gbk));
      if (!department || !spec.header.empty()) {
        sink->row_buffer().append(department ? spec.header : kCanonicalHeader);
        sink->EndHeader();
      }
      DemoFeedFile f;
      f.path = sink->path();
      if (department) f.mapping = (dir / "mappings" / std::string(spec.mapping)).string();
      f.source = std::string(spec.source);
      // Departments send a month's file a few days after it ends.
      Date on = month.LastDay() + static_cast<int32_t>(received.Between(2, 7));
      f.received_on = std::min(on, today_).ToString();
      feeds_.push_back(std::move(sink));
      feed_files_.push_back(std::move(f));
    }
  }
  return {};
}

Result<DemoFiles> Generator::Run(const std::string& mappings_dir) {
  RETURN_IF_ERROR(OpenFiles());
  if (!mappings_dir.empty()) {
    for (const SourceSpec& spec : kSources) {
      if (spec.mapping.empty()) continue;
      const fs::path from = fs::path(mappings_dir) / std::string(spec.mapping);
      std::error_code ec;
      if (!fs::exists(from, ec)) continue;
      fs::copy_file(from, fs::path(options_.dir) / "mappings" / std::string(spec.mapping),
                    fs::copy_options::overwrite_existing, ec);
      if (ec) return Unavailable("cannot copy " + from.string() + ": " + ec.message());
    }
  }
  PlanVolumes();
  for (int64_t i = 0; i < options_.people; ++i) GeneratePerson(i);
  GenerateStrangers();

  DemoFiles out;
  out.registry_csv = registry_->path();
  out.truth_csv = truth_->path();
  RETURN_IF_ERROR(registry_->Close());
  for (size_t i = 0; i < feeds_.size(); ++i) {
    out.feed_rows += feeds_[i]->rows();
    RETURN_IF_ERROR(feeds_[i]->Close());
  }
  const int64_t truth_rows = truth_->rows();
  RETURN_IF_ERROR(truth_->Close());
  if (truth_rows != out.feed_rows) {
    return Internal("demo: truth.csv has " + std::to_string(truth_rows) + " rows for " +
                    std::to_string(out.feed_rows) + " feed rows");
  }
  // Ingest order: by the day the agency received the file, then source, then month.
  std::vector<size_t> order(feed_files_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return feed_files_[a].received_on < feed_files_[b].received_on;
  });
  for (size_t i : order) out.feeds.push_back(feed_files_[i]);
  out.persons = options_.people;
  out.entitlements = entitlements_;
  return out;
}

// ---------------------------------------------------------------------------
// Persons and the registry.

void Generator::GeneratePerson(int64_t index) {
  Rng rng(demo::StreamSeed(options_.seed, static_cast<uint64_t>(index)));
  Person p;
  p.male = rng.Chance(kMaleShare);
  const double u = rng.Uniform();
  const Scheme scheme = u < kEnterpriseShare                  ? Scheme::kEnterprise
                        : u < kEnterpriseShare + kPublicShare ? Scheme::kPublic
                                                              : Scheme::kResident;
  // Men draw a pension from 60; women from 50 or 55 (enterprise, public), but the
  // registry's youngest are 55; the residents' scheme pays from 60 for both.
  const int min_age = (p.male || scheme == Scheme::kResident) ? 60 : 55;
  do {
    p.age = min_age + static_cast<int>(rng.Exponential(kAgeMeanAboveMinimum));
  } while (p.age > 100);
  p.birth = BirthDateForAge(rng, today_, p.age);
  p.village = static_cast<uint32_t>(rng.Below(province_.villages.size()));
  const uint32_t home_county = province_.villages[p.village].county;

  // The number was issued where the person was registered at birth (or in 1985):
  // mostly the county they live in now.
  const double a = rng.Uniform();
  std::string_view area = a < 0.88   ? std::string_view(province_.counties[home_county].code)
                          : a < 0.97 ? std::string_view(province_.counties[RandomCounty(rng)].code)
                                     : kOutsideAreas[rng.Below(std::size(kOutsideAreas))];
  WriteIdDigits(area, p.birth, DrawSequence(rng, p.male), p.id);
  for (int tries = 0; !ids_.Insert(Key17(p.id)); ++tries) {
    // Taken: another sequence number, and after many tries the next day.
    if (tries > 20) p.birth = p.birth - 1;
    WriteIdDigits(area, p.birth, DrawSequence(rng, p.male), p.id);
  }
  demo::AppendName(rng, p.male, true, p.name);

  if (!rng.Chance(kNoPhoneShare)) {
    p.has_phone = true;
    static constexpr char kSecond[] = "3333333555558888879996";  // 13x, 15x, 18x most common
    p.phone[0] = '1';
    p.phone[1] = kSecond[rng.Below(sizeof kSecond - 1)];
    for (int i = 2; i < 11; ++i) p.phone[i] = static_cast<char>('0' + rng.Below(10));
  }
  // 特殊人员: limited mobility, visited at home; more among the oldest.
  p.special_care = rng.Chance(p.age < 75 ? 0.012 : p.age < 85 ? 0.05 : 0.15);

  const double mortality = kMortalityAt60 * std::exp(kMortalityGrowth * (p.age - 60));
  if (rng.Chance(mortality)) {
    p.dies = true;
    p.death =
        window_first_ +
        static_cast<int32_t>(rng.Below(static_cast<uint64_t>(window_last_ - window_first_ + 1)));
  }

  const uint32_t paying = rng.Chance(kOtherPayingRegionShare) ? RandomCounty(rng) : home_county;
  const Entitlement first = DrawEntitlement(rng, p, scheme, paying);

  // The last certification (资格认证), 1 to 13 months ago; none yet for new retirees.
  if (first.start >= MonthOf(today_) - 12 || rng.Chance(kNoCertificationShare)) {
    p.has_certification = false;
  } else {
    p.has_certification = true;
    int64_t lo = 30, hi = 395;
    if (p.dies) lo = std::max<int64_t>(lo, today_ - p.death + 1);  // certified before dying
    if (hi < lo) hi = lo;
    p.last_certified_on = today_ - static_cast<int32_t>(rng.Between(lo, hi));
    if (p.last_certified_on < first.start.FirstDay()) p.last_certified_on = first.start.FirstDay();
  }
  WriteRegistryRow(p, first);

  if (rng.Chance(kSecondEntitlementShare)) {
    // A suspected duplicate pension: another scheme (a resident's pension beside a
    // worker's is the usual case), or the same scheme paid by another county.
    Scheme second = scheme;
    uint32_t second_county = paying;
    if (rng.Chance(0.6) && (scheme == Scheme::kResident || p.age >= 60)) {
      second = scheme == Scheme::kResident ? Scheme::kEnterprise : Scheme::kResident;
      if (rng.Chance(0.5)) second_county = RandomCounty(rng);
    } else if (province_.counties.size() > 1) {
      while (second_county == paying) second_county = RandomCounty(rng);
    }
    WriteRegistryRow(p, DrawEntitlement(rng, p, second, second_county));
  }
  GenerateTraces(rng, p, Who::kRecipient, nullptr);
  GenerateTwin(index, p);
}

Entitlement Generator::DrawEntitlement(Rng& rng, const Person& p, Scheme scheme,
                                       uint32_t paying_county) {
  Entitlement e;
  e.scheme = scheme;
  e.paying_county = paying_county;
  int retire_age = 60;
  const double tri = (rng.Uniform() + rng.Uniform()) / 2;  // triangular on [0, 1)
  switch (scheme) {
    case Scheme::kEnterprise:
      if (!p.male) retire_age = rng.Chance(0.6) ? 50 : 55;  // 女工人 50, 女干部 55
      e.monthly = 250000 + static_cast<Fen>(tri * 300000);
      e.basic = e.monthly * static_cast<Fen>(rng.Between(35, 55)) / 100;
      break;
    case Scheme::kPublic:
      if (!p.male) retire_age = 55;
      e.monthly = 450000 + static_cast<Fen>(tri * 450000);
      e.basic = e.monthly * static_cast<Fen>(rng.Between(30, 50)) / 100;
      break;
    case Scheme::kResident: {
      const double v = rng.Uniform();
      e.monthly = 15000 + static_cast<Fen>(v * v * 45000);
      e.basic = std::min<Fen>(e.monthly, 14300 + static_cast<Fen>(rng.Below(6000)));
      break;
    }
  }
  // Paid from the month after the retirement birthday.
  Month start = MonthOf(AddYears(p.birth, retire_age)) + 1;
  // The residents' scheme (新农保, 城居保) paid its first pensions from 2011-2012.
  if (scheme == Scheme::kResident) start = std::max(start, Month::Of(2012, 1));
  e.start = std::min(start, MonthOf(today_));
  return e;
}

void Generator::WriteRegistryRow(const Person& p, const Entitlement& e) {
  std::string& b = registry_->row_buffer();
  b.append(p.id, 18);
  b.push_back(',');
  b.append(p.name);
  b.append(p.male ? ",M," : ",F,");
  demo::AppendIsoDate(b, p.birth);
  b.push_back(',');
  if (p.has_phone) b.append(p.phone, 11);
  b.push_back(',');
  b.append(province_.villages[p.village].code);
  b.push_back(',');
  b.append(kSchemeName[static_cast<int>(e.scheme)]);
  b.push_back(',');
  b.append(province_.counties[e.paying_county].code);
  b.push_back(',');
  b.append(FormatYuan(e.monthly));
  b.push_back(',');
  AppendUint(b, static_cast<uint64_t>(e.start.year()), 4);
  b.push_back('-');
  AppendUint(b, static_cast<uint64_t>(e.start.month()), 2);
  b.append(p.special_care ? ",1," : ",0,");
  b.append(FormatYuan(e.basic));
  b.push_back(',');
  if (p.has_certification) demo::AppendIsoDate(b, p.last_certified_on);
  b.push_back('\n');
  registry_->EndRow();
  ++entitlements_;
}

// ---------------------------------------------------------------------------
// Traces.

void Generator::GenerateTraces(Rng& rng, const Person& p, Who kind, const char* twin_of) {
  const Subject who{p.id, p.name, p.male, p.birth, p.village, kind, twin_of};
  const int32_t window_days = window_last_ - window_first_ + 1;

  if (!rng.Chance(kSilentShare)) {
    const double lambda = events_per_active_;
    const int64_t events = lambda >= 1 ? 1 + rng.Poisson(lambda - 1) : rng.Poisson(lambda);
    for (int64_t e = 0; e < events; ++e) {
      const Date date =
          window_first_ + static_cast<int32_t>(rng.Below(static_cast<uint64_t>(window_days)));
      const double u = rng.Uniform();
      Source source = kBank;
      for (Source s : {kRailway, kHospital, kMedical, kBank}) {
        if (u < recipient_weight_[s]) {
          source = s;
          break;
        }
      }
      // Bedridden people neither travel nor go to the bank counter.
      if (p.special_care && (source == kRailway || source == kBank)) source = kMedical;
      if (p.dies && date >= p.death) continue;
      if (source == kHospital && rng.Chance(kAdmissionShare)) {
        EmitHealth(rng, who, kAdmission, date);
        const Date discharge = date + static_cast<int32_t>(rng.Between(2, 20));
        if (!(p.dies && discharge >= p.death)) EmitHealth(rng, who, kDischarge, discharge);
      } else {
        EmitAliveSignal(rng, source, who, date);
      }
    }
  }
  if (!p.dies) return;

  EmitCremation(rng, who, p.death + static_cast<int32_t>(rng.Between(1, 5)));
  if (rng.Chance(kHealthDeathShare)) EmitHealth(rng, who, kDeath, p.death);
  if (rng.Chance(kHouseholdCancelShare)) {
    EmitHousehold(rng, who, p.death + static_cast<int32_t>(rng.Between(30, 60)), p.death);
  }
  // Someone travels or draws money on the dead person's identity card.
  if (rng.Chance(kContradictionShare) && window_last_ - p.death > 10) {
    const Date date = p.death + static_cast<int32_t>(rng.Between(10, window_last_ - p.death));
    EmitAliveSignal(rng, rng.Chance(0.5) ? kRailway : kBank, who, date);
  }
}

// A twin of `recipient`, drawn on a stream of its own so that the registry
// does not depend on the share of twins. The twin's number is taken from the
// same set as the recipients', so no later recipient gets it.
void Generator::GenerateTwin(int64_t index, const Person& recipient) {
  Rng rng(demo::StreamSeed(options_.seed, (1ULL << 62) | (3ULL << 32) | static_cast<uint64_t>(index)));
  if (!rng.Chance(options_.twin_share)) return;
  Person t;
  t.name = recipient.name;
  t.male = recipient.male;
  t.birth = recipient.birth;
  t.age = recipient.age;
  const County& home = province_.counties[province_.villages[recipient.village].county];
  t.village = rng.Chance(kTwinSameCounty)
                  ? home.first_village + static_cast<uint32_t>(rng.Below(home.villages))
                  : static_cast<uint32_t>(rng.Below(province_.villages.size()));
  const uint32_t county = province_.villages[t.village].county;
  std::string_view area = rng.Chance(0.88)
                              ? std::string_view(province_.counties[county].code)
                              : std::string_view(province_.counties[RandomCounty(rng)].code);
  WriteIdDigits(area, t.birth, DrawSequence(rng, t.male), t.id);
  for (int tries = 0; !ids_.Insert(Key17(t.id)); ++tries) {
    if (tries > 20) area = province_.counties[RandomCounty(rng)].code;
    WriteIdDigits(area, t.birth, DrawSequence(rng, t.male), t.id);
  }
  if (rng.Chance(kTwinDeathShare)) {
    t.dies = true;
    t.death =
        window_first_ +
        static_cast<int32_t>(rng.Below(static_cast<uint64_t>(window_last_ - window_first_ + 1)));
  }
  GenerateTraces(rng, t, Who::kTwin, recipient.id);
}

void Generator::DrawStranger(Rng& rng, bool deceased, Subject& s, char id[18], std::string& name) {
  s.who = Who::kStranger;
  s.male = rng.Chance(deceased ? 0.55 : 0.5);
  int age;
  if (deceased) {
    do {
      age = 100 - static_cast<int>(rng.Exponential(18));
    } while (age < 30);
  } else {
    age = static_cast<int>(rng.Between(18, 54));  // younger than any pensioner
  }
  s.birth = BirthDateForAge(rng, today_, age);
  s.village = static_cast<uint32_t>(rng.Below(province_.villages.size()));
  std::string_view area = rng.Chance(0.8)
                              ? std::string_view(province_.counties[RandomCounty(rng)].code)
                              : kOutsideAreas[rng.Below(std::size(kOutsideAreas))];
  WriteIdDigits(area, s.birth, DrawSequence(rng, s.male), id);
  // A dead stranger of pension age must not be a pensioner by accident.
  while (age >= 55 && ids_.Contains(Key17(id)))
    WriteIdDigits(area, s.birth, DrawSequence(rng, s.male), id);
  s.id = id;
  name.clear();
  demo::AppendName(rng, s.male, s.birth.year() < 1972, name);
  s.name = name;
}

void Generator::GenerateStrangers() {
  char id[18];
  std::string name;
  Subject s;
  const double stranger_deaths =
      static_cast<double>(options_.people) * 0.015 * kStrangerCremationShare / 12;
  for (int src = 0; src < kSourceCount; ++src) {
    const Source source = static_cast<Source>(src);
    for (int k = 0; k < 12; ++k) {
      Rng rng(demo::StreamSeed(options_.seed,
                               (1ULL << 62) | (2ULL << 32) | static_cast<uint64_t>(src * 12 + k)));
      const Month month = first_month_ + k;
      const Date first = month.FirstDay();
      const int32_t days = month.LastDay() - first + 1;
      const double mean = source == kCremation ? stranger_deaths : stranger_rows_[src];
      const int64_t count = rng.Poisson(mean);
      for (int64_t i = 0; i < count; ++i) {
        DrawStranger(rng, source == kCremation, s, id, name);
        const Date date = first + static_cast<int32_t>(rng.Below(static_cast<uint64_t>(days)));
        if (source == kCremation) {
          EmitCremation(rng, s, date);
        } else if (source == kHospital && rng.Chance(kAdmissionShare)) {
          EmitHealth(rng, s, kAdmission, date);
          EmitHealth(rng, s, kDischarge, date + static_cast<int32_t>(rng.Between(2, 20)));
        } else {
          EmitAliveSignal(rng, source, s, date);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Rows.

// Appends `id` with one of its first 17 digits wrong (`transpose` false) or
// two different adjacent digits among them swapped; returns the label.
std::string_view AppendMistypedId(Rng& rng, const char* id, bool transpose, std::string& out) {
  char typo[18];
  std::memcpy(typo, id, 18);
  if (transpose) {
    uint64_t pos = rng.Below(16);
    for (int k = 0; k < 16 && typo[pos] == typo[pos + 1]; ++k) pos = (pos + 1) % 16;
    if (typo[pos] != typo[pos + 1]) {
      std::swap(typo[pos], typo[pos + 1]);
      out.append(typo, 18);
      return "id_transposed";
    }
  }
  const uint64_t pos = rng.Below(17);
  typo[pos] = static_cast<char>('0' + (typo[pos] - '0' + 1 + static_cast<int>(rng.Below(9))) % 10);
  out.append(typo, 18);
  return "id_mistyped_digit";
}

bool Generator::DrawNoisyId(Rng& rng, const Subject& who) {
  const char* id = who.id;
  std::string& out = row_.id_text;
  if (who.who == Who::kTwin) {
    const double t = rng.Uniform();
    if (t < kTwinIdMissing) {
      row_.AddLabel("id_missing");
      return false;
    }
    if (t < kTwinIdMissing + kTwinIdMistyped) {
      row_.AddLabel(AppendMistypedId(rng, id, rng.Chance(0.4), out));
      return false;
    }
  }
  double u = rng.Uniform();
  if ((u -= kIdMissing) < 0) {
    row_.AddLabel("id_missing");
    return false;
  }
  if ((u -= kIdLegacy15) < 0) {
    if (id[6] == '1' && id[7] == '9') {  // only the 1900s had 15-digit numbers
      out.append(id, 6);
      out.append(id + 8, 9);
      row_.AddLabel("id_15digit");
      return true;
    }
  } else if ((u -= kIdFullWidth) < 0) {
    for (int i = 0; i < 18; ++i) {
      // U+FF10..U+FF19 (０..９) and U+FF38 (Ｘ).
      out.append("\xEF\xBC");
      out.push_back(static_cast<char>(id[i] == 'X' ? 0xB8 : 0x90 + (id[i] - '0')));
    }
    row_.AddLabel("id_full_width");
    return true;
  } else if ((u -= kIdSpaces) < 0) {
    const uint64_t where = rng.Below(3);
    if (where != 1) out.push_back(' ');
    out.append(id, 18);
    if (where != 0) out.append(rng.Chance(0.5) ? " " : "  ");
    row_.AddLabel("id_spaces");
    return true;
  } else if ((u -= kIdMistypedDigit + kIdTransposed) < 0) {
    row_.AddLabel(AppendMistypedId(rng, id, u < -kIdMistypedDigit, out));
    return false;
  }
  out.append(id, 17);
  if (id[17] == 'X' && rng.Chance(kIdLowerX)) {
    out.push_back('x');
    row_.AddLabel("id_lower_x");
  } else {
    out.push_back(id[17]);
  }
  return true;
}

void Generator::PrepareRow(Rng& rng, const Subject& who, bool birth_field) {
  row_.id_text.clear();
  row_.name.clear();
  row_.noise.clear();
  if (who.who == Who::kStranger) row_.AddLabel("stranger");
  if (who.who == Who::kTwin) row_.AddLabel("twin");
  const bool usable = DrawNoisyId(rng, who);
  const VariantShares& v = usable ? kVariantsWithUsableId : kVariantsWithoutUsableId;
  const double n = rng.Uniform();
  if (n < v.traditional) {
    if (demo::AppendTraditionalName(who.name, row_.name)) row_.AddLabel("traditional_name");
  } else if (n < v.traditional + v.same_sound) {
    if (demo::AppendSameSoundName(rng, who.name, row_.name)) row_.AddLabel("same_sound_name");
  }
  if (row_.name.empty()) row_.name.assign(who.name);
  row_.has_birth = true;
  row_.birth = who.birth;
  if (!birth_field) return;
  const double b = rng.Uniform();
  if (b < v.swapped_birth) {
    const demo::Ymd t = demo::YmdOf(who.birth);
    if (t.d <= 12 && t.d != t.m) {
      row_.birth = Date::FromCivil(t.y, t.d, t.m);
      row_.AddLabel("swapped_birth_date");
    }
  } else if (b < v.swapped_birth + v.no_birth) {
    row_.has_birth = false;
    row_.AddLabel("no_birth_date");
  }
}

void Generator::WriteTruth(Source source, std::string_view ref, std::string_view kind,
                           const Subject& who) {
  std::string& b = truth_->row_buffer();
  b.append(kSources[source].source);
  b.push_back(',');
  AppendCsvField(b, ref);
  b.push_back(',');
  b.append(kind);
  b.push_back(',');
  if (who.who == Who::kRecipient) b.append(who.id, 18);
  b.push_back(',');
  b.append(row_.noise.empty() ? std::string_view("none") : std::string_view(row_.noise));
  b.push_back(',');
  if (who.who == Who::kTwin) b.append(who.twin_of, 18);
  b.push_back('\n');
  truth_->EndRow();
}

// An impossible date in the month of `d`, in `style` ('-' ISO, '/' Y/M/D, '8' YYYYMMDD),
// or an empty one.
void Generator::AppendBadDate(Rng& rng, std::string& out, Date d, char style) {
  const uint64_t kind = rng.Below(3);
  if (kind == 2) return;
  const int y = d.year();
  const int m = kind == 0 ? 2 : d.month();
  const int day = kind == 0 ? 30 : 32;
  if (style == '8') {
    AppendUint(out, static_cast<uint64_t>(y), 4);
    AppendUint(out, static_cast<uint64_t>(m), 2);
    AppendUint(out, static_cast<uint64_t>(day), 2);
  } else if (style == '/') {
    AppendUint(out, static_cast<uint64_t>(y));
    out.push_back('/');
    AppendUint(out, static_cast<uint64_t>(m));
    out.push_back('/');
    AppendUint(out, static_cast<uint64_t>(day));
  } else {
    AppendUint(out, static_cast<uint64_t>(y), 4);
    out.push_back('-');
    AppendUint(out, static_cast<uint64_t>(m), 2);
    out.push_back('-');
    AppendUint(out, static_cast<uint64_t>(day), 2);
  }
}

void Generator::AppendCanonicalStart(std::string& out, std::string_view source,
                                     std::string_view kind) {
  out.append(source);
  out.push_back(',');
  out.append(kind);
  out.push_back(',');
}

// id_number,name,sex,birth_date,region_code, (canonical) from row_, ending with the comma.
void Generator::AppendPersonFields(std::string& out, const Subject& who, bool with_region) {
  out.append(row_.id_text);
  out.push_back(',');
  AppendCsvField(out, row_.name);
  out.append(who.male ? ",M," : ",F,");
  if (row_.has_birth) demo::AppendIsoDate(out, row_.birth);
  out.push_back(',');
  if (with_region) out.append(VillageOf(who).code);
  out.push_back(',');
}

void Generator::EmitAliveSignal(Rng& rng, Source source, const Subject& who, Date date) {
  switch (source) {
    case kRailway:
      EmitRailway(rng, who, date);
      break;
    case kHospital:
      EmitHealth(rng, who, kCheckup, date);
      break;
    case kBank:
      EmitBank(rng, who, date);
      break;
    case kMedical:
      EmitMedical(rng, who, date);
      break;
    default:
      break;
  }
}

void Generator::EmitCremation(Rng& rng, const Subject& who, Date date) {
  if (!InWindow(date)) return;
  Sink& sink = SinkFor(kCremation, date);
  const bool bad = BeginRow(rng, kCremation, who, true);
  const City& city = CityOf(who);
  std::string& b = sink.row_buffer();
  std::string& ref = scratch_;
  ref.assign("HH");
  ref.append(city.code);
  demo::AppendCompactDate(ref, date);
  AppendUint(ref, static_cast<uint64_t>(sink.rows() + 1), 6);
  // Funeral homes are run by the city, in some places by a county (县) or a
  // county-level city; districts (区) use the city's.
  const std::string& county = CountyOf(who).name;
  const bool county_run = !std::string_view(county).ends_with("区") && rng.Chance(0.3);
  std::string home = county_run ? county : city.name;
  home += "殡仪馆";
  if (options_.canonical_feeds) {
    AppendCanonicalStart(b, "civil_affairs", "cremation");
    AppendPersonFields(b, who, false);
    if (bad)
      AppendBadDate(rng, b, date, '-');
    else
      demo::AppendIsoDate(b, date);
    b.push_back(',');
    b.append(ref);
    b.append(",\"{\"\"funeral_home\"\":\"\"");
    b.append(home);
    b.append("\"\"}\"\n");
  } else {
    b.append(ref);
    b.push_back(',');
    AppendCsvField(b, row_.name);
    b.append(who.male ? ",男," : ",女,");
    b.append(row_.id_text);
    b.push_back(',');
    if (row_.has_birth) demo::AppendSlashDate(b, row_.birth);
    b.push_back(',');
    if (bad)
      AppendBadDate(rng, b, date, '/');
    else
      demo::AppendSlashDate(b, date);
    b.push_back(',');
    AppendCsvField(b, home);
    b.push_back('\n');
  }
  sink.EndRow();
  WriteTruth(kCremation, ref, "cremation", who);
}

void Generator::EmitRailway(Rng& rng, const Subject& who, Date date) {
  if (!InWindow(date)) return;
  Sink& sink = SinkFor(kRailway, date);
  const bool bad = BeginRow(rng, kRailway, who, false);  // the railway sends no sex, birth date or region
  std::string& b = sink.row_buffer();
  // From the home city's station, to another city of the province or beyond; or back.
  const City& home = CityOf(who);
  std::string_view other;
  if (rng.Chance(0.5) || province_.cities.size() < 2) {
    other = kOutsideStations[rng.Below(std::size(kOutsideStations))];
  } else {
    const City* c = &home;
    while (c == &home) c = &province_.cities[rng.Below(province_.cities.size())];
    other = c->station;
  }
  std::string_view from = home.station, to = other;
  if (rng.Chance(0.5)) std::swap(from, to);
  std::string& ticket = scratch_;
  ticket.assign("E");
  AppendUint(ticket, static_cast<uint64_t>(date.month()), 2);
  AppendUint(ticket, static_cast<uint64_t>(sink.rows() + 1), 7);
  if (options_.canonical_feeds) {
    AppendCanonicalStart(b, "railway", "travel");
    b.append(row_.id_text);
    b.push_back(',');
    AppendCsvField(b, row_.name);
    b.append(",,,,");
    if (bad)
      AppendBadDate(rng, b, date, '-');
    else
      demo::AppendIsoDate(b, date);
    b.push_back(',');
    b.append(ticket);
    b.append(",\"{\"\"from\"\":\"\"");
    b.append(from);
    b.append("\"\",\"\"to\"\":\"\"");
    b.append(to);
    b.append("\"\"}\"\n");
  } else {
    b.append(ticket);
    b.push_back(',');
    AppendCsvField(b, row_.name);
    b.append(",1,");
    b.append(row_.id_text);
    b.push_back(',');
    if (bad)
      AppendBadDate(rng, b, date, '8');
    else
      demo::AppendCompactDate(b, date);
    b.push_back(',');
    b.append(from);
    b.push_back(',');
    b.append(to);
    b.push_back('\n');
  }
  sink.EndRow();
  WriteTruth(kRailway, ticket, "travel", who);
}

void Generator::AppendHospitalName(Rng& rng, std::string& out, const Subject& who) {
  const double u = rng.Uniform();
  if (u < 0.55) {
    out.append(CountyOf(who).name);
    out.append("人民医院");
  } else if (u < 0.80) {
    out.append(CityOf(who).name);
    out.append("第一人民医院");
  } else if (u < 0.90) {
    out.append(CityOf(who).name);
    out.append("中医医院");
  } else {
    out.append(province_.name);
    out.append("人民医院");
  }
}

void Generator::EmitHealth(Rng& rng, const Subject& who, HealthEvent event, Date date) {
  if (!InWindow(date)) return;
  Sink& sink = SinkFor(kHospital, date);
  const double bad_draw = rng.Uniform();
  const bool bad = bad_draw < malformed_[kHospital];
  const bool unknown_event = bad && bad_draw < malformed_[kHospital] / 2;
  PrepareRow(rng, who, true);
  if (bad) row_.AddLabel(unknown_event ? "unknown_event" : "bad_event_date");
  int seconds;
  switch (event) {
    case kCheckup:
      seconds = static_cast<int>(rng.Between(8 * 3600, 11 * 3600 + 1799));
      break;
    case kDischarge:
      seconds = static_cast<int>(rng.Between(9 * 3600, 16 * 3600));
      break;
    default:
      seconds = static_cast<int>(rng.Below(86400));
      break;
  }
  std::string& hospital = hospital_scratch_;
  hospital.clear();
  AppendHospitalName(rng, hospital, who);
  std::string& visit = scratch_;
  visit.assign(event == kCheckup ? "TJ" : "ZY");
  AppendUint(visit, static_cast<uint64_t>(date.year()), 4);
  AppendUint(visit, static_cast<uint64_t>(date.month()), 2);
  AppendUint(visit, static_cast<uint64_t>(sink.rows() + 1), 8);
  std::string& b = sink.row_buffer();
  if (options_.canonical_feeds) {
    AppendCanonicalStart(b, "health", unknown_event ? kUnknownHealthKind : kHealthKind[event]);
    AppendPersonFields(b, who, true);
    if (bad && !unknown_event)
      AppendBadDate(rng, b, date, '-');
    else
      demo::AppendIsoDate(b, date);
    b.push_back(',');
    b.append(visit);
    b.append(",\"{\"\"hospital\"\":\"\"");
    b.append(hospital);
    b.append("\"\"}\"\n");
  } else {
    b.append("{\"visit_id\":");
    AppendJsonString(b, visit);
    b.append(",\"patient_name\":");
    AppendJsonString(b, row_.name);
    b.append(",\"id_card\":");
    AppendJsonString(b, row_.id_text);  // full-width digits pass through as UTF-8
    b.append(who.male ? ",\"gender\":\"男\",\"birth\":\"" : ",\"gender\":\"女\",\"birth\":\"");
    if (row_.has_birth) demo::AppendIsoDate(b, row_.birth);
    b.append("\",\"event\":\"");
    b.append(unknown_event ? kUnknownHealthCode : kHealthCode[event]);
    b.append("\",\"event_time\":\"");
    if (bad && !unknown_event)
      AppendBadDate(rng, b, date, '-');
    else
      demo::AppendIsoDate(b, date);
    b.push_back(' ');
    demo::AppendTime(b, seconds);
    b.append("\",\"hospital\":");
    AppendJsonString(b, hospital);
    b.append(",\"region\":\"");
    b.append(VillageOf(who).code);
    b.append("\"}\n");
  }
  sink.EndRow();
  WriteTruth(kHospital, visit, unknown_event ? kUnknownHealthKind : kHealthKind[event], who);
}

void Generator::EmitHousehold(Rng& rng, const Subject& who, Date date, Date death) {
  if (!InWindow(date)) return;
  Sink& sink = SinkFor(kHousehold, date);
  const bool bad = BeginRow(rng, kHousehold, who, true);
  std::string& ref = scratch_;
  ref.assign("HJ");
  ref.append(CountyOf(who).code);
  AppendUint(ref, static_cast<uint64_t>(date.year()), 4);
  AppendUint(ref, static_cast<uint64_t>(date.month()), 2);
  AppendUint(ref, static_cast<uint64_t>(sink.rows() + 1), 6);
  std::string& b = sink.row_buffer();
  AppendCanonicalStart(b, "public_security", "household_cancelled");
  AppendPersonFields(b, who, true);
  if (bad)
    AppendBadDate(rng, b, date, '-');
  else
    demo::AppendIsoDate(b, date);
  b.push_back(',');
  b.append(ref);
  b.append(",\"{\"\"reason\"\":\"\"death\"\",\"\"death_date\"\":\"\"");
  demo::AppendIsoDate(b, death);
  b.append("\"\"}\"\n");
  sink.EndRow();
  WriteTruth(kHousehold, ref, "household_cancelled", who);
}

void Generator::EmitBank(Rng& rng, const Subject& who, Date date) {
  if (!InWindow(date)) return;
  Sink& sink = SinkFor(kBank, date);
  const bool bad = BeginRow(rng, kBank, who, true);
  const std::string& ref = DailyRef("BK", date, sink.rows() + 1);
  std::string& b = sink.row_buffer();
  AppendCanonicalStart(b, "bank", "bank_counter");
  AppendPersonFields(b, who, false);
  b.pop_back();  // region: the branch's township rather than the home village
  b.append(province_.townships[VillageOf(who).township].code);
  b.push_back(',');
  if (bad)
    AppendBadDate(rng, b, date, '-');
  else
    demo::AppendIsoDate(b, date);
  b.push_back(',');
  b.append(ref);
  b.push_back(',');
  if (rng.Chance(0.7)) {
    b.append("\"{\"\"bank\"\":\"\"");
    b.append(kBanks[rng.Below(std::size(kBanks))]);
    b.append("\"\",\"\"branch\"\":\"\"");
    b.append(CountyOf(who).name);
    b.append("支行\"\"}\"");
  }
  b.push_back('\n');
  sink.EndRow();
  WriteTruth(kBank, ref, "bank_counter", who);
}

void Generator::EmitMedical(Rng& rng, const Subject& who, Date date) {
  if (!InWindow(date)) return;
  Sink& sink = SinkFor(kMedical, date);
  const bool bad = BeginRow(rng, kMedical, who, true);
  const std::string& ref = DailyRef("YB", date, sink.rows() + 1);
  std::string& b = sink.row_buffer();
  const Township& town = province_.townships[VillageOf(who).township];
  AppendCanonicalStart(b, "medical_insurance", "medical_settlement");
  AppendPersonFields(b, who, false);
  b.pop_back();
  b.append(town.code);
  b.push_back(',');
  if (bad)
    AppendBadDate(rng, b, date, '-');
  else
    demo::AppendIsoDate(b, date);
  b.push_back(',');
  b.append(ref);
  b.append(",\"{\"\"institution\"\":\"\"");
  const double u = rng.Uniform();
  if (u < 0.35) {
    b.append(town.name);
    b.append(std::string_view(town.name).ends_with("街道") ? "社区卫生服务中心" : "卫生院");
  } else if (u < 0.65) {
    b.append(CountyOf(who).name);
    b.append("人民医院");
  } else {
    b.append(kPharmacies[rng.Below(std::size(kPharmacies))]);
    b.push_back('(');
    b.append(CountyOf(who).name);
    b.append("店)");
  }
  b.append("\"\",\"\"amount\"\":\"\"");
  // Mostly small pharmacy and clinic bills, sometimes a large one.
  const Fen fen = static_cast<Fen>(rng.Exponential(rng.Chance(0.9) ? 8000 : 300000)) + 500;
  b.append(FormatYuan(fen));
  b.append("\"\"}\"\n");
  sink.EndRow();
  WriteTruth(kMedical, ref, "medical_settlement", who);
}

}  // namespace

Result<DemoFiles> GenerateDemo(const DemoOptions& options, const std::vector<Region>& regions,
                               const std::string& mappings_dir) {
  // The id set takes 16 bytes a person; beyond a province's size is a mistake.
  if (options.people <= 0 || options.people > kMaxPeople) {
    return InvalidArgument("demo: people must be between 1 and " + std::to_string(kMaxPeople));
  }
  if (!(options.feed_rows_per_person >= 0) || options.feed_rows_per_person > 1000) {
    return InvalidArgument("demo: feed_rows_per_person must be between 0 and 1000");
  }
  if (!(options.twin_share >= 0) || options.twin_share > 1) {
    return InvalidArgument("demo: twin_share must be between 0 and 1");
  }
  if (options.dir.empty()) return InvalidArgument("demo: the output directory is empty");
  if (options.province.size() != 2 || !std::all_of(options.province.begin(), options.province.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument("demo: province must be a 2-digit code, e.g. \"14\"");
  }
  ASSIGN_OR_RETURN(Province province, BuildProvince(regions, options.province));
  const Date today = options.today == Date() ? Today() : options.today;
  Generator generator(options, std::move(province), today);
  return generator.Run(mappings_dir);
}

}  // namespace tacit
