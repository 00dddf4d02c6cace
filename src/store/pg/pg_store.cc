// The PostgreSQL store: the unit of work, schema, policy, meta, regions, the
// registry, persons and their scans, change marks. The SQLite store
// (src/store/sqlite/sqlite_store.cc) is the reference; differences are noted.
#include "store/pg/pg_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "store/pg/pg_outreach.h"
#include "store/record_rows.h"
#include "store/pg/pg_schema.h"

namespace tacit::pg {

using namespace store_rows;  // the readers and column lists both stores share

namespace {

// A bigint[] parameter: {1,2,3}.
std::string KeyArray(const std::vector<int64_t>& keys) {
  std::string out = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(keys[i]);
  }
  out += '}';
  return out;
}

// person_key, id, kind, source name, occurred_on, received_on, detail.
constexpr std::string_view kFactQuery =
    "SELECT e.person_key, e.id, e.kind, s.name, e.occurred_on, e.received_on, e.detail FROM evidence e "
    "JOIN source s ON s.id = e.source_id ";

// A unit of work of the store: Store::Begin().
class PgUnit final : public StoreTransaction {
 public:
  explicit PgUnit(PgTx tx) : tx_(std::move(tx)) {}
  Status Commit() override { return tx_.Commit(); }

 private:
  PgTx tx_;  // rolled back on destruction unless committed
};

}  // namespace

PgStore::PgStore(std::string conninfo, PgConn conn)
    : conninfo_(std::move(conninfo)), conn_(std::move(conn)), outreach_(std::make_unique<PgOutreach>(conn_)) {}
PgStore::~PgStore() = default;

Result<std::unique_ptr<StoreTransaction>> PgStore::Begin() {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  return std::unique_ptr<StoreTransaction>(std::make_unique<PgUnit>(std::move(tx)));
}

// The SQLite store switches to a bulk mode for a large load; PostgreSQL's
// COPY path (ApplyBatch) is the same for every size.
Status PgStore::ExpectEvidence(int64_t rows) {
  (void)rows;
  return {};
}

Status PgStore::Migrate() {
  ASSIGN_OR_RETURN(int version, pg::Migrate(conn_));
  (void)version;
  return {};
}

Result<int> PgStore::SchemaVersion() { return pg::SchemaVersion(conn_); }

Status PgStore::SavePolicy(const Policy& policy) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  ASSIGN_OR_RETURN(PgRows cur, conn_.Query("SELECT text FROM policy WHERE active = 1"));
  if (cur.size() > 0 && cur.TextView(0, 0) == policy.text) return tx.Commit();
  RETURN_IF_ERROR(conn_.Query("UPDATE policy SET active = 0 WHERE active = 1"));
  RETURN_IF_ERROR(conn_.Query("INSERT INTO policy(name, version, text, loaded_at, active) VALUES($1,$2,$3,$4,1)",
                              {policy.name, policy.version, policy.text, NowUtcText()}));
  return tx.Commit();
}

Result<Policy> PgStore::LoadPolicy() {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query("SELECT text, id FROM policy WHERE active = 1"));
  if (s.size() == 0) return FailedPrecondition("no policy is loaded in the store: run `tacit init` first");
  return ParsePolicy(s.TextView(0, 0), fmt::format("stored policy #{}", s.Int(0, 1)));
}

Result<std::optional<std::string>> PgStore::GetMeta(const std::string& key) {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query("SELECT value FROM meta WHERE key = $1", {key}));
  if (s.size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(s.Text(0, 0));
}

Status PgStore::PutMeta(const std::string& key, const std::string& value) {
  return conn_.Query("INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     {key, value}).transform([](const PgRows&) {});
}

Result<int64_t> PgStore::UpsertRegions(const std::vector<Region>& regions) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  // A temporary table filled by COPY, then one upsert: the whole division
  // table (about 700,000 rows) in seconds rather than a statement per row.
  RETURN_IF_ERROR(conn_.Exec(
      "CREATE TEMP TABLE region_in (code TEXT COLLATE \"C\", name TEXT COLLATE \"C\", parent TEXT COLLATE \"C\", "
      "level BIGINT) ON COMMIT DROP"));
  std::string data;
  for (const Region& r : regions) {
    AppendCopyField(data, r.code);
    data += '\t';
    AppendCopyField(data, r.name);
    data += '\t';
    if (r.parent.empty()) {
      AppendCopyNull(data);
    } else {
      AppendCopyField(data, r.parent);
    }
    data += '\t';
    AppendCopyField(data, static_cast<int64_t>(r.level));
    data += '\n';
  }
  RETURN_IF_ERROR(conn_.CopyIn("COPY region_in FROM STDIN", data));
  // The last row of a code wins, as the SQLite store's row-by-row upsert does.
  ASSIGN_OR_RETURN(PgRows done, conn_.Query(
      "INSERT INTO region(code, name, parent, level) "
      "SELECT DISTINCT ON (code) code, name, parent, level FROM (SELECT *, row_number() OVER () AS n FROM region_in) x "
      "ORDER BY code, n DESC "
      "ON CONFLICT(code) DO UPDATE SET name = excluded.name, parent = excluded.parent, level = excluded.level "
      "WHERE region.name IS DISTINCT FROM excluded.name OR region.parent IS DISTINCT FROM excluded.parent OR "
      "region.level IS DISTINCT FROM excluded.level"));
  RETURN_IF_ERROR(tx.Commit());
  return done.affected();
}

namespace {
Region ReadRegion(const PgRows& s, int r) {
  return Region{s.Text(r, 0), s.Text(r, 1), s.Text(r, 2), static_cast<RegionLevel>(s.Int(r, 3))};
}
std::vector<Region> ReadRegions(const PgRows& s) {
  std::vector<Region> out;
  out.reserve(static_cast<size_t>(s.size()));
  for (int r = 0; r < s.size(); ++r) out.push_back(ReadRegion(s, r));
  return out;
}
}  // namespace

Result<std::optional<Region>> PgStore::FindRegion(const std::string& code) {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query("SELECT code, name, parent, level FROM region WHERE code = $1", {code}));
  if (s.size() == 0) return std::optional<Region>();
  return std::optional<Region>(ReadRegion(s, 0));
}

Result<std::vector<Region>> PgStore::ChildRegions(const std::string& code) {
  if (code.empty()) {
    ASSIGN_OR_RETURN(PgRows s, conn_.Query("SELECT code, name, parent, level FROM region WHERE level = 1 ORDER BY code"));
    return ReadRegions(s);
  }
  ASSIGN_OR_RETURN(PgRows s,
                   conn_.Query("SELECT code, name, parent, level FROM region WHERE parent = $1 ORDER BY code", {code}));
  return ReadRegions(s);
}

Result<std::vector<std::string>> PgStore::RegionCodes() {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query("SELECT code FROM region ORDER BY code"));
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(s.size()));
  for (int r = 0; r < s.size(); ++r) out.push_back(s.Text(r, 0));
  return out;
}

// Two passes. First every row that brings a new person (its first row in the
// file) or a new entitlement (the first row of that person and scheme) is
// loaded by COPY: a province's first import is almost all of these. Then the
// other rows are applied one by one in file order, exactly as the SQLite
// store applies every row. A row of the second pass never depends on a later
// row of the first (a new person's first row comes before its other rows), so
// the outcome and the counts are the SQLite store's.
Result<RegistryImportCounts> PgStore::ImportRegistry(const std::vector<RegistryRow>& rows, Month effective) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  const std::string now = NowUtcText();
  RegistryImportCounts counts;

  // Which persons and entitlements are stored already.
  std::unordered_set<int64_t> stored_persons;
  std::unordered_set<int64_t> stored_entitlements;  // person_key * 8 + scheme
  auto ent_key = [](int64_t person, Scheme scheme) { return person * 8 + static_cast<int64_t>(scheme); };
  constexpr size_t kChunk = 20000;
  for (size_t at = 0; at < rows.size(); at += kChunk) {
    std::vector<int64_t> keys;
    for (size_t i = at; i < std::min(rows.size(), at + kChunk); ++i) {
      keys.push_back(static_cast<int64_t>(rows[i].person.key));
    }
    const std::string array = KeyArray(keys);
    ASSIGN_OR_RETURN(PgRows p, conn_.Query("SELECT person_key FROM person WHERE person_key = ANY($1::bigint[])",
                                           {array}));
    for (int r = 0; r < p.size(); ++r) stored_persons.insert(p.Int(r, 0));
    ASSIGN_OR_RETURN(PgRows e, conn_.Query(
        "SELECT person_key, scheme FROM entitlement WHERE person_key = ANY($1::bigint[])", {array}));
    for (int r = 0; r < e.size(); ++r) stored_entitlements.insert(e.Int(r, 0) * 8 + e.Int(r, 1));
  }

  // Pass 1: new persons and new entitlements by COPY.
  std::vector<char> new_person(rows.size(), 0), new_entitlement(rows.size(), 0);
  std::unordered_set<int64_t> first_person, first_entitlement;
  PgCopy persons(conn_,
                 "COPY person(person_key, id_number, name, sex, birth_date, phone, region_code, special_care, "
                 "baseline_certified, updated_at) FROM STDIN");
  RETURN_IF_ERROR(StageTable(conn_, "entitlement_stage",
                             "ord BIGINT, person_key BIGINT, scheme BIGINT, paying_region TEXT COLLATE \"C\", "
                             "start_month BIGINT, paid_through BIGINT, contribution_months BIGINT, "
                             "registered_on BIGINT, account_balance_fen BIGINT, account_subsidy_fen BIGINT, "
                             "monthly_fen BIGINT, basic_fen BIGINT"));
  PgCopy entitlements(conn_, "COPY entitlement_stage FROM STDIN");
  for (size_t i = 0; i < rows.size(); ++i) {
    const RegistryRow& row = rows[i];
    const PersonRecord& p = row.person;
    const int64_t key = static_cast<int64_t>(p.key);
    if (!stored_persons.count(key) && first_person.insert(key).second) {
      new_person[i] = 1;
      const std::optional<Date> baseline = p.baseline_certified ? p.baseline_certified : row.default_baseline;
      persons.Int(key).Text(p.id_number).Text(p.name).Int(static_cast<int64_t>(p.sex)).Int(p.birth_date.days())
          .TextOrNull(p.phone).Text(p.region_code).Int(p.special_care ? 1 : 0)
          .OptInt(baseline ? std::optional<int64_t>(baseline->days()) : std::nullopt).Text(now);
      RETURN_IF_ERROR(persons.EndRow());
    }
    if (!stored_entitlements.count(ent_key(key, row.scheme)) &&
        first_entitlement.insert(ent_key(key, row.scheme)).second) {
      new_entitlement[i] = 1;
      entitlements.Int(static_cast<int64_t>(i)).Int(key).Int(static_cast<int64_t>(row.scheme)).Text(row.paying_region)
          .Int(row.start.index()).OptInt(MonthIndexOrNull(row.paid_through)).Int(row.contribution_months)
          .Int(row.imported_on.days()).OptInt(row.account_balance).OptInt(row.account_subsidy).Int(row.monthly)
          .Int(row.basic);
      RETURN_IF_ERROR(entitlements.EndRow());
    }
  }
  RETURN_IF_ERROR(persons.Flush());
  RETURN_IF_ERROR(entitlements.Flush());
  counts.persons_added = persons.rows();
  counts.entitlements_added = entitlements.rows();
  if (entitlements.rows() > 0) {
    // Ids in file order, as SQLite assigns them; each with its first amount step.
    RETURN_IF_ERROR(conn_.Exec(
        "WITH added AS (INSERT INTO entitlement(person_key, scheme, paying_region, start_month, paid_through, "
        "contribution_months, registered_on, account_balance_fen, account_subsidy_fen) "
        "SELECT person_key, scheme, paying_region, start_month, paid_through, contribution_months, registered_on, "
        "account_balance_fen, account_subsidy_fen FROM entitlement_stage ORDER BY ord "
        "RETURNING id, person_key, scheme) "
        "INSERT INTO entitlement_amount(entitlement_id, from_month, monthly_fen, basic_fen, person_key) "
        "SELECT a.id, s.start_month, s.monthly_fen, s.basic_fen, a.person_key FROM added a JOIN entitlement_stage s "
        "ON s.person_key = a.person_key AND s.scheme = a.scheme"));
  }

  // Pass 2: every other part of a row, in file order.
  std::unordered_set<PersonKey> seen_person;  // persons touched by this file: counted once
  for (size_t i = 0; i < rows.size(); ++i) {
    if (new_person[i]) seen_person.insert(rows[i].person.key);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const RegistryRow& row = rows[i];
    const PersonRecord& p = row.person;
    const int64_t key = static_cast<int64_t>(p.key);
    bool person_changed = false;
    if (!new_person[i]) {
      ASSIGN_OR_RETURN(PgRows found, conn_.Query(
          "SELECT name, sex, birth_date, phone, region_code, special_care, baseline_certified FROM person "
          "WHERE person_key = $1", {key}));
      if (found.size() == 0) return Internal("ImportRegistry: a person of the file is not stored");
      const std::optional<int64_t> stored_baseline = found.OptInt(0, 6);
      const std::optional<int64_t> baseline =
          p.baseline_certified ? std::optional<int64_t>(p.baseline_certified->days()) : stored_baseline;
      person_changed = found.TextView(0, 0) != p.name || found.Int(0, 1) != static_cast<int>(p.sex) ||
                       found.Int(0, 2) != p.birth_date.days() || found.TextView(0, 3) != p.phone ||
                       found.TextView(0, 4) != p.region_code || found.Int(0, 5) != (p.special_care ? 1 : 0) ||
                       baseline != stored_baseline;
      if (person_changed) {
        RETURN_IF_ERROR(conn_.Query(
            "UPDATE person SET name = $2, sex = $3, birth_date = $4, phone = $5, region_code = $6, special_care = $7, "
            "baseline_certified = $8, updated_at = $9 WHERE person_key = $1",
            {key, p.name, static_cast<int>(p.sex), static_cast<int64_t>(p.birth_date.days()), NullIfEmpty(p.phone),
             p.region_code, p.special_care ? 1 : 0, baseline, now}));
        if (seen_person.insert(p.key).second) ++counts.persons_updated;
      }
    }
    if (new_entitlement[i]) continue;

    ASSIGN_OR_RETURN(PgRows ent, conn_.Query(
        "SELECT id, start_month, paying_region, paid_through, contribution_months, account_balance_fen, "
        "account_subsidy_fen FROM entitlement WHERE person_key = $1 AND scheme = $2",
        {key, static_cast<int>(row.scheme)}));
    if (ent.size() == 0) return Internal("ImportRegistry: an entitlement of the file is not stored");
    const int64_t id = ent.Int(0, 0);
    const int64_t stored_start = ent.Int(0, 1);
    const bool region_changed = ent.TextView(0, 2) != row.paying_region;
    // What the row does not give stays as stored. The account is one fact: a
    // row giving the balance replaces the pair.
    const std::optional<int64_t> stored_paid_through = ent.OptInt(0, 3);
    const int64_t stored_contribution = ent.Int(0, 4);
    const std::optional<int64_t> stored_balance = ent.OptInt(0, 5);
    const std::optional<int64_t> stored_subsidy = ent.OptInt(0, 6);
    const std::optional<int64_t> paid_through =
        row.paid_through ? MonthIndexOrNull(row.paid_through) : stored_paid_through;
    const int64_t contribution = row.contribution_months > 0 ? row.contribution_months : stored_contribution;
    const std::optional<int64_t> balance = row.account_balance ? row.account_balance : stored_balance;
    const std::optional<int64_t> subsidy = row.account_balance ? row.account_subsidy : stored_subsidy;
    bool ent_changed = false;
    if (paid_through != stored_paid_through || contribution != stored_contribution || balance != stored_balance ||
        subsidy != stored_subsidy) {
      RETURN_IF_ERROR(conn_.Query(
          "UPDATE entitlement SET paid_through = $2, contribution_months = $3, account_balance_fen = $4, "
          "account_subsidy_fen = $5 WHERE id = $1",
          {id, paid_through, contribution, balance, subsidy}));
      ent_changed = true;
    }
    if (region_changed) {
      RETURN_IF_ERROR(conn_.Query("UPDATE entitlement SET paying_region = $1 WHERE id = $2", {row.paying_region, id}));
      ent_changed = true;
    }
    if (stored_start != row.start.index()) {
      RETURN_IF_ERROR(conn_.Query("UPDATE entitlement SET start_month = $1 WHERE id = $2", {row.start.index(), id}));
      if (row.start.index() < stored_start) {
        // Started earlier than recorded: the first amount step moves with it.
        RETURN_IF_ERROR(conn_.Query(
            "UPDATE entitlement_amount SET from_month = $1 WHERE entitlement_id = $2 AND from_month = $3",
            {row.start.index(), id, stored_start}));
      }
      ent_changed = true;
    }
    // The row's amount is the one in force from `effective` (compared with
    // the step in force then, so an announced later rise stays).
    const int64_t from = std::max<int64_t>(effective.index(), row.start.index());
    ASSIGN_OR_RETURN(PgRows amount, conn_.Query(
        "SELECT monthly_fen, basic_fen FROM entitlement_amount WHERE entitlement_id = $1 AND from_month <= $2 "
        "ORDER BY from_month DESC LIMIT 1", {id, from}));
    const bool amount_differs = amount.size() == 0 || amount.Int(0, 0) != row.monthly || amount.Int(0, 1) != row.basic;
    if (amount_differs) {
      RETURN_IF_ERROR(UpsertAmount(row.person.key, id, from, row.monthly, row.basic));
      ent_changed = true;
    }
    if (ent_changed) {
      ++counts.entitlements_updated;
    } else if (!person_changed) {
      ++counts.unchanged;
    }
  }
  if (counts.persons_added > 0) {
    // A cache of the registry's keys reloads when this changes (RegistryKeyCache).
    RETURN_IF_ERROR(conn_.Query("INSERT INTO meta(key, value) VALUES($1, '1') "
                                "ON CONFLICT(key) DO UPDATE SET value = (meta.value::bigint + 1)::text",
                                {kRegistryGeneration}));
  }
  RETURN_IF_ERROR(tx.Commit());
  return counts;
}

Status PgStore::UpsertAmount(PersonKey person, int64_t entitlement_id, int64_t from_month, Fen monthly, Fen basic) {
  // The conflict target is the primary key, which holds the person (v14).
  return conn_.Query(
      "INSERT INTO entitlement_amount(entitlement_id, from_month, monthly_fen, basic_fen, person_key) "
      "VALUES($1,$2,$3,$4,$5) "
      "ON CONFLICT(entitlement_id, from_month, person_key) DO UPDATE SET monthly_fen = excluded.monthly_fen, "
      "basic_fen = excluded.basic_fen",
      {entitlement_id, from_month, monthly, basic, static_cast<int64_t>(person)}).transform([](const PgRows&) {});
}

Result<AdjustCounts> PgStore::AdjustAmounts(const std::vector<AmountAdjustment>& rows) {
  // In (person, scheme, effective) order, so that a row's "basic part before
  // `effective`" does not depend on the order of the file.
  std::vector<const AmountAdjustment*> order;
  order.reserve(rows.size());
  for (const AmountAdjustment& r : rows) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const AmountAdjustment* a, const AmountAdjustment* b) {
    return std::tuple(a->person, a->scheme, a->effective, a->line) <
           std::tuple(b->person, b->scheme, b->effective, b->line);
  });
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  struct Step {
    int64_t from;
    Fen monthly;
    Fen basic;
  };
  AdjustCounts counts;
  for (const AmountAdjustment* r : order) {
    ASSIGN_OR_RETURN(PgRows ent, conn_.Query("SELECT id, start_month FROM entitlement WHERE person_key = $1 AND "
                                             "scheme = $2",
                                             {static_cast<int64_t>(r->person), static_cast<int>(r->scheme)}));
    if (ent.size() == 0) {
      counts.refused.push_back(AdjustRefusal{
          r->line, "scheme", "this person has no entitlement in this scheme in the registry (tacit registry import)"});
      continue;
    }
    const int64_t id = ent.Int(0, 0);
    const int64_t start = ent.Int(0, 1);
    if (r->effective.index() < start) {
      counts.refused.push_back(AdjustRefusal{r->line, "effective_month",
                                             "is before the entitlement's start month; its first amount is set "
                                             "by the registry (tacit registry import)"});
      continue;
    }
    // The step at `effective`, if any, and the one in force before it.
    ASSIGN_OR_RETURN(PgRows steps, conn_.Query(
        "SELECT from_month, monthly_fen, basic_fen FROM entitlement_amount WHERE entitlement_id = $1 AND "
        "from_month <= $2 ORDER BY from_month DESC LIMIT 2", {id, r->effective.index()}));
    std::optional<Step> at, before;
    for (int i = 0; i < steps.size(); ++i) {
      const Step st{steps.Int(i, 0), steps.Int(i, 1), steps.Int(i, 2)};
      if (st.from == r->effective.index()) {
        at = st;
      } else if (!before) {
        before = st;
      }
    }
    const Fen kept_basic = before ? before->basic : at ? at->basic : 0;
    const Fen basic = r->basic ? *r->basic : std::min(kept_basic, r->monthly);
    const std::optional<Step>& in_force = at ? at : before;
    if (in_force && in_force->monthly == r->monthly && in_force->basic == basic) {
      ++counts.unchanged;
      continue;
    }
    RETURN_IF_ERROR(UpsertAmount(r->person, id, r->effective.index(), r->monthly, basic));
    ++counts.applied;
  }
  RETURN_IF_ERROR(tx.Commit());
  std::sort(counts.refused.begin(), counts.refused.end(),
            [](const AdjustRefusal& a, const AdjustRefusal& b) { return a.line < b.line; });
  return counts;
}

Result<std::vector<PersonKey>> PgStore::AllPersonKeys() {
  std::vector<PersonKey> out;
  RETURN_IF_ERROR(conn_.ForEachRow("SELECT person_key FROM person ORDER BY person_key", {}, [&](const PgRow& r) {
    out.push_back(static_cast<PersonKey>(r.Int(0)));
    return Status();
  }, 50000));
  return out;
}

Result<std::optional<PersonRecord>> PgStore::FindPerson(PersonKey key) {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query(fmt::format("SELECT {} FROM person WHERE person_key = $1", kPersonColumns),
                                         {static_cast<int64_t>(key)}));
  if (s.size() == 0) return std::optional<PersonRecord>();
  return std::optional<PersonRecord>(ReadPerson(PgRow{s, 0}));
}

Result<std::vector<PersonRecord>> PgStore::FindPersonsByNameAndBirth(const std::string& name, Date birth, int limit) {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query(
      fmt::format("SELECT {} FROM person WHERE name = $1 AND birth_date = $2 ORDER BY person_key LIMIT $3",
                  kPersonColumns),
      {name, static_cast<int64_t>(birth.days()), limit}));
  std::vector<PersonRecord> out;
  for (int r = 0; r < s.size(); ++r) out.push_back(ReadPerson(PgRow{s, r}));
  return out;
}

Result<std::vector<EntitlementRecord>> PgStore::EntitlementsOf(PersonKey key) {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query(fmt::format("{} WHERE e.person_key = $1 ORDER BY e.id, a.from_month",
                                                     kEntitlementQuery),
                                         {static_cast<int64_t>(key)}));
  std::vector<EntitlementRecord> out;
  for (int r = 0; r < s.size(); ++r) AddEntitlementRow(PgRow{s, r}, out);
  return out;
}

Status PgStore::ForEachPerson(const std::string& region_prefix, const std::function<Status(const PersonBundle&)>& fn,
                              Facts facts) {
  return ScanPersons(region_prefix, 0, std::numeric_limits<int64_t>::max(), fn, facts);
}

Status PgStore::ForEachPersonInKeyRange(PersonKey from, PersonKey to,
                                        const std::function<Status(const PersonBundle&)>& fn, Facts facts) {
  return ScanPersons("", static_cast<int64_t>(from), static_cast<int64_t>(to), fn, facts);
}

// Persons of a region and key range in key order, with entitlements and
// (unless kWithout) linked facts. A cursor gives the persons 2,000 at a time;
// the entitlements and facts of each batch are read by its keys (the index on
// person_key), so a county's scan reads the county, not the store. Each
// batch's reads see what was committed when they run (READ COMMITTED): a
// person's entitlements and facts may be newer than the cursor, never older.
Status PgStore::ScanPersons(const std::string& region_prefix, int64_t from_key, int64_t to_key,
                            const std::function<Status(const PersonBundle&)>& fn, Facts with_facts) {
  const bool want_facts = with_facts == Facts::kWith;
  const std::string ents_sql =
      fmt::format("{} WHERE e.person_key = ANY($1::bigint[]) ORDER BY e.person_key, e.id, a.from_month",
                  kEntitlementQuery);
  const std::string facts_sql =
      fmt::format("{} WHERE e.person_key = ANY($1::bigint[]) ORDER BY e.person_key, e.id", kFactQuery);
  PersonBundle bundle;
  return conn_.ForEachBatch(
      fmt::format("SELECT {} FROM person WHERE region_code >= $1 AND region_code < $2 AND person_key >= $3 AND "
                  "person_key < $4 ORDER BY person_key",
                  kPersonColumns),
      {region_prefix, PrefixUpperBound(region_prefix), from_key, to_key},
      [&](const PgRows& persons) -> Status {
        std::vector<int64_t> keys;
        keys.reserve(static_cast<size_t>(persons.size()));
        for (int r = 0; r < persons.size(); ++r) keys.push_back(persons.Int(r, 0));
        const std::string array = KeyArray(keys);
        ASSIGN_OR_RETURN(PgRows ents, conn_.Query(ents_sql, {array}));
        PgRows facts;
        if (want_facts) {
          ASSIGN_OR_RETURN(facts, conn_.Query(facts_sql, {array}));
        }
        int e = 0, f = 0;
        for (int r = 0; r < persons.size(); ++r) {
          bundle.person = ReadPerson(PgRow{persons, r});
          bundle.entitlements.clear();
          bundle.facts.clear();
          const int64_t key = keys[static_cast<size_t>(r)];
          while (e < ents.size() && ents.Int(e, 0) < key) ++e;
          for (; e < ents.size() && ents.Int(e, 0) == key; ++e) {
            AddEntitlementRow(PgRow{ents, e}, bundle.entitlements);
          }
          while (f < facts.size() && facts.Int(f, 0) < key) ++f;
          for (; f < facts.size() && facts.Int(f, 0) == key; ++f) {
            bundle.facts.push_back(ReadFact(PgRow{facts, f}, facts.Text(f, 3)));
          }
          RETURN_IF_ERROR(fn(bundle));
        }
        return {};
      },
      2000);
}

Result<std::vector<PersonKey>> PgStore::PersonKeySplits(int parts) {
  std::vector<PersonKey> out;
  if (parts < 2) return out;
  // The (n·i/parts)-th keys in one pass.
  ASSIGN_OR_RETURN(PgRows s, conn_.Query(
      "SELECT person_key FROM (SELECT person_key, row_number() OVER (ORDER BY person_key) - 1 AS pos, "
      "count(*) OVER () AS n FROM person) x WHERE pos > 0 AND pos IN "
      "(SELECT n * i / $1 FROM generate_series(1, $1 - 1) AS i) ORDER BY person_key",
      {parts}));
  for (int r = 0; r < s.size(); ++r) {
    const int64_t key = s.Int(r, 0);
    if (out.empty() || static_cast<int64_t>(out.back()) < key) out.push_back(static_cast<PersonKey>(key));
  }
  return out;
}

Result<std::unique_ptr<Store>> PgStore::OpenReader() {
  ASSIGN_OR_RETURN(PgConn conn, PgConn::Connect(conninfo_));
  return std::unique_ptr<Store>(std::make_unique<PgStore>(conninfo_, std::move(conn)));
}

Result<std::vector<Fact>> PgStore::FactsOf(PersonKey key) {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query(fmt::format("{} WHERE e.person_key = $1 ORDER BY e.id", kFactQuery),
                                         {static_cast<int64_t>(key)}));
  std::vector<Fact> out;
  for (int r = 0; r < s.size(); ++r) out.push_back(ReadFact(PgRow{s, r}, s.Text(r, 3)));
  return out;
}

Result<ChangeMarks> PgStore::CurrentChangeMarks() { return ReadChangeMarks(conn_); }

Result<std::vector<PersonKey>> PgStore::PersonsChangedSince(int64_t evidence_high_water) {
  ASSIGN_OR_RETURN(PgRows s, conn_.Query(
      "SELECT person_key FROM evidence WHERE id > $1 AND person_key > 0 UNION SELECT person_key FROM person_dirty",
      {evidence_high_water}));
  std::vector<PersonKey> out;
  out.reserve(static_cast<size_t>(s.size()));
  for (int r = 0; r < s.size(); ++r) out.push_back(static_cast<PersonKey>(s.Int(r, 0)));
  return out;
}

Status PgStore::ForEachForecast(const std::function<Status(const ForecastRecord&)>& fn) {
  ForecastRecord f;
  return conn_.ForEachRow(
      "SELECT entitlement_id, through_month, status, due_fen, rule, evidence_id, person_key FROM forecast", {},
      [&](const PgRow& r) -> Status {
        f.entitlement_id = r.Int(0);
        f.through = Month::FromIndex(static_cast<int32_t>(r.Int(1)));
        f.status = static_cast<MonthStatus>(r.Int(2));
        f.due = r.Int(3);
        f.rule = r.Text(4);
        f.evidence_id = r.Int(5);
        f.person = static_cast<PersonKey>(r.Int(6));
        return fn(f);
      },
      20000);
}

Result<std::string> PgStore::StatsFingerprint() {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(StatsFingerprintSql()));
  if (r.size() != 1) return Internal("no statistics fingerprint");
  return r.Text(0, 0);
}

Status PgStore::SaveStatsSnapshot(StatsSnapshotRecord& snapshot, const std::vector<StatsCellRecord>& cells) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  const int64_t month = snapshot.month.index();
  const int64_t as_of = snapshot.as_of.days();
  // The replaced snapshot and the old ones go first, with their cells.
  RETURN_IF_ERROR(conn_.Query("DELETE FROM stats_cell WHERE snapshot_id IN (SELECT id FROM stats_snapshot "
                              "WHERE (month = $1 AND as_of = $2) OR as_of < $2 - 400)",
                              {month, as_of}));
  RETURN_IF_ERROR(
      conn_.Query("DELETE FROM stats_snapshot WHERE (month = $1 AND as_of = $2) OR as_of < $2 - 400", {month, as_of}));
  ASSIGN_OR_RETURN(PgRows id, conn_.Query("INSERT INTO stats_snapshot (month, as_of, trend_from, taken_at, "
                                          "fingerprint, persons) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                                          {month, as_of, static_cast<int64_t>(snapshot.trend_from.index()),
                                           snapshot.taken_at, snapshot.fingerprint, snapshot.persons}));
  snapshot.id = id.Int(0, 0);
  PgCopy copy(conn_, "COPY stats_cell (snapshot_id, region_code, scheme, payload) FROM STDIN");
  for (const StatsCellRecord& c : cells) {
    RETURN_IF_ERROR(copy.Int(snapshot.id).Text(c.region_code).Text(c.scheme).Text(c.payload).EndRow());
  }
  RETURN_IF_ERROR(copy.Flush());
  return tx.Commit();
}

Result<std::optional<StatsSnapshotRecord>> PgStore::FindStatsSnapshot(Month month, Date as_of) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM stats_snapshot WHERE month = $1 AND as_of = $2",
                                                     kStatsSnapshotColumns),
                                         {static_cast<int64_t>(month.index()), static_cast<int64_t>(as_of.days())}));
  return FirstRow<StatsSnapshotRecord>(r, ReadStatsSnapshot<PgRow>);
}

Result<std::vector<StatsSnapshotRecord>> PgStore::ListStatsSnapshots() {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM stats_snapshot ORDER BY as_of DESC, month DESC",
                                                     kStatsSnapshotColumns)));
  return CollectRows<StatsSnapshotRecord>(r, ReadStatsSnapshot<PgRow>);
}

Status PgStore::ForEachStatsCell(int64_t snapshot_id, const std::string& region_prefix,
                                 const std::function<Status(const StatsCellRecord&)>& fn) {
  StatsCellRecord cell;
  return conn_.ForEachRow(
      "SELECT region_code, scheme, payload FROM stats_cell WHERE snapshot_id = $1 AND region_code >= $2 "
      "AND region_code < $3 ORDER BY region_code, scheme",
      {snapshot_id, region_prefix, PrefixUpperBound(region_prefix)},
      [&](const PgRow& r) -> Status {
        cell.region_code = r.Text(0);
        cell.scheme = r.Text(1);
        cell.payload = r.Text(2);
        return fn(cell);
      },
      20000);
}

OutreachStore& PgStore::outreach() { return *outreach_; }

}  // namespace tacit::pg

namespace tacit {

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo) {
  ASSIGN_OR_RETURN(pg::PgConn conn, pg::PgConn::Connect(conninfo));
  return std::unique_ptr<Store>(std::make_unique<pg::PgStore>(conninfo, std::move(conn)));
}

}  // namespace tacit
