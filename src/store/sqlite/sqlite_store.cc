// The SQLite backend of the Store interface.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <future>
#include <limits>
#include <span>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "base/huge_pages.h"
#include "base/prefetch.h"
#include "base/radix_sort.h"
#include "store/record_rows.h"
#include "store/sqlite/bulk_packs.h"
#include "store/sqlite/claim_blocks.h"
#include "store/sqlite/early_writeback.h"
#include "store/sqlite/evidence_pack.h"
#include "store/sqlite/int_map.h"
#include "store/sqlite/row_source.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_access.h"
#include "store/sqlite/sqlite_outreach.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store_internal.h"
#include "tacit/store.h"

namespace tacit {
namespace {

using sqlite::Db;
using sqlite::Stmt;
using sqlite::Transaction;

using sqlite::CollectRows;
using sqlite::FirstRow;

using namespace store_rows;  // the readers and column lists both stores share

class SqliteStore final : public Store {
  struct BulkRefs;  // defined with the other private members
  using BulkPacks = sqlite::BulkPacks;

 public:
  explicit SqliteStore(Db db) : db_(std::move(db)) {}

  Status Configure(const SqliteOptions& options) {
    options_ = options;
    if (const char* env = std::getenv("TACIT_BULK_MIN_ROWS"); env != nullptr && *env != '\0') {
      char* end = nullptr;
      const long long rows = std::strtoll(env, &end, 10);
      if (*end != '\0' || rows < 0) {
        return InvalidArgument(fmt::format("TACIT_BULK_MIN_ROWS: expected a whole number of rows, not \"{}\"", env));
      }
      options_.bulk_min_rows = rows;
    }
    RETURN_IF_ERROR(sqlite::RegisterRowSourceModule(db_));
    // A new store gets 16 KiB pages (set before anything is written; an
    // existing store keeps its own): measured on a province, the ingest ran
    // 5% faster, the monthly run 2-7% faster with 2% less memory, and person
    // lookups through the API alike (docs/performance.md, "16 KiB pages for
    // new stores").
    ASSIGN_OR_RETURN(Stmt pages, db_.Prepare("PRAGMA page_count"));
    ASSIGN_OR_RETURN(bool counted, pages.Step());
    const bool empty = counted && pages.Int(0) == 0;
    pages.Reset();
    if (empty) RETURN_IF_ERROR(db_.Exec(fmt::format("PRAGMA page_size={}", kNewStorePageSize)));
    RETURN_IF_ERROR(db_.Exec("PRAGMA journal_mode=WAL"));
    // FULL: a committed batch survives a power cut, not only a process crash.
    RETURN_IF_ERROR(db_.Exec("PRAGMA synchronous=FULL"));
    // A page cache large enough to hold the evidence indexes of a province's
    // ingest, so a unit of work writes each page once at commit instead of
    // spilling it again and again.
    RETURN_IF_ERROR(SetCacheMb(options.cache_mb));
    RETURN_IF_ERROR(db_.Exec("PRAGMA temp_store=MEMORY"));
    RETURN_IF_ERROR(db_.Exec("PRAGMA mmap_size=2147418112"));
    return {};
  }

  static constexpr int kNewStorePageSize = 16384;

  Status SetCacheMb(int mb) { return db_.Exec(fmt::format("PRAGMA cache_size=-{}", std::max(1, mb) * 1024)); }

  Status MigrateTo(int target) {
    ASSIGN_OR_RETURN(int version, SchemaVersion());
    const auto migrations = sqlite::Migrations();
    if (version > static_cast<int>(migrations.size())) {
      return FailedPrecondition(fmt::format(
          "the store has schema version {}, newer than this build of tacit knows ({}): use a newer tacit", version,
          migrations.size()));
    }
    for (int v = version; v < target; ++v) {
      ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
      RETURN_IF_ERROR(db_.Exec(migrations[static_cast<size_t>(v)]));
      RETURN_IF_ERROR(db_.Exec(fmt::format("PRAGMA user_version={}", v + 1)));
      RETURN_IF_ERROR(tx.Commit());
    }
    return {};
  }

  class SqliteUnit final : public StoreTransaction {
   public:
    SqliteUnit(SqliteStore* store, Transaction tx) : store_(store), tx_(std::move(tx)) {}
    ~SqliteUnit() override {
      if (!done_) {
        (void)tx_.Rollback();  // restores the index and forgets the pending claims and packs
        store_->source_names_.clear();  // a source the unit made may be gone
      }
      store_->EndBulk();
    }
    void BatchesDone() override { store_->PrepareCommit(); }
    Status Commit() override {
      // A bulk unit's linked records get their ids in person order and are
      // written as packs; meanwhile its claims (which name those ids) are
      // sorted, merged and cut into blocks on another thread: the packing
      // reads only the unit's memory, the writing only the store.
      std::optional<PackIds> pack_ids;
      if (store_->bulk_packs_ && !store_->bulk_packs_->entries.empty()) {
        if (!store_->pack_feed_) store_->pack_feed_ = std::make_unique<sqlite::PackFeed>(*store_->bulk_packs_);
        store_->pack_feed_->WaitMerged();
        ASSIGN_OR_RETURN(pack_ids, store_->GivePackIds());
      }
      std::future<PackedClaims> packing;
      if (store_->bulk_refs_) {
        std::future<std::vector<sqlite::Claim>> sorted = std::move(store_->claims_ahead_);
        packing = std::async(std::launch::async, [refs = store_->bulk_refs_.get(),
                                                  ids = pack_ids ? &*pack_ids : nullptr,
                                                  sorted = std::move(sorted)]() mutable {
          return PackClaims(*refs, ids, sorted.valid() ? sorted.get() : refs->PendingClaims());
        });
      }
      if (pack_ids) {
        RETURN_IF_ERROR(store_->WritePacks(*store_->pack_feed_, pack_ids->base));
        store_->pack_feed_.reset();
        store_->bulk_packs_.reset();
      }
      if (store_->person_index_deferred_) {
        RETURN_IF_ERROR(store_->SetCacheMb(store_->options_.cache_mb));  // the index build sorts in it
        RETURN_IF_ERROR(store_->db_.Exec(kCreatePersonIndex));
        store_->person_index_deferred_ = false;
      }
      if (packing.valid()) {
        RETURN_IF_ERROR(store_->WriteClaimBlocks(packing.get()));
        store_->bulk_refs_.reset();
      }
      if (store_->writeback_) store_->writeback_->Stop();  // the commit's fsync finishes what it started
      RETURN_IF_ERROR(tx_.Commit());
      done_ = true;
      return {};
    }

   private:
    SqliteStore* store_;
    Transaction tx_;
    bool done_ = false;
  };

  static constexpr const char* kCreatePersonIndex = "CREATE INDEX evidence_person ON evidence(person_key)";

  Result<std::unique_ptr<StoreTransaction>> Begin() override {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    auto unit = std::make_unique<SqliteUnit>(this, std::move(tx));
    if (bulk_expected_) RETURN_IF_ERROR(StartBulk());
    return std::unique_ptr<StoreTransaction>(std::move(unit));
  }

  // Called before Begin(): a unit that adds a large share of the table is loaded
  // in bulk. Its person index is built once from sorted keys at commit instead
  // of row by row, its (source, ref) claims are checked in memory and written in
  // key order, and it runs with a rollback journal: appended pages are written
  // once instead of to the WAL and again at the checkpoint. Still one atomic,
  // durable transaction.
  Status ExpectEvidence(int64_t rows) override {
    bulk_expected_ = false;
    if (db_.InTransaction()) return {};
    int64_t stored = 0;  // records: the largest id less the ids bulk units left unused
    {
      ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
          "SELECT {} - coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '{}'), 0)", kMaxEvidenceIdSql,
          kUnusedIdsKey)));
      ASSIGN_OR_RETURN(bool row, s.Step());
      stored = row ? s.Int(0) : 0;
    }
    if (rows < options_.bulk_min_rows || rows < stored / 2) return {};
    bulk_expected_ = true;
    bulk_rows_ = rows;
    // Stays WAL when another connection has the store open (a server's
    // pool, a reader): SQLite then refuses the switch with SQLITE_BUSY at
    // once, and the unit loads in bulk in WAL mode, which only writes its
    // pages twice. That refusal is not the ingest's failure.
    ASSIGN_OR_RETURN(Stmt mode, db_.Prepare("PRAGMA journal_mode=DELETE"));
    const Result<bool> row = mode.Step();
    journal_switched_ = row && *row && mode.TextView(0) == "delete";
    return {};
  }

  Status StartBulk() {
    RETURN_IF_ERROR(SetCacheMb(options_.bulk_append_cache_mb));
    RETURN_IF_ERROR(db_.Exec("DROP INDEX evidence_person"));
    person_index_deferred_ = true;
    auto bulk = std::make_unique<BulkRefs>(static_cast<size_t>(bulk_rows_));
    ASSIGN_OR_RETURN(bulk->stored, StoredClaims());
    bulk_refs_ = std::move(bulk);
    bulk_packs_ = std::make_unique<BulkPacks>();
    // Reserved, not touched: pages are used as records arrive, in huge pages
    // (base/huge_pages.h). A linked record of a province's feeds encodes to
    // about 100 bytes (most of it the detail), and most rows are linked.
    ReserveInHugePages(bulk_packs_->bytes, static_cast<size_t>(bulk_rows_) * 128);
    ReserveInHugePages(bulk_packs_->entries, static_cast<size_t>(bulk_rows_));
    return {};
  }

  // The largest evidence id stored, rows and packs: the pack with the largest
  // first id holds the largest of the packs' ids (a pack's ids are contiguous
  // and packs do not overlap).
  static constexpr std::string_view kMaxEvidenceIdSql =
      "max((SELECT coalesce(max(id), 0) FROM evidence), "
      "coalesce((SELECT last_id FROM evidence_pack ORDER BY first_id DESC LIMIT 1), 0))";

  // meta: how many evidence ids bulk units have left unused (the provisional
  // ids of packed records), so that ExpectEvidence can count records from
  // the largest id.
  static constexpr std::string_view kUnusedIdsKey = "evidence_ids_unused";

  // The ids a bulk unit's commit gives its packed records, from the
  // provisional ids its batches gave them.
  struct PackIds {
    int64_t first_provisional = 0;
    int64_t base = 0;             // the first packed record's id
    std::vector<uint32_t> order;  // by provisional id less first_provisional: position in person order + 1, or 0
    int64_t Final(int64_t provisional) const {
      const int64_t at = provisional - first_provisional;
      if (at < 0 || at >= static_cast<int64_t>(order.size()) || order[static_cast<size_t>(at)] == 0) {
        return provisional;  // not packed: an unlinked record keeps its id
      }
      return base + order[static_cast<size_t>(at)] - 1;
    }
  };

  // The unit's batches are done (StoreTransaction::BatchesDone): its packed
  // records are merged and gathered (PackFeed), and its claims sorted, on
  // other threads while this one writes the person summary. A batch after
  // that stops both (StopCommitWork): it changes what they read.
  void PrepareCommit() {
    if (bulk_refs_ && !writeback_) {
      // The file the unit's pages go to: the store itself with the rollback
      // journal, else its WAL.
      writeback_ = std::make_unique<sqlite::EarlyWriteback>(
          journal_switched_ ? db_.path() : db_.path() + "-wal", kWritebackPeriod);
    }
    if (bulk_packs_ && !bulk_packs_->entries.empty() && !pack_feed_) {
      pack_feed_ = std::make_unique<sqlite::PackFeed>(*bulk_packs_);
    }
    if (bulk_refs_ && !claims_ahead_.valid()) {
      // Reads nothing but the map, which no batch changes until StopCommitWork.
      claims_ahead_ = std::async(std::launch::async, [refs = bulk_refs_.get()] { return refs->PendingClaims(); });
    }
  }
  void StopCommitWork() {
    pack_feed_.reset();  // after its merge, which it finishes first
    if (claims_ahead_.valid()) claims_ahead_.wait();
    claims_ahead_ = {};
  }

  // Gives the unit's packed records, merged into (person, provisional id)
  // order, consecutive ids in that order, so that each person's records hold
  // a run of ids. The provisional ids are left unused.
  Result<PackIds> GivePackIds() {
    BulkPacks& packs = *bulk_packs_;  // merged by the feed
    PackIds ids;
    ids.first_provisional = packs.first_provisional;
    ASSIGN_OR_RETURN(ids.base, AllocateEvidenceIds(static_cast<int64_t>(packs.entries.size())));
    ASSIGN_OR_RETURN(Stmt unused, db_.Prepare(fmt::format(
        "INSERT INTO meta(key, value) VALUES('{}', ?1) "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + ?1", kUnusedIdsKey)));
    RETURN_IF_ERROR(unused.Bind(1, static_cast<int64_t>(packs.entries.size())).Run());
    ids.order = std::move(packs.entry_of);  // by provisional id: the merged place + 1; the batches are done
    return ids;
  }

  // Writes one pack per person of the unit, the first holding ids from
  // `base` on, with one INSERT … SELECT, as `feed` gathers them on its
  // thread: a few megabytes at a time, so that the unit's peak memory does
  // not grow.
  Status WritePacks(sqlite::PackFeed& feed, int64_t base) {
    const std::vector<BulkPacks::Entry>& entries = bulk_packs_->entries;
    const std::vector<uint32_t>& starts = feed.starts();
    const size_t count = feed.count();
    // The run before `current` is kept while the next is read: SQLite may
    // still hold the last row it gave, which it does not copy.
    sqlite::GatheredPacks current, previous;
    Status failed;  // a run that did not gather: its row reads NULL, which stops the insert
    sqlite::RowsOf rows(static_cast<int64_t>(count), [&](int64_t row, int col, sqlite::ColumnOut& out) {
      const auto r = static_cast<size_t>(row);
      const uint32_t from = starts[r], to = starts[r + 1];
      switch (col) {
        case 0: return out.Int(base + from);
        case 1: return out.Int(base + to - 1);
        case 2: return out.Int(static_cast<int64_t>(entries[from].person));
        case 3: {
          // SQLite reads the rows in order, and the feed gives its runs in order.
          if (r < current.first || r >= current.first + current.ends.size()) {
            std::optional<sqlite::GatheredPacks> next = feed.Next();
            if (next) {
              previous = std::exchange(current, std::move(*next));
            } else {
              current.status = Internal("evidence_pack: the feed ended before its last pack");
            }
            if (current.status && (r < current.first || r >= current.first + current.ends.size())) {
              current.status = Internal("evidence_pack: the feed's runs are out of order");
            }
          }
          if (!current.status) {
            failed = current.status;
            return out.Null();
          }
          const size_t i = r - current.first;
          const size_t begin = i == 0 ? 0 : current.ends[i - 1];
          return out.Blob(std::string_view(current.bytes).substr(begin, current.ends[i] - begin));
        }
        default: return out.Null();
      }
    });
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare(
        "INSERT INTO evidence_pack(first_id, last_id, person_key, records) SELECT c0, c1, c2, c3 FROM tacit_rows(?1)"));
    Status written = sqlite::BindRowSource(ins, 1, rows).Run();
    return failed ? written : failed;
  }

  // Every stored claim, ascending by slot: the packed blocks and the rows of
  // evidence_ref (disjoint: a slot is claimed in one place).
  Result<std::vector<sqlite::Claim>> StoredClaims() {
    std::vector<sqlite::Claim> packed, rows;
    ASSIGN_OR_RETURN(Stmt blocks, db_.Prepare("SELECT claims FROM evidence_ref_block ORDER BY first_slot"));
    while (true) {
      ASSIGN_OR_RETURN(bool more, blocks.Step());
      if (!more) break;
      RETURN_IF_ERROR(sqlite::DecodeClaimBlock(blocks.BlobView(0), packed));
    }
    ASSIGN_OR_RETURN(Stmt keys, db_.Prepare("SELECT ref_hash, evidence_id FROM evidence_ref ORDER BY ref_hash"));
    while (true) {
      ASSIGN_OR_RETURN(bool more, keys.Step());
      if (!more) break;
      rows.emplace_back(keys.Int(0), keys.Int(1));
    }
    if (rows.empty()) return packed;
    std::vector<sqlite::Claim> all(packed.size() + rows.size());
    std::merge(packed.begin(), packed.end(), rows.begin(), rows.end(), all.begin());
    return all;
  }

  void EndBulk() {
    StopCommitWork();  // it reads bulk_packs_ and bulk_refs_
    writeback_.reset();
    if (bulk_expected_ || bulk_refs_) (void)SetCacheMb(options_.cache_mb);
    person_index_deferred_ = false;
    bulk_refs_.reset();
    bulk_packs_.reset();
    bulk_expected_ = false;
    if (journal_switched_) {
      (void)db_.Exec("PRAGMA journal_mode=WAL");
      journal_switched_ = false;
    }
  }

  // A bulk unit's claims ready to store: the stored claims and the unit's,
  // merged into one ascending run and cut into blocks (first slot, bytes).
  struct PackedClaims {
    std::vector<std::pair<int64_t, std::string>> blocks;
    bool replaces_stored = false;  // claims were stored before the unit
  };

  // Packs `refs`. Touches nothing but `refs`, so it can run on another thread
  // while the unit's connection works.
  // `ids`, when the unit packed records, gives their final ids.
  // `claims` are the unit's, ascending by slot (BulkRefs::PendingClaims).
  static PackedClaims PackClaims(BulkRefs& refs, const PackIds* ids, std::vector<sqlite::Claim> claims) {
    // The unit is over: its map and the stored claims are freed as soon as
    // they are read, so that the peak stays that of the ingest.
    refs.pending = sqlite::IntMap();
    if (ids != nullptr) {
      for (sqlite::Claim& c : claims) c.second = ids->Final(c.second);  // the order by slot stays
    }
    PackedClaims packed;
    if (!refs.stored.empty()) {
      std::vector<sqlite::Claim> all(refs.stored.size() + claims.size());
      std::merge(refs.stored.begin(), refs.stored.end(), claims.begin(), claims.end(), all.begin());
      std::vector<sqlite::Claim>().swap(refs.stored);
      claims.swap(all);
      packed.replaces_stored = true;
    }
    const std::span<const sqlite::Claim> run(claims);
    packed.blocks.reserve(run.size() / sqlite::kClaimsPerBlock + 1);
    for (size_t at = 0; at < run.size(); at += sqlite::kClaimsPerBlock) {
      const auto block = run.subspan(at, std::min(sqlite::kClaimsPerBlock, run.size() - at));
      packed.blocks.emplace_back(block.front().first, sqlite::EncodeClaimBlock(block));
    }
    return packed;
  }

  // Replaces every block and every row of evidence_ref with `packed`. The unit
  // is at least half the store (ExpectEvidence), so rewriting what is stored
  // costs at most twice what the unit adds.
  Status WriteClaimBlocks(const PackedClaims& packed) {
    if (packed.replaces_stored) {
      RETURN_IF_ERROR(db_.Exec("DELETE FROM evidence_ref"));
      RETURN_IF_ERROR(db_.Exec("DELETE FROM evidence_ref_block"));
    }
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare("INSERT INTO evidence_ref_block(first_slot, claims) VALUES(?, ?)"));
    for (const auto& [first_slot, bytes] : packed.blocks) {
      RETURN_IF_ERROR(ins.Reset().Bind(1, first_slot).BindBlob(2, bytes).Run());
    }
    return {};
  }

  // The statement kept in `slot`, prepared from `sql` on its first use: for
  // the queries that run once per person, claim or record.
  Result<Stmt*> PreparedOnce(std::unique_ptr<Stmt>& slot, std::string_view sql) {
    if (!slot) {
      ASSIGN_OR_RETURN(Stmt s, db_.Prepare(sql));
      slot = std::make_unique<Stmt>(std::move(s));
    }
    return slot.get();
  }

  // The evidence id holding `slot` in the packed claims, or 0.
  Result<int64_t> PackedHolder(int64_t slot) {
    ASSIGN_OR_RETURN(Stmt* const prepared, PreparedOnce(packed_holder_,
        "SELECT claims FROM evidence_ref_block WHERE first_slot <= ? ORDER BY first_slot DESC LIMIT 1"));
    Stmt& s = *prepared;
    s.Reset().Bind(1, slot);
    ASSIGN_OR_RETURN(bool row, s.Step());
    Result<int64_t> holder = row ? sqlite::FindInClaimBlock(s.BlobView(0), slot) : Result<int64_t>(int64_t{0});
    s.Reset();
    return holder;
  }

  Status Migrate() override { return MigrateTo(static_cast<int>(sqlite::Migrations().size())); }

  Result<int> SchemaVersion() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare("PRAGMA user_version"));
    ASSIGN_OR_RETURN(bool row, s.Step());
    return row ? static_cast<int>(s.Int(0)) : 0;
  }

  Status SavePolicy(const Policy& policy) override {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt cur, db_.Prepare("SELECT text FROM policy WHERE active = 1"));
    ASSIGN_OR_RETURN(bool has, cur.Step());
    if (has && cur.TextView(0) == policy.text) return tx.Commit();
    RETURN_IF_ERROR(db_.Exec("UPDATE policy SET active = 0 WHERE active = 1"));
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare("INSERT INTO policy(name, version, text, loaded_at, active) VALUES(?,?,?,?,1)"));
    RETURN_IF_ERROR(ins.Bind(1, policy.name).Bind(2, policy.version).Bind(3, policy.text).Bind(4, NowUtcText()).Run());
    return tx.Commit();
  }

  Result<Policy> LoadPolicy() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT text, id FROM policy WHERE active = 1"));
    ASSIGN_OR_RETURN(bool has, s.Step());
    if (!has) return FailedPrecondition("no policy is loaded in the store: run `tacit init` first");
    return ParsePolicy(s.TextView(0), fmt::format("stored policy #{}", s.Int(1)));
  }

  Result<std::optional<std::string>> GetMeta(const std::string& key) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT value FROM meta WHERE key = ?"));
    s.Bind(1, key);
    ASSIGN_OR_RETURN(bool has, s.Step());
    if (!has) return std::optional<std::string>();
    return std::optional<std::string>(s.Text(0));
  }

  Status PutMeta(const std::string& key, const std::string& value) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    return s.Bind(1, key).Bind(2, value).Run();
  }

  Result<int64_t> UpsertRegions(const std::vector<Region>& regions) override {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "INSERT INTO region(code, name, parent, level) VALUES(?,?,?,?) "
        "ON CONFLICT(code) DO UPDATE SET name = excluded.name, parent = excluded.parent, level = excluded.level "
        "WHERE name IS NOT excluded.name OR parent IS NOT excluded.parent OR level IS NOT excluded.level"));
    int64_t changed = 0;
    for (const Region& r : regions) {
      s.Bind(1, r.code).Bind(2, r.name).BindTextOrNull(3, r.parent).Bind(4, static_cast<int>(r.level));
      RETURN_IF_ERROR(s.Run());
      changed += db_.Changes();
    }
    RETURN_IF_ERROR(tx.Commit());
    return changed;
  }

  static Region ReadRegion(const Stmt& s) {
    return Region{s.Text(0), s.Text(1), s.Text(2), static_cast<RegionLevel>(s.Int(3))};
  }

  Result<std::optional<Region>> FindRegion(const std::string& code) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT code, name, parent, level FROM region WHERE code = ?"));
    s.Bind(1, code);
    return FirstRow<Region>(s, ReadRegion);
  }

  Result<std::vector<Region>> ChildRegions(const std::string& code) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(code.empty()
        ? "SELECT code, name, parent, level FROM region WHERE level = 1 ORDER BY code"
        : "SELECT code, name, parent, level FROM region WHERE parent = ? ORDER BY code"));
    if (!code.empty()) s.Bind(1, code);
    return CollectRows<Region>(s, ReadRegion);
  }

  Result<std::vector<std::string>> RegionCodes() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT code FROM region ORDER BY code"));
    return CollectRows<std::string>(s, [](const Stmt& r) { return r.Text(0); });
  }

  Result<RegistryImportCounts> ImportRegistry(const std::vector<RegistryRow>& rows, Month effective) override {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt find_person, db_.Prepare(
        "SELECT name, sex, birth_date, phone, region_code, special_care, baseline_certified FROM person "
        "WHERE person_key = ?"));
    ASSIGN_OR_RETURN(Stmt insert_person, db_.Prepare(
        "INSERT INTO person(person_key, id_number, name, sex, birth_date, phone, region_code, special_care, "
        "baseline_certified, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?)"));
    ASSIGN_OR_RETURN(Stmt update_person, db_.Prepare(
        "UPDATE person SET name = ?2, sex = ?3, birth_date = ?4, phone = ?5, region_code = ?6, special_care = ?7, "
        "baseline_certified = ?8, updated_at = ?9 WHERE person_key = ?1"));
    ASSIGN_OR_RETURN(Stmt find_ent, db_.Prepare(
        "SELECT id, start_month, paying_region, paid_through, contribution_months, account_balance_fen, "
        "account_subsidy_fen FROM entitlement WHERE person_key = ? AND scheme = ?"));
    ASSIGN_OR_RETURN(Stmt insert_ent, db_.Prepare(
        "INSERT INTO entitlement(person_key, scheme, paying_region, start_month, paid_through, contribution_months, "
        "registered_on, account_balance_fen, account_subsidy_fen) VALUES(?,?,?,?,?,?,?,?,?)"));
    ASSIGN_OR_RETURN(Stmt update_facts, db_.Prepare(
        "UPDATE entitlement SET paid_through = ?2, contribution_months = ?3, account_balance_fen = ?4, "
        "account_subsidy_fen = ?5 WHERE id = ?1"));
    ASSIGN_OR_RETURN(Stmt update_ent, db_.Prepare("UPDATE entitlement SET start_month = ? WHERE id = ?"));
    ASSIGN_OR_RETURN(Stmt update_region, db_.Prepare("UPDATE entitlement SET paying_region = ? WHERE id = ?"));
    ASSIGN_OR_RETURN(Stmt move_first_step, db_.Prepare(
        "UPDATE entitlement_amount SET from_month = ?1 WHERE entitlement_id = ?2 AND from_month = ?3"));
    ASSIGN_OR_RETURN(Stmt amount_in_force, db_.Prepare(
        "SELECT monthly_fen, basic_fen FROM entitlement_amount WHERE entitlement_id = ? AND from_month <= ? "
        "ORDER BY from_month DESC LIMIT 1"));
    ASSIGN_OR_RETURN(Stmt upsert_amount, db_.Prepare(
        "INSERT INTO entitlement_amount(entitlement_id, from_month, monthly_fen, basic_fen, person_key) "
        "VALUES(?,?,?,?,?) "
        "ON CONFLICT(entitlement_id, from_month) DO UPDATE SET monthly_fen = excluded.monthly_fen, "
        "basic_fen = excluded.basic_fen"));
    const std::string now = NowUtcText();
    RegistryImportCounts counts;
    std::unordered_map<PersonKey, bool> seen_person;  // persons touched by this file: counted once
    for (const RegistryRow& row : rows) {
      const PersonRecord& p = row.person;
      find_person.Reset().Bind(1, static_cast<int64_t>(p.key));
      ASSIGN_OR_RETURN(bool exists, find_person.Step());
      bool person_changed = false;
      if (!exists) {
        std::optional<Date> baseline = p.baseline_certified ? p.baseline_certified : row.default_baseline;
        insert_person.Bind(1, static_cast<int64_t>(p.key)).Bind(2, p.id_number).Bind(3, p.name)
            .Bind(4, static_cast<int>(p.sex)).Bind(5, static_cast<int64_t>(p.birth_date.days()))
            .BindTextOrNull(6, p.phone).Bind(7, p.region_code).Bind(8, p.special_care ? 1 : 0)
            .BindOptional(9, baseline ? std::optional<int64_t>(baseline->days()) : std::nullopt).Bind(10, now);
        RETURN_IF_ERROR(insert_person.Run());
        ++counts.persons_added;
        seen_person[p.key] = true;
      } else {
        const std::optional<int64_t> stored_baseline =
            find_person.IsNull(6) ? std::nullopt : std::optional<int64_t>(find_person.Int(6));
        const std::optional<int64_t> baseline =
            p.baseline_certified ? std::optional<int64_t>(p.baseline_certified->days()) : stored_baseline;
        person_changed = find_person.TextView(0) != p.name || find_person.Int(1) != static_cast<int>(p.sex) ||
                         find_person.Int(2) != p.birth_date.days() || find_person.TextView(3) != p.phone ||
                         find_person.TextView(4) != p.region_code || find_person.Int(5) != (p.special_care ? 1 : 0) ||
                         baseline != stored_baseline;
        find_person.Reset();
        if (person_changed) {
          update_person.Bind(1, static_cast<int64_t>(p.key)).Bind(2, p.name).Bind(3, static_cast<int>(p.sex))
              .Bind(4, static_cast<int64_t>(p.birth_date.days())).BindTextOrNull(5, p.phone).Bind(6, p.region_code)
              .Bind(7, p.special_care ? 1 : 0).BindOptional(8, baseline).Bind(9, now);
          RETURN_IF_ERROR(update_person.Run());
          if (!seen_person.count(p.key)) ++counts.persons_updated;
          seen_person[p.key] = true;
        }
      }
      find_person.Reset();

      find_ent.Reset().Bind(1, static_cast<int64_t>(p.key)).Bind(2, static_cast<int>(row.scheme));
      ASSIGN_OR_RETURN(bool ent_exists, find_ent.Step());
      if (!ent_exists) {
        find_ent.Reset();
        insert_ent.Bind(1, static_cast<int64_t>(p.key)).Bind(2, static_cast<int>(row.scheme))
            .Bind(3, row.paying_region).Bind(4, row.start.index()).BindOptional(5, MonthIndexOrNull(row.paid_through))
            .Bind(6, row.contribution_months).Bind(7, static_cast<int64_t>(row.imported_on.days()))
            .BindOptional(8, row.account_balance).BindOptional(9, row.account_subsidy);
        RETURN_IF_ERROR(insert_ent.Run());
        const int64_t id = db_.LastInsertId();
        upsert_amount.Bind(1, id).Bind(2, row.start.index()).Bind(3, row.monthly).Bind(4, row.basic)
            .Bind(5, static_cast<int64_t>(p.key));
        RETURN_IF_ERROR(upsert_amount.Run());
        ++counts.entitlements_added;
        continue;
      }
      const int64_t id = find_ent.Int(0);
      const int64_t stored_start = find_ent.Int(1);
      const bool region_changed = find_ent.TextView(2) != row.paying_region;
      // What the row does not give stays as stored. The account is one fact: a
      // row giving the balance replaces the pair (a subsidy it does not give is
      // then unknown), so a subsidy never outlives the balance it was part of.
      const std::optional<int64_t> stored_paid_through = OptionalInt(find_ent, 3);
      const int64_t stored_contribution = find_ent.Int(4);
      const std::optional<int64_t> stored_balance = OptionalInt(find_ent, 5);
      const std::optional<int64_t> stored_subsidy = OptionalInt(find_ent, 6);
      find_ent.Reset();
      const std::optional<int64_t> paid_through =
          row.paid_through ? MonthIndexOrNull(row.paid_through) : stored_paid_through;
      const int64_t contribution = row.contribution_months > 0 ? row.contribution_months : stored_contribution;
      const std::optional<int64_t> balance = row.account_balance ? row.account_balance : stored_balance;
      const std::optional<int64_t> subsidy = row.account_balance ? row.account_subsidy : stored_subsidy;
      bool ent_changed = false;
      if (paid_through != stored_paid_through || contribution != stored_contribution || balance != stored_balance ||
          subsidy != stored_subsidy) {
        RETURN_IF_ERROR(update_facts.Bind(1, id).BindOptional(2, paid_through).Bind(3, contribution)
                            .BindOptional(4, balance).BindOptional(5, subsidy).Run());
        ent_changed = true;
      }
      if (region_changed) {
        RETURN_IF_ERROR(update_region.Bind(1, row.paying_region).Bind(2, id).Run());
        ent_changed = true;
      }
      if (stored_start != row.start.index()) {
        update_ent.Bind(1, row.start.index()).Bind(2, id);
        RETURN_IF_ERROR(update_ent.Run());
        if (row.start.index() < stored_start) {
          // Started earlier than recorded: the first amount step moves with it,
          // so the added months have an amount.
          RETURN_IF_ERROR(move_first_step.Bind(1, row.start.index()).Bind(2, id).Bind(3, stored_start).Run());
        }
        ent_changed = true;
      }
      // The row's amount is the one in force from `effective`. Compared with the
      // step in force then, not the latest step: a rise announced for a later
      // month (registry adjust) stays, and the import does not undo it.
      const int64_t from = std::max<int64_t>(effective.index(), row.start.index());
      amount_in_force.Reset().Bind(1, id).Bind(2, from);
      ASSIGN_OR_RETURN(bool has_amount, amount_in_force.Step());
      const bool amount_differs =
          !has_amount || amount_in_force.Int(0) != row.monthly || amount_in_force.Int(1) != row.basic;
      amount_in_force.Reset();
      if (amount_differs) {
        upsert_amount.Bind(1, id).Bind(2, from).Bind(3, row.monthly).Bind(4, row.basic)
            .Bind(5, static_cast<int64_t>(p.key));
        RETURN_IF_ERROR(upsert_amount.Run());
        ent_changed = true;
      }
      if (ent_changed) {
        ++counts.entitlements_updated;
      } else if (!person_changed) {
        ++counts.unchanged;
      }
    }
    if (counts.persons_added > 0) {
      ASSIGN_OR_RETURN(Stmt gen, db_.Prepare(
          "INSERT INTO meta(key, value) VALUES(?1, '1') "
          "ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"));
      RETURN_IF_ERROR(gen.Bind(1, kRegistryGeneration).Run());
    }
    RETURN_IF_ERROR(tx.Commit());
    return counts;
  }

  Result<AdjustCounts> AdjustAmounts(const std::vector<AmountAdjustment>& rows) override {
    // In (person, scheme, effective) order, so that a row's "basic part before
    // `effective`" does not depend on the order of the file.
    std::vector<const AmountAdjustment*> order;
    order.reserve(rows.size());
    for (const AmountAdjustment& r : rows) order.push_back(&r);
    std::sort(order.begin(), order.end(), [](const AmountAdjustment* a, const AmountAdjustment* b) {
      return std::tuple(a->person, a->scheme, a->effective, a->line) <
             std::tuple(b->person, b->scheme, b->effective, b->line);
    });
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt find_ent, db_.Prepare(
        "SELECT id, start_month FROM entitlement WHERE person_key = ? AND scheme = ?"));
    // The step at `effective`, if any, and the one in force before it.
    ASSIGN_OR_RETURN(Stmt steps, db_.Prepare(
        "SELECT from_month, monthly_fen, basic_fen FROM entitlement_amount WHERE entitlement_id = ? AND "
        "from_month <= ? ORDER BY from_month DESC LIMIT 2"));
    ASSIGN_OR_RETURN(Stmt upsert_amount, db_.Prepare(
        "INSERT INTO entitlement_amount(entitlement_id, from_month, monthly_fen, basic_fen, person_key) "
        "VALUES(?,?,?,?,?) "
        "ON CONFLICT(entitlement_id, from_month) DO UPDATE SET monthly_fen = excluded.monthly_fen, "
        "basic_fen = excluded.basic_fen"));
    struct Step {
      int64_t from;
      Fen monthly;
      Fen basic;
    };
    AdjustCounts counts;
    for (const AmountAdjustment* r : order) {
      find_ent.Reset().Bind(1, static_cast<int64_t>(r->person)).Bind(2, static_cast<int>(r->scheme));
      ASSIGN_OR_RETURN(bool found, find_ent.Step());
      if (!found) {
        find_ent.Reset();
        counts.refused.push_back(AdjustRefusal{
            r->line, "scheme", "this person has no entitlement in this scheme in the registry (tacit registry import)"});
        continue;
      }
      const int64_t id = find_ent.Int(0);
      const int64_t start = find_ent.Int(1);
      find_ent.Reset();
      if (r->effective.index() < start) {
        counts.refused.push_back(AdjustRefusal{r->line, "effective_month",
                                               "is before the entitlement's start month; its first amount is set "
                                               "by the registry (tacit registry import)"});
        continue;
      }
      std::optional<Step> at, before;
      steps.Reset().Bind(1, id).Bind(2, r->effective.index());
      while (true) {
        ASSIGN_OR_RETURN(bool row, steps.Step());
        if (!row) break;
        const Step st{steps.Int(0), steps.Int(1), steps.Int(2)};
        if (st.from == r->effective.index()) {
          at = st;
        } else if (!before) {
          before = st;
        }
      }
      steps.Reset();
      const Fen kept_basic = before ? before->basic : at ? at->basic : 0;
      const Fen basic = r->basic ? *r->basic : std::min(kept_basic, r->monthly);
      // Unchanged: the step is there already, or the amount in force before
      // `effective` is the same and a step would add nothing.
      const std::optional<Step>& in_force = at ? at : before;
      if (in_force && in_force->monthly == r->monthly && in_force->basic == basic) {
        ++counts.unchanged;
        continue;
      }
      RETURN_IF_ERROR(upsert_amount.Bind(1, id).Bind(2, r->effective.index()).Bind(3, r->monthly).Bind(4, basic)
                          .Bind(5, static_cast<int64_t>(r->person)).Run());
      ++counts.applied;
    }
    RETURN_IF_ERROR(tx.Commit());
    std::sort(counts.refused.begin(), counts.refused.end(),
              [](const AdjustRefusal& a, const AdjustRefusal& b) { return a.line < b.line; });
    return counts;
  }

  Result<std::vector<PersonKey>> AllPersonKeys() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT person_key FROM person ORDER BY person_key"));
    return CollectRows<PersonKey>(s, [](const Stmt& r) { return static_cast<PersonKey>(r.Int(0)); });
  }

  Result<std::optional<BatchRecord>> FindBatch(const std::string& sha256, const std::string& file_name) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        fmt::format("SELECT {} FROM batch WHERE sha256 = ? AND file_name = ?", kBatchColumns)));
    s.Bind(1, sha256).Bind(2, file_name);
    return FirstRow<BatchRecord>(s, ReadBatch<Stmt>);
  }

  Result<std::vector<BatchRecord>> ListBatches() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM batch ORDER BY id", kBatchColumns)));
    return CollectRows<BatchRecord>(s, ReadBatch<Stmt>);
  }

  Result<std::optional<BatchRecord>> FindBatchById(int64_t id) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM batch WHERE id = ?", kBatchColumns)));
    s.Bind(1, id);
    return FirstRow<BatchRecord>(s, ReadBatch<Stmt>);
  }

  Result<std::vector<BatchRecord>> ListBatchesNewestFirst(const std::string& source, int64_t before_id,
                                                          int limit) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "SELECT {} FROM batch WHERE (?1 = 0 OR id < ?1) AND (?2 = '' OR source = ?2) ORDER BY id DESC LIMIT ?3",
        kBatchColumns)));
    s.Bind(1, before_id).Bind(2, source).Bind(3, static_cast<int64_t>(limit));
    return CollectRows<BatchRecord>(s, ReadBatch<Stmt>);
  }

  // The id of a partner source, creating it. Not cached across calls: a rolled
  // back unit of work would leave a cached id pointing nowhere.
  Result<int64_t> SourceId(const std::string& name) {
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare("INSERT OR IGNORE INTO source(name) VALUES(?)"));
    RETURN_IF_ERROR(ins.Bind(1, name).Run());
    ASSIGN_OR_RETURN(Stmt sel, db_.Prepare("SELECT id FROM source WHERE name = ?"));
    sel.Bind(1, name);
    ASSIGN_OR_RETURN(bool has, sel.Step());
    if (!has) return Internal("source id missing after insert");
    return sel.Int(0);
  }

  // Allocates `n` consecutive evidence ids.
  Result<int64_t> AllocateEvidenceIds(int64_t n) {
    ASSIGN_OR_RETURN(Stmt get, db_.Prepare("SELECT next FROM sequence WHERE name = 'evidence'"));
    ASSIGN_OR_RETURN(bool has, get.Step());
    const int64_t first = has ? get.Int(0) : 1;
    get.Reset();
    ASSIGN_OR_RETURN(Stmt put, db_.Prepare(
        "INSERT INTO sequence(name, next) VALUES('evidence', ?1) ON CONFLICT(name) DO UPDATE SET next = ?1"));
    RETURN_IF_ERROR(put.Bind(1, first + n).Run());
    return first;
  }

  // FNV-1a over source, a separator and ref: the evidence_ref key.
  static int64_t RefHash(std::string_view source, std::string_view ref) {
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](std::string_view s) {
      for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
      }
    };
    mix(source);
    h ^= 0x1f;
    h *= 1099511628211ULL;
    mix(ref);
    h ^= h >> 33;  // finalise: spread the low bits FNV leaves weak
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return static_cast<int64_t>(h);
  }

  // Claims the evidence_ref `slot` for evidence `id`: returns 0 when claimed,
  // else the id of the record holding it. `claim` and `holder` are the prepared
  // statements of kClaimRefSql and kRefHolderSql. Inside a bulk unit the claim
  // is kept in memory until the unit commits, and packed then.
  Result<int64_t> ClaimRefSlot(Stmt& claim, Stmt& holder, int64_t slot, int64_t id) {
    if (bulk_refs_) {
      if (const int64_t pending = bulk_refs_->Pending(slot); pending != 0) return pending;
      const std::vector<sqlite::Claim>& stored = bulk_refs_->stored;
      const auto at = std::lower_bound(stored.begin(), stored.end(), sqlite::Claim{slot, INT64_MIN});
      if (at != stored.end() && at->first == slot) return at->second;
      const int64_t offset = id - bulk_refs_->first_id;
      if (bulk_refs_->first_id == 0 || offset < 0 || offset > int64_t{UINT32_MAX}) {
        return Internal(fmt::format("evidence id {} outside the bulk unit's ids from {}", id, bulk_refs_->first_id));
      }
      bulk_refs_->pending.Insert(slot, static_cast<uint32_t>(offset));
      return int64_t{0};
    }
    // Packed by an earlier bulk unit, or a row of its own.
    ASSIGN_OR_RETURN(const int64_t packed, PackedHolder(slot));
    if (packed != 0) return packed;
    claim.Bind(1, slot).Bind(2, id);
    RETURN_IF_ERROR(claim.Run());
    if (db_.Changes() == 1) return int64_t{0};
    holder.Reset().Bind(1, slot);
    ASSIGN_OR_RETURN(bool found, holder.Step());
    if (!found) return Internal("evidence_ref slot vanished inside a transaction");
    const int64_t other = holder.Int(0);
    holder.Reset();
    return other;
  }
  static constexpr std::string_view kClaimRefSql =
      "INSERT OR IGNORE INTO evidence_ref(ref_hash, evidence_id) VALUES(?,?)";
  static constexpr std::string_view kRefHolderSql = "SELECT evidence_id FROM evidence_ref WHERE ref_hash = ?";
  // How many rows ahead ApplyBatch prefetches a record, and its texts.
  static constexpr size_t kRecordAhead = 16, kTextAhead = 8;

  Result<BatchRecord> ApplyBatch(BatchRecord batch, std::vector<EvidenceRecord>& evidence) override {
    StopCommitWork();  // a batch after BatchesDone: its run follows the merged one
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    batch.ingested_at = NowUtcText();
    ASSIGN_OR_RETURN(Stmt ins_batch, db_.Prepare(
        "INSERT INTO batch(sha256, file_name, source, mapping, received_on, ingested_at, rows, accepted, linked, "
        "unlinked, dropped, rejected, duplicates, quarantine_path) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    ins_batch.Bind(1, batch.sha256).Bind(2, batch.file_name).Bind(3, batch.source).Bind(4, batch.mapping)
        .Bind(5, static_cast<int64_t>(batch.received_on.days())).Bind(6, batch.ingested_at).Bind(7, batch.rows)
        .Bind(8, batch.accepted).Bind(9, batch.linked).Bind(10, batch.unlinked).Bind(11, batch.dropped)
        .Bind(12, batch.rejected).Bind(13, int64_t{0}).Bind(14, batch.quarantine_path);
    RETURN_IF_ERROR(ins_batch.Run());
    batch.id = db_.LastInsertId();

    // Ids follow person order, so rows append to the table and the person index
    // grows in one forward run per batch. Records are not moved: `order` is the
    // permutation, and evidence[order[k]] gets id first_id + k. The loops
    // below walk the records in file order, or use the compact arrays of
    // `by_person`: in person order, each record would be a cache miss.
    const size_t n = evidence.size();
    const PersonOrder by_person = OrderByPerson(evidence);
    const std::vector<uint32_t>& order = by_person.order;
    ASSIGN_OR_RETURN(const int64_t first_id, AllocateEvidenceIds(static_cast<int64_t>(n)));
    if (bulk_packs_ && bulk_packs_->first_provisional == 0) bulk_packs_->first_provisional = first_id;
    if (bulk_refs_ && bulk_refs_->first_id == 0) bulk_refs_->first_id = first_id;
    ASSIGN_OR_RETURN(const std::vector<int64_t> source_of,
                     AssignIdsAndSources(evidence, by_person, first_id, batch.id,
                                         [this](const std::string& s) { return SourceId(s); }));

    // Deduplicate on (source, ref) through evidence_ref, in hash order.
    std::vector<std::pair<int64_t, uint32_t>> by_hash(n);
    for (size_t i = 0; i < n; ++i) {
      by_hash[i] = {RefHash(evidence[i].source, evidence[i].ref), static_cast<uint32_t>(i)};
    }
    RadixSortBy(by_hash, [](const std::pair<int64_t, uint32_t>& p) { return OrderedBits(p.first); });
    ASSIGN_OR_RETURN(Stmt claim, db_.Prepare(kClaimRefSql));
    ASSIGN_OR_RETURN(Stmt holder, db_.Prepare(kRefHolderSql));
    std::vector<bool> duplicate(n, false);
    auto claim_slot = [&](int64_t slot, int64_t id) { return ClaimRefSlot(claim, holder, slot, id); };
    for (const auto& [hash, i] : by_hash) {
      const EvidenceRecord& e = evidence[i];  // read only on a collision
      const int64_t id = first_id + static_cast<int64_t>(by_person.position[i]);
      for (int64_t slot = hash;; ++slot) {
        ASSIGN_OR_RETURN(const int64_t other_id, claim_slot(slot, id));
        if (other_id == 0) break;
        // The slot is taken: the same record again, or a different one whose
        // hash collides (then try the next slot).
        bool same = false;
        if (other_id >= first_id && other_id < first_id + static_cast<int64_t>(n)) {
          const uint32_t other = order[static_cast<size_t>(other_id - first_id)];  // claimed by this batch
          same = source_of[other] == source_of[i] && evidence[other].ref == e.ref;
        } else {
          ASSIGN_OR_RETURN(const std::optional<HeldRef> held, StoredRef(other_id));
          same = held && held->source_id == source_of[i] && held->ref == e.ref;
        }
        if (same) {
          duplicate[i] = true;
          break;
        }
      }
    }

    // In a bulk unit the linked records wait in memory to be packed at the
    // commit; only the unlinked become rows now. (A batch that fails leaves
    // its records there, as it leaves its claims: the unit then rolls back.)
    // They are encoded in file order, the order the records lie in memory (in
    // id order every record's texts would be a cache miss of their own); their
    // entries are then listed in id order, which is person order, so that each
    // batch adds one sorted run for the commit to merge.
    std::vector<std::pair<uint64_t, uint32_t>> placed;  // by record: (offset, size) in packs.bytes
    if (bulk_packs_) {
      BulkPacks& packs = *bulk_packs_;
      placed.resize(n);
      for (size_t i = 0; i < n; ++i) {
        const EvidenceRecord& e = evidence[i];
        if (duplicate[i] || e.person == 0) continue;
        const size_t at = packs.bytes.size();
        sqlite::AppendPackedRecord(packs.bytes, {.source_id = source_of[i],
                                                 .batch_id = batch.id,
                                                 .occurred_on = e.occurred_on.days(),
                                                 .received_on = e.received_on.days(),
                                                 .kind = e.kind,
                                                 .link_method = e.link_method,
                                                 .link_score = e.link_score,
                                                 .ref = e.ref,
                                                 .detail = e.detail});
        placed[i] = {at, static_cast<uint32_t>(packs.bytes.size() - at)};
      }
      packs.runs.push_back(packs.entries.size());
      packs.entry_of.resize(static_cast<size_t>(first_id + static_cast<int64_t>(n) - packs.first_provisional), 0);
    }
    // Rows are stored in id order, each table with one INSERT … SELECT over
    // the rows kept (their positions in `evidence`).
    std::vector<uint32_t> kept, kept_unlinked;
    if (!bulk_packs_) kept.reserve(n);
    int64_t duplicates = 0, linked = 0, unlinked = 0;
    for (size_t k = 0; k < n; ++k) {
      const uint32_t i = order[k];
      if (duplicate[i]) {
        evidence[i].id = 0;
        ++duplicates;
        continue;
      }
      if (const PersonKey person = by_person.person[k]; person == 0) {
        ++unlinked;
        kept_unlinked.push_back(i);
      } else {
        ++linked;
        if (bulk_packs_) {
          BulkPacks& packs = *bulk_packs_;
          const auto provisional = static_cast<uint32_t>(first_id + static_cast<int64_t>(k) - packs.first_provisional);
          packs.entries.push_back({static_cast<int64_t>(person), provisional, placed[i].second, placed[i].first});
          packs.entry_of[provisional] = static_cast<uint32_t>(packs.entries.size());
          continue;
        }
      }
      if (!bulk_packs_) kept.push_back(i);
    }
    const std::vector<uint32_t>& rows = bulk_packs_ ? kept_unlinked : kept;
    sqlite::RowsOf evidence_rows(static_cast<int64_t>(rows.size()), [&](int64_t r, int col, sqlite::ColumnOut& out) {
      const size_t k = static_cast<size_t>(r);
      const uint32_t i = rows[k];
      const EvidenceRecord& e = evidence[i];
      switch (col) {
        case 0:
          // Rows are read in id (person) order but the records lie in file
          // order: ask for the memory of rows a little ahead (column 0 is read
          // once a row), so that SQLite does not wait on one cache miss after
          // another. Written inline: GCC 12 dropped these prefetches when
          // they stood in a lambda of their own.
          if (k + kRecordAhead < rows.size()) {
            const char* rec = reinterpret_cast<const char*>(&evidence[rows[k + kRecordAhead]]);
            for (size_t off = 0; off < sizeof(EvidenceRecord); off += 64) __builtin_prefetch(rec + off);
          }
          if (k + kTextAhead < rows.size()) {
            const EvidenceRecord& ahead = evidence[rows[k + kTextAhead]];
            __builtin_prefetch(ahead.ref.data());
            __builtin_prefetch(ahead.detail.data());
          }
          return out.Int(static_cast<int64_t>(e.person));
        case 1: return out.Int(e.id);
        case 2: return out.Int(source_of[i]);
        case 3: return out.Text(e.ref);
        case 4: return out.Text(e.kind);
        case 5: return out.Int(e.occurred_on.days());
        case 6: return out.Int(e.received_on.days());
        case 7: return out.Int(batch.id);
        case 8: return out.Text(e.link_method);
        case 9: return out.Double(e.link_score);
        case 10: return out.TextOrNull(e.detail);
        default: return out.Null();
      }
    });
    ASSIGN_OR_RETURN(Stmt ins_ev, db_.Prepare(
        "INSERT INTO evidence(person_key, id, source_id, ref, kind, occurred_on, received_on, batch_id, "
        "link_method, link_score, detail) SELECT c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 FROM tacit_rows(?1)"));
    if (!rows.empty()) RETURN_IF_ERROR(sqlite::BindRowSource(ins_ev, 1, evidence_rows).Run());
    if (!kept_unlinked.empty()) {
      sqlite::RowsOf unlinked_rows(static_cast<int64_t>(kept_unlinked.size()),
                                   [&](int64_t r, int col, sqlite::ColumnOut& out) {
        const EvidenceRecord& e = evidence[kept_unlinked[static_cast<size_t>(r)]];
        switch (col) {
          case 0: return out.Int(e.id);
          case 1: return out.TextOrNull(e.id_text);
          case 2: return out.Text(e.id_problem);
          case 3: return out.TextOrNull(e.name);
          case 4: return out.TextOrNull(e.sex);
          case 5: return e.birth_date ? out.Int(e.birth_date->days()) : out.Null();
          case 6: return out.TextOrNull(e.region_code);
          default: return out.Null();
        }
      });
      ASSIGN_OR_RETURN(Stmt ins_unlinked, db_.Prepare(
          "INSERT INTO unlinked(evidence_id, id_text, id_problem, name, sex, birth_date, region_code) "
          "SELECT c0, c1, c2, c3, c4, c5, c6 FROM tacit_rows(?1)"));
      RETURN_IF_ERROR(sqlite::BindRowSource(ins_unlinked, 1, unlinked_rows).Run());
    }
    // The batch's counts as stored: duplicates are neither linked nor unlinked.
    batch.duplicates = duplicates;
    batch.linked = linked;
    batch.unlinked = unlinked;
    ASSIGN_OR_RETURN(Stmt upd, db_.Prepare("UPDATE batch SET duplicates = ?, linked = ?, unlinked = ? WHERE id = ?"));
    RETURN_IF_ERROR(upd.Bind(1, duplicates).Bind(2, linked).Bind(3, unlinked).Bind(4, batch.id).Run());
    RETURN_IF_ERROR(tx.Commit());
    return batch;
  }

  Status UpdatePersonSummary(const std::vector<PersonSignal>& signals) override {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt upsert, db_.Prepare(
        "INSERT INTO person_summary(person_key, last_alive_on, death_on) SELECT c0, c1, c2 FROM tacit_rows(?1) "
        "WHERE true "  // without a WHERE, SQLite would read ON CONFLICT as a join constraint
        "ON CONFLICT(person_key) DO UPDATE SET "
        "last_alive_on = CASE WHEN excluded.last_alive_on IS NULL THEN last_alive_on "
        "  WHEN last_alive_on IS NULL OR excluded.last_alive_on > last_alive_on THEN excluded.last_alive_on "
        "  ELSE last_alive_on END, "
        "death_on = CASE WHEN excluded.death_on IS NULL THEN death_on "
        "  WHEN death_on IS NULL OR excluded.death_on < death_on THEN excluded.death_on ELSE death_on END"));
    sqlite::RowsOf rows(static_cast<int64_t>(signals.size()), [&signals](int64_t r, int col, sqlite::ColumnOut& out) {
      const PersonSignal& s = signals[static_cast<size_t>(r)];
      if (col == 0) return out.Int(static_cast<int64_t>(s.person));
      const std::optional<Date>& day = col == 1 ? s.last_alive : s.death;
      return day && col <= 2 ? out.Int(day->days()) : out.Null();
    });
    RETURN_IF_ERROR(sqlite::BindRowSource(upsert, 1, rows).Run());
    return tx.Commit();
  }

  Result<std::optional<PersonSignal>> PersonSummary(PersonKey key) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "SELECT last_alive_on, death_on FROM person_summary WHERE person_key = ?"));
    s.Bind(1, static_cast<int64_t>(key));
    ASSIGN_OR_RETURN(bool has, s.Step());
    if (!has) return std::optional<PersonSignal>();
    PersonSignal sig;
    sig.person = key;
    if (!s.IsNull(0)) sig.last_alive = Date::FromDays(static_cast<int32_t>(s.Int(0)));
    if (!s.IsNull(1)) sig.death = Date::FromDays(static_cast<int32_t>(s.Int(1)));
    return std::optional<PersonSignal>(sig);
  }

  Result<std::optional<PersonRecord>> FindPerson(PersonKey key) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM person WHERE person_key = ?", kPersonColumns)));
    s.Bind(1, static_cast<int64_t>(key));
    return FirstRow<PersonRecord>(s, ReadPerson<Stmt>);
  }

  Result<std::vector<PersonRecord>> FindPersonsByNameAndBirth(const std::string& name, Date birth,
                                                               int limit) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
                                 "SELECT {} FROM person WHERE name = ? AND birth_date = ? ORDER BY person_key LIMIT ?",
                                 kPersonColumns)));
    s.Bind(1, name).Bind(2, static_cast<int64_t>(birth.days())).Bind(3, limit);
    return CollectRows<PersonRecord>(s, ReadPerson<Stmt>);
  }

  Result<std::vector<EntitlementRecord>> EntitlementsOf(PersonKey key) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("{} WHERE e.person_key = ? ORDER BY e.id, a.from_month",
                                                     kEntitlementQuery)));
    s.Bind(1, static_cast<int64_t>(key));
    std::vector<EntitlementRecord> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      AddEntitlementRow(s, out);
    }
    return out;
  }

  Result<std::vector<EvidenceRecord>> EvidenceOf(PersonKey key) override {
    if (key == 0) return std::vector<EvidenceRecord>();  // 0 holds the unlinked records
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("{} WHERE e.person_key = ? ORDER BY e.occurred_on, e.id",
                                                     kEvidenceQuery)));
    s.Bind(1, static_cast<int64_t>(key));
    ASSIGN_OR_RETURN(std::vector<EvidenceRecord> out, CollectRows<EvidenceRecord>(s, ReadEvidence<Stmt>));
    ASSIGN_OR_RETURN(Stmt packs, db_.Prepare(kPacksOfPersonSql));
    packs.Bind(1, static_cast<int64_t>(key));
    bool packed = false;
    while (true) {
      ASSIGN_OR_RETURN(bool row, packs.Step());
      if (!row) break;
      RETURN_IF_ERROR(ReadPack(packs, 0, scratch_pack_));
      for (size_t k = 0; k < scratch_pack_.records.size(); ++k) {
        ASSIGN_OR_RETURN(EvidenceRecord e, PackedEvidence(scratch_pack_, k));
        out.push_back(std::move(e));
      }
      packed = true;
    }
    if (packed) {
      std::sort(out.begin(), out.end(), [](const EvidenceRecord& a, const EvidenceRecord& b) {
        return a.occurred_on != b.occurred_on ? a.occurred_on < b.occurred_on : a.id < b.id;
      });
    }
    return out;
  }

  // Rows and packs, merged by id: each is read in id order, and a pack's
  // records hold a run of ids that no row falls inside (a unit's packs take
  // their ids after its rows').
  Status ForEachEvidence(const std::function<Status(const EvidenceRecord&)>& fn) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("{} ORDER BY e.id", kEvidenceQuery)));
    ASSIGN_OR_RETURN(Stmt packs, db_.Prepare(fmt::format("SELECT {} FROM evidence_pack ORDER BY first_id", kPackColumns)));
    ASSIGN_OR_RETURN(bool row, s.Step());
    ASSIGN_OR_RETURN(bool pack, packs.Step());
    Pack current;  // not scratch_pack_: `fn` may look records up
    while (row || pack) {
      if (row && (!pack || s.Int(0) < packs.Int(0))) {
        RETURN_IF_ERROR(fn(ReadEvidence(s)));
        ASSIGN_OR_RETURN(row, s.Step());
        continue;
      }
      RETURN_IF_ERROR(ReadPack(packs, 0, current));
      for (size_t k = 0; k < current.records.size(); ++k) {
        ASSIGN_OR_RETURN(const EvidenceRecord e, PackedEvidence(current, k));
        RETURN_IF_ERROR(fn(e));
      }
      ASSIGN_OR_RETURN(pack, packs.Step());
    }
    return {};
  }

  Status ForEachPerson(const std::string& region_prefix, const std::function<Status(const PersonBundle&)>& fn,
                       Facts with_facts) override {
    return ScanPersons(region_prefix, 0, std::numeric_limits<int64_t>::max(), fn, with_facts);
  }

  Status ForEachPersonInKeyRange(PersonKey from, PersonKey to, const std::function<Status(const PersonBundle&)>& fn,
                                 Facts with_facts) override {
    return ScanPersons("", static_cast<int64_t>(from), static_cast<int64_t>(to), fn, with_facts);
  }

  Result<std::vector<PersonKey>> PersonKeySplits(int parts) override {
    std::vector<PersonKey> out;
    if (parts < 2) return out;
    ASSIGN_OR_RETURN(Stmt count, db_.Prepare("SELECT count(*) FROM person"));
    ASSIGN_OR_RETURN(bool row, count.Step());
    const int64_t n = row ? count.Int(0) : 0;
    ASSIGN_OR_RETURN(Stmt at, db_.Prepare("SELECT person_key FROM person ORDER BY person_key LIMIT 1 OFFSET ?"));
    for (int i = 1; i < parts; ++i) {
      const int64_t offset = n * i / parts;
      if (offset == 0) continue;
      at.Reset();
      at.Bind(1, offset);
      ASSIGN_OR_RETURN(bool found, at.Step());
      if (found && (out.empty() || static_cast<int64_t>(out.back()) < at.Int(0))) {
        out.push_back(static_cast<PersonKey>(at.Int(0)));
      }
      at.Reset();
    }
    return out;
  }

  Result<std::unique_ptr<Store>> OpenReader() override {
    ASSIGN_OR_RETURN(Db db, Db::Open(db_.path()));
    auto reader = std::make_unique<SqliteStore>(std::move(db));
    RETURN_IF_ERROR(reader->Configure(options_));
    return std::unique_ptr<Store>(std::move(reader));
  }

  // Persons of a region and key range in key order, with entitlements and,
  // unless kWithout, linked facts: three cursors merged by person key.
  Status ScanPersons(const std::string& region_prefix, int64_t from_key, int64_t to_key,
                     const std::function<Status(const PersonBundle&)>& fn, Facts with_facts) {
    const bool want_facts = with_facts == Facts::kWith;
    source_names_.clear();  // read again: each name once per scan
    {
      ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT id, name FROM source"));
      while (true) {
        ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        source_names_[s.Int(0)] = s.Text(1);
      }
    }
    ASSIGN_OR_RETURN(Stmt persons, db_.Prepare(fmt::format(
        "SELECT {} FROM person WHERE region_code >= ?1 AND region_code < ?2 AND person_key >= ?3 AND person_key < ?4 "
        "ORDER BY person_key", kPersonColumns)));
    persons.Bind(1, region_prefix).Bind(2, PrefixUpperBound(region_prefix)).Bind(3, from_key).Bind(4, to_key);
    // For a region, the entitlements and facts of its persons only, found by
    // person key through the residence index: a county's statistics then
    // read the county, not the whole store.
    const std::string in_region =
        region_prefix.empty() ? ""
                              : "AND person_key IN (SELECT person_key FROM person WHERE region_code >= ?3 AND "
                                "region_code < ?4)";
    ASSIGN_OR_RETURN(Stmt ents, db_.Prepare(fmt::format(
        "{} WHERE e.person_key >= ?1 AND e.person_key < ?2 {} ORDER BY e.person_key, e.id, a.from_month",
        kEntitlementQuery, region_prefix.empty() ? "" : "AND e." + in_region.substr(4))));
    ents.Bind(1, from_key).Bind(2, to_key);
    ASSIGN_OR_RETURN(Stmt facts, db_.Prepare(fmt::format(
        "SELECT person_key, id, kind, source_id, occurred_on, received_on, detail FROM evidence "
        "WHERE person_key > 0 AND person_key >= ?1 AND person_key < ?2 {} {} ORDER BY person_key, id",
        in_region, want_facts ? "" : "AND 0")));
    facts.Bind(1, from_key).Bind(2, to_key);
    // The packed facts, in the order of evidence_pack_person (person, then
    // first id).
    ASSIGN_OR_RETURN(Stmt packs, db_.Prepare(fmt::format(
        "SELECT {} FROM evidence_pack WHERE person_key >= ?1 AND person_key < ?2 {} {} ORDER BY person_key, first_id",
        kPackColumns, in_region, want_facts ? "" : "AND 0")));
    packs.Bind(1, from_key).Bind(2, to_key);
    if (!region_prefix.empty()) {
      const std::string upper = PrefixUpperBound(region_prefix);
      ents.Bind(3, region_prefix).Bind(4, upper);
      facts.Bind(3, region_prefix).Bind(4, upper);
      packs.Bind(3, region_prefix).Bind(4, upper);
    }
    ASSIGN_OR_RETURN(bool ent_row, ents.Step());
    ASSIGN_OR_RETURN(bool fact_row, facts.Step());
    ASSIGN_OR_RETURN(bool pack_row, packs.Step());
    PersonBundle bundle;
    while (true) {
      ASSIGN_OR_RETURN(bool row, persons.Step());
      if (!row) break;
      bundle.person = ReadPerson(persons);
      bundle.entitlements.clear();
      bundle.facts.clear();
      const int64_t key = static_cast<int64_t>(bundle.person.key);
      while (ent_row && ents.Int(0) < key) {
        ASSIGN_OR_RETURN(ent_row, ents.Step());
      }
      while (ent_row && ents.Int(0) == key) {
        AddEntitlementRow(ents, bundle.entitlements);
        ASSIGN_OR_RETURN(ent_row, ents.Step());
      }
      while (fact_row && facts.Int(0) < key) {
        ASSIGN_OR_RETURN(fact_row, facts.Step());
      }
      while (fact_row && facts.Int(0) == key) {
        ASSIGN_OR_RETURN(std::string source, SourceName(facts.Int(3)));
        bundle.facts.push_back(ReadFact(facts, std::move(source)));
        ASSIGN_OR_RETURN(fact_row, facts.Step());
      }
      while (pack_row && packs.Int(1) < key) {
        ASSIGN_OR_RETURN(pack_row, packs.Step());
      }
      const size_t row_facts = bundle.facts.size();
      RETURN_IF_ERROR(AddPackedFacts(packs, pack_row, key, bundle.facts));
      MergeById(bundle.facts, row_facts);
      RETURN_IF_ERROR(fn(bundle));
    }
    return {};
  }

  Result<std::vector<Fact>> FactsOf(PersonKey key) override {
    ASSIGN_OR_RETURN(Stmt* const rows, PreparedOnce(facts_of_,
        "SELECT e.person_key, e.id, e.kind, s.name, e.occurred_on, e.received_on, e.detail FROM evidence e "
        "JOIN source s ON s.id = e.source_id WHERE e.person_key = ? ORDER BY e.id"));
    Stmt& s = *rows;
    s.Reset();
    s.Bind(1, static_cast<int64_t>(key));
    std::vector<Fact> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back(ReadFact(s, s.Text(3)));
    }
    s.Reset();
    ASSIGN_OR_RETURN(Stmt* const packs, PreparedOnce(packs_of_, kPacksOfPersonSql));
    Stmt& p = *packs;
    p.Reset().Bind(1, static_cast<int64_t>(key));
    ASSIGN_OR_RETURN(bool more, p.Step());
    const size_t row_facts = out.size();
    const Status added = AddPackedFacts(p, more, static_cast<int64_t>(key), out);
    p.Reset();
    RETURN_IF_ERROR(added);
    MergeById(out, row_facts);
    return out;
  }

  // Facts [0, mid) and [mid, end) each ascend by id: merges them into one run.
  static void MergeById(std::vector<Fact>& facts, size_t mid) {
    if (mid == 0 || mid == facts.size()) return;
    std::inplace_merge(facts.begin(), facts.begin() + static_cast<std::ptrdiff_t>(mid), facts.end(),
                       [](const Fact& a, const Fact& b) { return a.evidence_id < b.evidence_id; });
  }

  Result<ChangeMarks> CurrentChangeMarks() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        fmt::format("SELECT {}, (SELECT coalesce(max(id), 0) FROM person_dirty)", kMaxEvidenceIdSql)));
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Internal("no change marks");
    return ChangeMarks{s.Int(0), s.Int(1)};
  }

  Result<std::vector<PersonKey>> PersonsChangedSince(int64_t evidence_high_water) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "SELECT person_key FROM evidence WHERE id > ?1 AND person_key > 0 "
        // A unit commits whole, so its packs lie all above a mark or all below.
        "UNION SELECT person_key FROM evidence_pack WHERE first_id > ?1 "
        "UNION SELECT person_key FROM person_dirty"));
    s.Bind(1, evidence_high_water);
    return CollectRows<PersonKey>(s, [](const Stmt& st) { return static_cast<PersonKey>(st.Int(0)); });
  }

  Result<std::string> StatsFingerprint() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(StatsFingerprintSql(kMaxEvidenceIdSql)));
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Internal("no statistics fingerprint");
    return s.Text(0);
  }

  Status SaveStatsSnapshot(StatsSnapshotRecord& snapshot, const std::vector<StatsCellRecord>& cells) override {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    // The replaced snapshot and the old ones go first, with their cells.
    ASSIGN_OR_RETURN(Stmt old_cells, db_.Prepare(
        "DELETE FROM stats_cell WHERE snapshot_id IN (SELECT id FROM stats_snapshot "
        "WHERE (month = ?1 AND as_of = ?2) OR as_of < ?2 - 400)"));
    RETURN_IF_ERROR(old_cells.Bind(1, snapshot.month.index()).Bind(2, static_cast<int64_t>(snapshot.as_of.days())).Run());
    ASSIGN_OR_RETURN(Stmt old, db_.Prepare(
        "DELETE FROM stats_snapshot WHERE (month = ?1 AND as_of = ?2) OR as_of < ?2 - 400"));
    RETURN_IF_ERROR(old.Bind(1, snapshot.month.index()).Bind(2, static_cast<int64_t>(snapshot.as_of.days())).Run());
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare(
        "INSERT INTO stats_snapshot(month, as_of, trend_from, taken_at, fingerprint, persons) VALUES(?,?,?,?,?,?)"));
    ins.Bind(1, snapshot.month.index()).Bind(2, static_cast<int64_t>(snapshot.as_of.days()));
    ins.Bind(3, snapshot.trend_from.index()).Bind(4, snapshot.taken_at).Bind(5, snapshot.fingerprint);
    RETURN_IF_ERROR(ins.Bind(6, snapshot.persons).Run());
    snapshot.id = db_.LastInsertId();
    // In key order, so each B-tree page is written once.
    std::vector<const StatsCellRecord*> order;
    order.reserve(cells.size());
    for (const StatsCellRecord& c : cells) order.push_back(&c);
    std::sort(order.begin(), order.end(), [](const StatsCellRecord* x, const StatsCellRecord* y) {
      return std::tie(x->region_code, x->scheme) < std::tie(y->region_code, y->scheme);
    });
    ASSIGN_OR_RETURN(Stmt cell, db_.Prepare(
        "INSERT INTO stats_cell(snapshot_id, region_code, scheme, payload) VALUES(?,?,?,?)"));
    for (const StatsCellRecord* c : order) {
      RETURN_IF_ERROR(cell.Bind(1, snapshot.id).Bind(2, c->region_code).Bind(3, c->scheme).Bind(4, c->payload).Run());
    }
    return tx.Commit();
  }

  Result<std::optional<StatsSnapshotRecord>> FindStatsSnapshot(Month month, Date as_of) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "SELECT {} FROM stats_snapshot WHERE month = ? AND as_of = ?", kStatsSnapshotColumns)));
    s.Bind(1, month.index()).Bind(2, static_cast<int64_t>(as_of.days()));
    return FirstRow<StatsSnapshotRecord>(s, ReadStatsSnapshot<Stmt>);
  }

  Result<std::vector<StatsSnapshotRecord>> ListStatsSnapshots() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "SELECT {} FROM stats_snapshot ORDER BY as_of DESC, month DESC", kStatsSnapshotColumns)));
    return CollectRows<StatsSnapshotRecord>(s, ReadStatsSnapshot<Stmt>);
  }

  Status ForEachStatsCell(int64_t snapshot_id, const std::string& region_prefix,
                          const std::function<Status(const StatsCellRecord&)>& fn) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "SELECT region_code, scheme, payload FROM stats_cell "
        "WHERE snapshot_id = ? AND region_code >= ? AND region_code < ? ORDER BY region_code, scheme"));
    s.Bind(1, snapshot_id).Bind(2, region_prefix).Bind(3, PrefixUpperBound(region_prefix));
    StatsCellRecord cell;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      cell.region_code = s.Text(0);
      cell.scheme = s.Text(1);
      cell.payload = s.Text(2);
      RETURN_IF_ERROR(fn(cell));
    }
    return {};
  }

  Status ForEachForecast(const std::function<Status(const ForecastRecord&)>& fn) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "SELECT entitlement_id, through_month, status, due_fen, rule, evidence_id, person_key FROM forecast"));
    ForecastRecord f;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      f.entitlement_id = s.Int(0);
      f.through = Month::FromIndex(static_cast<int32_t>(s.Int(1)));
      f.status = static_cast<MonthStatus>(s.Int(2));
      f.due = s.Int(3);
      f.rule = s.Text(4);
      f.evidence_id = s.Int(5);
      f.person = static_cast<PersonKey>(s.Int(6));
      RETURN_IF_ERROR(fn(f));
    }
    return {};
  }

  // ---- Probabilistic linkage -------------------------------------------------

  Result<std::vector<EvidenceRecord>> UnlinkedToTry(bool retry) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "{} LEFT JOIN link_attempt a ON a.evidence_id = e.id WHERE e.person_key = 0 AND (a.evidence_id IS NULL{}) "
        "ORDER BY e.id",
        kEvidenceQuery, retry ? " OR a.status = 'none'" : "")));
    return CollectRows<EvidenceRecord>(s, ReadEvidence<Stmt>);
  }

  Result<std::optional<EvidenceRecord>> FindEvidence(int64_t id) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("{} WHERE e.id = ?", kEvidenceQuery)));
    s.Bind(1, id);
    ASSIGN_OR_RETURN(std::optional<EvidenceRecord> row, FirstRow<EvidenceRecord>(s, ReadEvidence<Stmt>));
    if (row) return row;
    ASSIGN_OR_RETURN(bool packed, FindPackHolding(id, scratch_pack_));
    if (!packed) return std::optional<EvidenceRecord>();
    ASSIGN_OR_RETURN(EvidenceRecord e, PackedEvidence(scratch_pack_, static_cast<size_t>(id - scratch_pack_.first_id)));
    return std::optional<EvidenceRecord>(std::move(e));
  }

  // Follows the (source, ref) hash slots as ApplyBatch claims them: the first
  // free slot ends the chain.
  Result<std::optional<EvidenceRecord>> FindEvidenceByRef(const std::string& source, const std::string& ref) override {
    ASSIGN_OR_RETURN(Stmt holder, db_.Prepare(kRefHolderSql));
    for (int64_t slot = RefHash(source, ref);; ++slot) {
      int64_t id = bulk_refs_ ? bulk_refs_->Pending(slot) : 0;  // claimed inside the open bulk unit, not written yet
      if (id == 0) {
        ASSIGN_OR_RETURN(id, PackedHolder(slot));  // packed by a bulk unit
      }
      if (id == 0) {
        holder.Reset().Bind(1, slot);
        ASSIGN_OR_RETURN(bool taken, holder.Step());
        if (!taken) return std::optional<EvidenceRecord>();
        id = holder.Int(0);
        holder.Reset();
      }
      ASSIGN_OR_RETURN(std::optional<EvidenceRecord> e, FindEvidence(id));
      if (e && e->source == source && e->ref == ref) return e;
    }
  }

  Status AddEvidence(EvidenceRecord& e) override {
    if (e.person == 0) return InvalidArgument("AddEvidence stores linked records only");
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    RETURN_IF_ERROR(AddSingleEvidence(e));
    return tx.Commit();
  }

  Status SaveLinkAttempts(std::vector<LinkModelRecord>& models, const std::vector<LinkAttempt>& attempts) override {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt ins_model, db_.Prepare(
        "INSERT INTO link_model(source, trained_at, records, comparisons, model_json) VALUES(?,?,?,?,?)"));
    for (LinkModelRecord& m : models) {
      ins_model.Bind(1, m.source).Bind(2, m.trained_at).Bind(3, m.records).Bind(4, m.comparisons)
          .Bind(5, m.model_json);
      RETURN_IF_ERROR(ins_model.Run());
      m.id = db_.LastInsertId();
    }
    // An attempt replaces an earlier one of the record (`tacit link --retry`).
    // Set-based statements where possible: a statement per row inside the
    // unit of work would each open and close a statement journal.
    ASSIGN_OR_RETURN(Stmt forget, db_.Prepare("DELETE FROM link_attempt WHERE evidence_id = ?"));
    // What another job or a reviewer did meanwhile stands: only a record still
    // unlinked whose earlier attempt found nobody is tried again.
    ASSIGN_OR_RETURN(Stmt known, db_.Prepare(
        "SELECT (SELECT status FROM link_attempt WHERE evidence_id = ?1), "
        "(SELECT person_key FROM evidence WHERE id = ?1)"));
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare(
        "INSERT INTO link_attempt(evidence_id, model_id, outcome, reason, candidate_key, probability, "
        "weight_bits, second_key, second_bits, contributions, status) VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
    for (const LinkAttempt& a : attempts) {
      if (a.model_id < 0 || static_cast<size_t>(a.model_id) >= models.size()) {
        return Internal("a link attempt names no model of its run");
      }
      known.Reset();
      known.Bind(1, a.evidence_id);
      ASSIGN_OR_RETURN(bool row, known.Step());
      const bool tried_before = row && !known.IsNull(0);
      const bool settled = row && ((tried_before && known.Text(0) != "none") || known.Int(1) != 0);
      known.Reset();
      if (settled) continue;
      if (tried_before) RETURN_IF_ERROR(forget.Bind(1, a.evidence_id).Run());
      ins.Bind(1, a.evidence_id).Bind(2, models[static_cast<size_t>(a.model_id)].id).Bind(3, a.outcome)
          .Bind(4, a.reason).Bind(5, static_cast<int64_t>(a.candidate)).Bind(6, a.probability)
          .Bind(7, a.weight_bits).Bind(8, static_cast<int64_t>(a.second)).Bind(9, a.second_bits)
          .Bind(10, a.contributions_json).Bind(11, a.status);
      RETURN_IF_ERROR(ins.Run());
    }
    // The automatic links of this run, in one statement. Only a record still
    // unlinked is linked: a record linked meanwhile keeps its link.
    if (!models.empty()) {
      ASSIGN_OR_RETURN(Stmt link, db_.Prepare(
          "UPDATE evidence SET person_key = a.candidate_key, link_method = ?1, link_score = a.probability "
          "FROM link_attempt a WHERE a.evidence_id = evidence.id AND a.status = 'linked' AND a.model_id >= ?2 "
          "AND evidence.person_key = 0"));
      RETURN_IF_ERROR(link.Bind(1, kLinkProbabilistic).Bind(2, models.front().id).Run());
    }
    return tx.Commit();
  }

  Result<std::vector<LinkAttempt>> LinkAttempts(std::string_view status) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM link_attempt {} ORDER BY evidence_id",
                                                     kAttemptColumns, status.empty() ? "" : "WHERE status = ?")));
    if (!status.empty()) s.Bind(1, status);
    return CollectRows<LinkAttempt>(s, ReadAttempt<Stmt>);
  }

  Result<std::optional<LinkAttempt>> FindLinkAttempt(int64_t evidence_id) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM link_attempt WHERE evidence_id = ?",
                                                     kAttemptColumns)));
    s.Bind(1, evidence_id);
    return FirstRow<LinkAttempt>(s, ReadAttempt<Stmt>);
  }

  Result<std::optional<LinkModelRecord>> FindLinkModel(int64_t id) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "SELECT id, source, trained_at, records, comparisons, model_json FROM link_model WHERE id = ?"));
    s.Bind(1, id);
    return FirstRow<LinkModelRecord>(s, [](const Stmt& st) {
      return LinkModelRecord{st.Int(0), st.Text(1), st.Text(2), st.Int(3), st.Int(4), st.Text(5)};
    });
  }

  Status DecideLinkAttempt(int64_t evidence_id, bool accept, const std::string& by, const std::string& note) override {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(std::optional<LinkAttempt> a, FindLinkAttempt(evidence_id));
    if (!a) return NotFound(fmt::format("no proposed link for record {}", evidence_id));
    if (a->status != "open") {
      return FailedPrecondition(fmt::format("record {} is not awaiting review (status {})", evidence_id, a->status));
    }
    ASSIGN_OR_RETURN(Stmt upd, db_.Prepare(
        "UPDATE link_attempt SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE evidence_id = ?"));
    RETURN_IF_ERROR(upd.Bind(1, accept ? "accepted" : "rejected").Bind(2, by).Bind(3, NowUtcText()).Bind(4, note)
                        .Bind(5, evidence_id).Run());
    if (accept) {
      ASSIGN_OR_RETURN(Stmt link, db_.Prepare(
          "UPDATE evidence SET person_key = ?, link_method = ?, link_score = ? WHERE id = ? AND person_key = 0"));
      RETURN_IF_ERROR(link.Bind(1, static_cast<int64_t>(a->candidate)).Bind(2, kLinkReviewed)
                          .Bind(3, a->probability).Bind(4, evidence_id).Run());
      if (db_.Changes() != 1) {
        return FailedPrecondition(fmt::format("record {} is linked already", evidence_id));
      }
    }
    return tx.Commit();
  }

  Result<std::optional<CycleRunRecord>> FindCycleRun(Month month) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM cycle_run WHERE month = ?", kRunColumns)));
    s.Bind(1, month.index());
    return FirstRow<CycleRunRecord>(s, ReadRun<Stmt>);
  }

  Result<std::vector<CycleRunRecord>> ListCycleRuns() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM cycle_run ORDER BY month", kRunColumns)));
    return CollectRows<CycleRunRecord>(s, ReadRun<Stmt>);
  }

  Status ForEachLedger(Month from, const std::function<Status(int64_t, const EntitlementLedger&)>& fn) override {
    ASSIGN_OR_RETURN(Stmt pay, db_.Prepare(fmt::format(
        "SELECT {} FROM payment WHERE month >= ? ORDER BY entitlement_id, month, run_month", kPaymentColumns)));
    ASSIGN_OR_RETURN(Stmt rec, db_.Prepare(fmt::format(
        "SELECT {} FROM receivable WHERE month >= ? ORDER BY entitlement_id, month, id", kReceivableColumns)));
    pay.Bind(1, from.index());
    rec.Bind(1, from.index());
    ASSIGN_OR_RETURN(bool pay_row, pay.Step());
    ASSIGN_OR_RETURN(bool rec_row, rec.Step());
    EntitlementLedger ledger;
    while (pay_row || rec_row) {
      const int64_t id = !rec_row ? pay.Int(0) : !pay_row ? rec.Int(1) : std::min(pay.Int(0), rec.Int(1));
      ledger.payments.clear();
      ledger.receivables.clear();
      while (pay_row && pay.Int(0) == id) {
        ledger.payments.push_back(ReadPayment(pay));
        ASSIGN_OR_RETURN(pay_row, pay.Step());
      }
      while (rec_row && rec.Int(1) == id) {
        ledger.receivables.push_back(ReadReceivable(rec));
        ASSIGN_OR_RETURN(rec_row, rec.Step());
      }
      RETURN_IF_ERROR(fn(id, ledger));
    }
    return {};
  }

  Result<EntitlementLedger> LedgerOf(int64_t entitlement_id) override {
    // Prepared once: a monthly run asks for the ledger of every entitlement it derives.
    if (!ledger_payments_) {
      ASSIGN_OR_RETURN(Stmt pay, db_.Prepare(fmt::format(
          "SELECT {} FROM payment WHERE entitlement_id = ? ORDER BY month, run_month", kPaymentColumns)));
      ASSIGN_OR_RETURN(Stmt rec, db_.Prepare(fmt::format(
          "SELECT {} FROM receivable WHERE entitlement_id = ? ORDER BY month, id", kReceivableColumns)));
      ledger_payments_ = std::make_unique<Stmt>(std::move(pay));
      ledger_receivables_ = std::make_unique<Stmt>(std::move(rec));
    }
    EntitlementLedger ledger;
    Stmt& pay = *ledger_payments_;
    pay.Reset();
    pay.Bind(1, entitlement_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, pay.Step());
      if (!row) break;
      ledger.payments.push_back(ReadPayment(pay));
    }
    pay.Reset();
    Stmt& rec = *ledger_receivables_;
    rec.Reset();
    rec.Bind(1, entitlement_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, rec.Step());
      if (!row) break;
      ledger.receivables.push_back(ReadReceivable(rec));
    }
    rec.Reset();
    return ledger;
  }

  Result<std::optional<DecisionRecord>> DecisionOf(Month month, int64_t entitlement_id) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "SELECT {} FROM decision WHERE run_month = ? AND entitlement_id = ?", kDecisionColumns)));
    s.Bind(1, month.index()).Bind(2, entitlement_id);
    return FirstRow<DecisionRecord>(s, ReadDecision<Stmt>);
  }

  Result<std::vector<DecisionRecord>> DecisionsOf(Month month) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "SELECT {} FROM decision WHERE run_month = ? ORDER BY entitlement_id", kDecisionColumns)));
    s.Bind(1, month.index());
    return CollectRows<DecisionRecord>(s, ReadDecision<Stmt>);
  }

  Result<std::vector<ReceivableRecord>> OpenReceivables() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "SELECT {} FROM receivable WHERE amount_fen <> recovered_fen ORDER BY entitlement_id, month, id",
        kReceivableColumns)));
    return CollectRows<ReceivableRecord>(s, ReadReceivable<Stmt>);
  }

  Result<std::vector<PersonKey>> PersonsWithOpenReceivables() override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "SELECT DISTINCT e.person_key FROM receivable r JOIN entitlement e ON e.id = r.entitlement_id "
        "WHERE r.amount_fen <> r.recovered_fen ORDER BY e.person_key"));
    std::vector<PersonKey> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back(static_cast<PersonKey>(s.Int(0)));
    }
    return out;
  }

  Result<std::vector<ReceivableRecord>> OpenOrRecoveredReceivables(const std::string& region) override {
    if (region.empty()) {
      ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
          "SELECT {} FROM receivable WHERE amount_fen <> recovered_fen OR recovered_fen <> 0 "
          "ORDER BY entitlement_id, month, id",
          kReceivableColumns)));
      return CollectRows<ReceivableRecord>(s, ReadReceivable<Stmt>);
    }
    // The region's persons by the residence index (codes under a prefix sort
    // between the prefix and the prefix followed by ':'), then their
    // entitlements' receivables: a county's dashboard reads its own.
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "SELECT {} FROM receivable WHERE entitlement_id IN (SELECT e.id FROM person p JOIN entitlement e ON "
        "e.person_key = p.person_key WHERE p.region_code >= ? AND p.region_code < ?) "
        "AND (amount_fen <> recovered_fen OR recovered_fen <> 0) ORDER BY entitlement_id, month, id",
        kReceivableColumns)));
    s.Bind(1, region).Bind(2, PrefixUpperBound(region));
    return CollectRows<ReceivableRecord>(s, ReadReceivable<Stmt>);
  }

  Result<std::vector<PaymentRecord>> PaymentsOfRun(Month run_month) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
        "SELECT {} FROM payment WHERE run_month = ? ORDER BY entitlement_id, month", kPaymentColumns)));
    s.Bind(1, run_month.index());
    return CollectRows<PaymentRecord>(s, ReadPayment<Stmt>);
  }

  // Forecasts replace those of their entitlements (in key order); the person
  // marks the run read give way to the persons it could not settle.
  Status SaveCarryOver(const CycleRunRecord& run, const CycleCarryOver& carry_over) {
    std::vector<const ForecastRecord*> order;
    order.reserve(carry_over.forecasts.size());
    for (const ForecastRecord& f : carry_over.forecasts) order.push_back(&f);
    std::sort(order.begin(), order.end(), [](const ForecastRecord* a, const ForecastRecord* b) {
      return a->entitlement_id < b->entitlement_id;
    });
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare(
        "INSERT OR REPLACE INTO forecast(entitlement_id, through_month, status, due_fen, rule, evidence_id, "
        "person_key) VALUES(?,?,?,?,?,?,?)"));
    for (const ForecastRecord* f : order) {
      ins.Bind(1, f->entitlement_id).Bind(2, f->through.index()).Bind(3, static_cast<int>(f->status))
          .Bind(4, f->due).Bind(5, f->rule).Bind(6, f->evidence_id).Bind(7, static_cast<int64_t>(f->person));
      RETURN_IF_ERROR(ins.Run());
    }
    if (run.dirty_high_water) {
      ASSIGN_OR_RETURN(Stmt del, db_.Prepare("DELETE FROM person_dirty WHERE id <= ?"));
      RETURN_IF_ERROR(del.Bind(1, *run.dirty_high_water).Run());
    }
    ASSIGN_OR_RETURN(Stmt mark, db_.Prepare("INSERT INTO person_dirty(person_key) VALUES(?)"));
    for (PersonKey p : carry_over.pending) {
      RETURN_IF_ERROR(mark.Bind(1, static_cast<int64_t>(p)).Run());
    }
    return {};
  }

  Status SaveCycleRun(const CycleRunRecord& run, const std::vector<DecisionRecord>& decisions,
                      const std::vector<PaymentRecord>& payments,
                      const std::vector<ReceivableRecord>& receivables, const CycleCarryOver& carry_over) override {
    RETURN_IF_ERROR(CheckRunRowsHavePersons(decisions, payments, receivables, carry_over.forecasts));
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt exists, db_.Prepare("SELECT 1 FROM cycle_run WHERE month = ?"));
    exists.Bind(1, run.month.index());
    ASSIGN_OR_RETURN(bool already, exists.Step());
    if (already) {
      return MakeError(ErrorCode::kAlreadyExists, fmt::format("the monthly run for {} is recorded already",
                                                              run.month.ToString()));
    }
    ASSIGN_OR_RETURN(Stmt ins_run, db_.Prepare(fmt::format(
        "INSERT INTO cycle_run({}) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", kRunColumns)));
    ins_run.Bind(1, run.month.index()).Bind(2, static_cast<int64_t>(run.as_of.days())).Bind(3, run.started_at)
        .Bind(4, run.finished_at).Bind(5, run.policy_version).Bind(6, run.entitlements).Bind(7, run.paid)
        .Bind(8, run.suspended).Bind(9, run.terminated).Bind(10, run.paid_amount).Bind(11, run.back_pay_amount)
        .Bind(12, run.overpaid_amount).Bind(13, run.payroll_path).BindOptional(14, run.evidence_high_water)
        .BindOptional(15, run.dirty_high_water);
    RETURN_IF_ERROR(ins_run.Run());
    // Rows go in in key order, so each B-tree page is written once.
    std::vector<const DecisionRecord*> decision_order;
    decision_order.reserve(decisions.size());
    for (const DecisionRecord& d : decisions) decision_order.push_back(&d);
    std::sort(decision_order.begin(), decision_order.end(),
              [](const DecisionRecord* a, const DecisionRecord* b) { return a->entitlement_id < b->entitlement_id; });
    std::vector<const PaymentRecord*> payment_order;
    payment_order.reserve(payments.size());
    for (const PaymentRecord& p : payments) payment_order.push_back(&p);
    std::sort(payment_order.begin(), payment_order.end(), [](const PaymentRecord* a, const PaymentRecord* b) {
      if (a->entitlement_id != b->entitlement_id) return a->entitlement_id < b->entitlement_id;
      if (a->month != b->month) return a->month < b->month;
      return a->kind < b->kind;
    });
    ASSIGN_OR_RETURN(Stmt ins_dec, db_.Prepare(
        "INSERT INTO decision(run_month, entitlement_id, status, due_fen, rule, evidence_id, person_key) "
        "VALUES(?,?,?,?,?,?,?)"));
    for (const DecisionRecord* dp : decision_order) {
      const DecisionRecord& d = *dp;
      ins_dec.Bind(1, run.month.index()).Bind(2, d.entitlement_id).Bind(3, static_cast<int>(d.status))
          .Bind(4, d.due).Bind(5, d.rule).Bind(6, d.evidence_id).Bind(7, static_cast<int64_t>(d.person));
      RETURN_IF_ERROR(ins_dec.Run());
    }
    // The first run that decides an entitlement fixes what the previous system
    // paid, so that fact is stored and auditable rather than implied.
    ASSIGN_OR_RETURN(Stmt set_paid_through, db_.Prepare(
        "UPDATE entitlement SET paid_through = ?1 WHERE paid_through IS NULL AND id IN "
        "(SELECT entitlement_id FROM decision WHERE run_month = ?2)"));
    RETURN_IF_ERROR(set_paid_through.Bind(1, (run.month - 1).index()).Bind(2, run.month.index()).Run());
    ASSIGN_OR_RETURN(Stmt ins_pay, db_.Prepare(fmt::format("INSERT INTO payment({}) VALUES(?,?,?,?,?,?)",
                                                           kPaymentColumns)));
    for (const PaymentRecord* pp : payment_order) {
      const PaymentRecord& p = *pp;
      ins_pay.Bind(1, p.entitlement_id).Bind(2, p.month.index()).Bind(3, run.month.index()).Bind(4, p.kind)
          .Bind(5, p.amount).Bind(6, static_cast<int64_t>(p.person));
      RETURN_IF_ERROR(ins_pay.Run());
    }
    ASSIGN_OR_RETURN(Stmt ins_rec, db_.Prepare(
        "INSERT INTO receivable(entitlement_id, month, amount_fen, run_month, reason, evidence_id, recovered_fen, "
        "person_key) VALUES(?,?,?,?,?,?,0,?)"));
    for (const ReceivableRecord& r : receivables) {
      ins_rec.Bind(1, r.entitlement_id).Bind(2, r.month.index()).Bind(3, r.amount).Bind(4, run.month.index())
          .Bind(5, r.reason).Bind(6, r.evidence_id).Bind(7, static_cast<int64_t>(r.person));
      RETURN_IF_ERROR(ins_rec.Run());
    }
    RETURN_IF_ERROR(SaveCarryOver(run, carry_over));
    ASSIGN_OR_RETURN(Stmt meta, db_.Prepare("INSERT OR IGNORE INTO meta(key, value) VALUES('first_cycle_month', ?)"));
    RETURN_IF_ERROR(meta.Bind(1, run.month.ToString()).Run());
    return tx.Commit();
  }

  // ---- Cases and recoveries ----------------------------------------------------

  Result<int64_t> OpenCases(std::vector<CaseRecord>& cases) override {
    for (size_t i = 0; i < cases.size(); ++i) {
      const CaseRecord& c = cases[i];
      if (c.person == 0 || c.type.empty() || c.key.empty()) {
        return InvalidArgument(fmt::format("case {} of {}: a case needs a person, a type and a key", i + 1,
                                           cases.size()));
      }
    }
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare(
        "INSERT INTO case_file(person_key, type, dedup_key, summary, suggestion, evidence_ids, at_stake_fen, status, "
        "opened_at, opened_in) VALUES(?,?,?,?,?,?,?,'open',?,?) ON CONFLICT(dedup_key) DO NOTHING"));
    ASSIGN_OR_RETURN(Stmt find, db_.Prepare("SELECT id FROM case_file WHERE dedup_key = ?"));
    const std::string now = NowUtcText();
    int64_t added = 0;
    for (CaseRecord& c : cases) {
      ins.Bind(1, static_cast<int64_t>(c.person)).Bind(2, c.type).Bind(3, c.key).Bind(4, c.summary)
          .Bind(5, c.suggestion).Bind(6, JoinIds(c.evidence_ids)).Bind(7, c.at_stake).Bind(8, now)
          .Bind(9, c.opened_in.index());
      RETURN_IF_ERROR(ins.Run());
      if (db_.Changes() == 1) {
        c.id = db_.LastInsertId();
        c.status = "open";
        c.opened_at = now;
        ++added;
        continue;
      }
      find.Reset().Bind(1, c.key);
      ASSIGN_OR_RETURN(bool row, find.Step());
      if (!row) return Internal("a case key conflicted but is not stored");
      c.id = find.Int(0);
      find.Reset();
    }
    RETURN_IF_ERROR(tx.Commit());
    return added;
  }

  Result<std::vector<CaseRecord>> ListCases(std::string_view status, PersonKey person) override {
    if (!status.empty() && status != "open" && status != "resolved") {
      return InvalidArgument("case status: expected open, resolved or empty (all)");
    }
    std::string where;
    if (!status.empty()) where += " AND status = ?1";
    if (person != 0) where += " AND person_key = ?2";
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM case_file WHERE 1{} ORDER BY id", kCaseColumns,
                                                     where)));
    if (!status.empty()) s.Bind(1, status);
    if (person != 0) s.Bind(2, static_cast<int64_t>(person));
    return CollectRows<CaseRecord>(s, ReadCase<Stmt>);
  }

  Result<std::optional<CaseRecord>> FindCase(int64_t id) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM case_file WHERE id = ?", kCaseColumns)));
    s.Bind(1, id);
    return FirstRow<CaseRecord>(s, ReadCase<Stmt>);
  }

  // Stores one linked record outside any batch (batch_id 0), with the same
  // (source, ref) uniqueness as ApplyBatch. Sets e.id.
  // Errors: kAlreadyExists when (source, ref) is stored already.
  Status AddSingleEvidence(EvidenceRecord& e) {
    ASSIGN_OR_RETURN(const int64_t source_id, SourceId(e.source));
    ASSIGN_OR_RETURN(e.id, AllocateEvidenceIds(1));
    e.batch_id = 0;
    ASSIGN_OR_RETURN(Stmt claim, db_.Prepare(kClaimRefSql));
    ASSIGN_OR_RETURN(Stmt holder, db_.Prepare(kRefHolderSql));
    for (int64_t slot = RefHash(e.source, e.ref);; ++slot) {
      ASSIGN_OR_RETURN(const int64_t other_id, ClaimRefSlot(claim, holder, slot, e.id));
      if (other_id == 0) break;
      ASSIGN_OR_RETURN(const std::optional<HeldRef> held, StoredRef(other_id));
      if (held && held->source_id == source_id && held->ref == e.ref) {
        return MakeError(ErrorCode::kAlreadyExists,
                         fmt::format("a record ({}, {}) is stored already", e.source, e.ref));
      }
    }
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare(
        "INSERT INTO evidence(person_key, id, source_id, ref, kind, occurred_on, received_on, batch_id, "
        "link_method, link_score, detail) VALUES(?,?,?,?,?,?,?,0,?,?,?)"));
    ins.Bind(1, static_cast<int64_t>(e.person)).Bind(2, e.id).Bind(3, source_id).Bind(4, e.ref).Bind(5, e.kind)
        .Bind(6, static_cast<int64_t>(e.occurred_on.days())).Bind(7, static_cast<int64_t>(e.received_on.days()))
        .Bind(8, e.link_method).Bind(9, e.link_score).BindTextOrNull(10, e.detail);
    return ins.Run();
  }

  Status ResolveCase(int64_t id, const std::string& decision, const std::string& note, const std::string& by,
                     std::optional<EvidenceRecord> fact) override {
    if (decision.empty()) return InvalidArgument("a case is resolved with a decision");
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt find, db_.Prepare("SELECT person_key, status FROM case_file WHERE id = ?"));
    find.Bind(1, id);
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) return NotFound(fmt::format("case #{} does not exist", id));
    const PersonKey person = static_cast<PersonKey>(find.Int(0));
    if (find.TextView(1) != "open") {
      return FailedPrecondition(fmt::format("case #{} is resolved already; a decision is not taken twice", id));
    }
    find.Reset();
    std::optional<int64_t> evidence_id;
    if (fact) {
      if (fact->person == 0) fact->person = person;
      if (fact->person != person) return InvalidArgument(fmt::format("case #{}: the fact is about another person", id));
      if (fact->link_method.empty()) {
        fact->link_method = std::string(kLinkExact);
        fact->link_score = 1.0;
      }
      RETURN_IF_ERROR(AddSingleEvidence(*fact));
      evidence_id = fact->id;
    }
    ASSIGN_OR_RETURN(Stmt upd, db_.Prepare(
        "UPDATE case_file SET status = 'resolved', decision = ?, note = ?, resolved_by = ?, resolved_at = ?, "
        "decision_evidence_id = ? WHERE id = ?"));
    upd.Bind(1, decision).Bind(2, note).Bind(3, by).Bind(4, NowUtcText()).BindOptional(5, evidence_id).Bind(6, id);
    RETURN_IF_ERROR(upd.Run());
    return tx.Commit();
  }

  // The receivables of one (entitlement, month) and the net still owed on them.
  struct OwedMonth {
    int64_t entitlement_id = 0;
    Month month;
    Fen net = 0;  // sum(amount) - sum(recovered); below 0 when a recovered claim was reversed
    std::vector<ReceivableRecord> rows;  // in id order
  };

  // A person's receivables grouped by (entitlement, month), oldest month first.
  Result<std::vector<OwedMonth>> OwedMonths(PersonKey person) {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "SELECT r.id, r.entitlement_id, r.month, r.amount_fen, r.run_month, r.reason, r.evidence_id, r.recovered_fen, "
        "r.person_key FROM receivable r JOIN entitlement e ON e.id = r.entitlement_id WHERE e.person_key = ? "
        "ORDER BY r.month, r.entitlement_id, r.id"));
    s.Bind(1, static_cast<int64_t>(person));
    ASSIGN_OR_RETURN(std::vector<ReceivableRecord> rows, CollectRows<ReceivableRecord>(s, ReadReceivable<Stmt>));
    std::vector<OwedMonth> out;
    for (ReceivableRecord& r : rows) {
      if (out.empty() || out.back().entitlement_id != r.entitlement_id || out.back().month != r.month) {
        out.push_back(OwedMonth{r.entitlement_id, r.month, 0, {}});
      }
      out.back().net += r.amount - r.recovered;
      out.back().rows.push_back(std::move(r));
    }
    return out;
  }

  static Fen Recoverable(const std::vector<OwedMonth>& months) {
    Fen total = 0;
    for (const OwedMonth& m : months) total += std::max<Fen>(m.net, 0);
    return total;
  }

  Result<Fen> OutstandingOf(PersonKey person) override {
    ASSIGN_OR_RETURN(std::vector<OwedMonth> months, OwedMonths(person));
    return Recoverable(months);
  }

  Result<std::vector<RecoveryRecord>> RecordRecovery(PersonKey person, Fen amount, std::string_view method, Date on,
                                                     const std::string& note) override {
    if (method != "lump" && method != "instalment" && method != "offset") {
      return InvalidArgument("recovery method: expected lump (一次性退回), instalment (分期退回) or offset (抵扣)");
    }
    if (amount <= 0) return InvalidArgument("recovery amount: expected more than 0");
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Stmt exists, db_.Prepare("SELECT 1 FROM person WHERE person_key = ?"));
    exists.Bind(1, static_cast<int64_t>(person));
    ASSIGN_OR_RETURN(bool known, exists.Step());
    if (!known) {
      return NotFound(fmt::format("{} is not in the benefit registry", MaskIdNumber(IdNumber::FromKey(person).text())));
    }
    ASSIGN_OR_RETURN(std::vector<OwedMonth> months, OwedMonths(person));
    const Fen outstanding = Recoverable(months);
    if (amount > outstanding) {
      return InvalidArgument(fmt::format("recovery amount {} yuan is more than the outstanding balance {} yuan",
                                         FormatYuan(amount), FormatYuan(outstanding)));
    }
    ASSIGN_OR_RETURN(Stmt upd, db_.Prepare("UPDATE receivable SET recovered_fen = recovered_fen + ? WHERE id = ?"));
    ASSIGN_OR_RETURN(Stmt ins, db_.Prepare(
        "INSERT INTO recovery(receivable_id, entitlement_id, month, amount_fen, method, on_date, note, recorded_at, "
        "person_key) VALUES(?,?,?,?,?,?,?,?,?)"));
    const std::string now = NowUtcText();
    std::vector<RecoveryRecord> out;
    Fen left = amount;
    for (const OwedMonth& m : months) {
      if (left == 0) break;
      // The net is at most what the positive rows still carry (reversals are
      // negative and never recovered), so it fits in them.
      Fen take = std::min(left, std::max<Fen>(m.net, 0));
      for (const ReceivableRecord& r : m.rows) {
        if (take == 0) break;
        const Fen share = std::min(take, r.amount - r.recovered);
        if (share <= 0) continue;
        RETURN_IF_ERROR(upd.Bind(1, share).Bind(2, r.id).Run());
        RecoveryRecord rec{0, r.id, r.entitlement_id, r.month, share, std::string(method), on, note, now};
        ins.Bind(1, rec.receivable_id).Bind(2, rec.entitlement_id).Bind(3, rec.month.index()).Bind(4, rec.amount)
            .Bind(5, rec.method).Bind(6, static_cast<int64_t>(on.days())).Bind(7, note).Bind(8, now)
            .Bind(9, static_cast<int64_t>(person));
        RETURN_IF_ERROR(ins.Run());
        rec.id = db_.LastInsertId();
        out.push_back(std::move(rec));
        take -= share;
        left -= share;
      }
    }
    if (left != 0) return Internal("a recovery did not fit the receivables it was checked against");
    RETURN_IF_ERROR(tx.Commit());
    return out;
  }

  Result<std::vector<RecoveryRecord>> RecoveriesOf(PersonKey person) override {
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
        "SELECT c.id, c.receivable_id, c.entitlement_id, c.month, c.amount_fen, c.method, c.on_date, c.note, "
        "c.recorded_at FROM recovery c WHERE c.person_key = ? "
        "ORDER BY c.id"));
    s.Bind(1, static_cast<int64_t>(person));
    return CollectRows<RecoveryRecord>(s, [](const Stmt& r) {
      return RecoveryRecord{r.Int(0), r.Int(1), r.Int(2), Month::FromIndex(static_cast<int32_t>(r.Int(3))), r.Int(4),
                            r.Text(5), Date::FromDays(static_cast<int32_t>(r.Int(6))), r.Text(7), r.Text(8)};
    });
  }

  // Access tables: see sqlite_access.cc.
  Result<int64_t> InsertUser(const StaffUser& user) override { return access_.InsertUser(user); }
  Result<std::optional<StaffUser>> FindUser(std::string_view name) override { return access_.FindUser(name); }
  Result<std::optional<StaffUser>> FindUserById(int64_t id) override { return access_.FindUserById(id); }
  Result<std::vector<StaffUser>> ListUsers() override { return access_.ListUsers(); }
  Status UpdateUser(const StaffUser& user) override { return access_.UpdateUser(user); }
  Status InsertSession(const SessionRecord& session) override { return access_.InsertSession(session); }
  Result<std::optional<SessionRecord>> FindSession(std::string_view token_hash) override {
    return access_.FindSession(token_hash);
  }
  Status TouchSession(std::string_view token_hash, int64_t last_seen) override {
    return access_.TouchSession(token_hash, last_seen);
  }
  Status DeleteSessions(std::string_view token_hash, int64_t user_id, int64_t now) override {
    return access_.DeleteSessions(token_hash, user_id, now);
  }
  Result<int64_t> InsertPartner(const PartnerRecord& partner) override { return access_.InsertPartner(partner); }
  Result<std::optional<PartnerRecord>> FindPartnerByKeyId(std::string_view key_id) override {
    return access_.FindPartnerByKeyId(key_id);
  }
  Result<std::vector<PartnerRecord>> ListPartners() override { return access_.ListPartners(); }
  Status SetPartnerDisabled(std::string_view name, bool disabled) override {
    return access_.SetPartnerDisabled(name, disabled);
  }
  Result<bool> RememberNonce(std::string_view key_id, std::string_view nonce, int64_t at,
                             int64_t forget_before) override {
    return access_.RememberNonce(key_id, nonce, at, forget_before);
  }
  Status AppendAudit(AuditEntry& entry, const std::function<std::string(const AuditEntry&)>& hash) override {
    return access_.AppendAudit(entry, hash);
  }
  Status ForEachAudit(int64_t after_id, int64_t limit,
                      const std::function<Status(const AuditEntry&)>& fn) override {
    return access_.ForEachAudit(after_id, limit, fn);
  }
  Status PutFaceTemplate(const FaceTemplateRecord& record) override { return access_.PutFaceTemplate(record); }
  Result<std::optional<FaceTemplateRecord>> FindFaceTemplate(PersonKey person) override {
    return access_.FindFaceTemplate(person);
  }
  Status PutFaceChallenge(const FaceChallengeRecord& record) override { return access_.PutFaceChallenge(record); }
  Result<std::optional<FaceChallengeRecord>> FindFaceChallenge(std::string_view id) override {
    return access_.FindFaceChallenge(id);
  }
  Result<std::vector<FaceChallengeRecord>> PendingFaceChallenges(PersonKey person) override {
    return access_.PendingFaceChallenges(person);
  }
  Status AddFaceAttempt(FaceAttemptRecord& attempt) override { return access_.AddFaceAttempt(attempt); }
  Result<std::vector<FaceAttemptRecord>> FaceAttemptsOf(PersonKey person, int64_t since_ms) override {
    return access_.FaceAttemptsOf(person, since_ms);
  }
  Result<int64_t> CountFaceAttemptsByDevice(std::string_view device, int64_t since_ms) override {
    return access_.CountFaceAttemptsByDevice(device, since_ms);
  }
  Status InsertCitizenCode(const CitizenCodeRecord& code) override { return access_.InsertCitizenCode(code); }
  Result<std::optional<CitizenCodeRecord>> FindCitizenCode(std::string_view id) override {
    return access_.FindCitizenCode(id);
  }
  Result<std::optional<int>> CountCitizenCodeTry(std::string_view id, int max_tries) override {
    return access_.CountCitizenCodeTry(id, max_tries);
  }
  Result<bool> UseCitizenCode(std::string_view id) override { return access_.UseCitizenCode(id); }
  Status SetCitizenCodeSms(std::string_view id, std::string_view sms) override {
    return access_.SetCitizenCodeSms(id, sms);
  }
  Result<std::vector<int64_t>> CitizenCodeTimes(std::string_view subject, int64_t since_ms) override {
    return access_.CitizenCodeTimes(subject, since_ms);
  }
  Status InsertCitizenSession(const CitizenSessionRecord& session) override {
    return access_.InsertCitizenSession(session);
  }
  Result<std::optional<CitizenSessionRecord>> FindCitizenSession(std::string_view token_hash) override {
    return access_.FindCitizenSession(token_hash);
  }
  Status DeleteCitizenSessions(std::string_view token_hash, int64_t now_ms, int64_t codes_before_ms) override {
    return access_.DeleteCitizenSessions(token_hash, now_ms, codes_before_ms);
  }
  OutreachStore& outreach() override { return outreach_; }

 private:
  // Claims of a bulk unit of work, held in memory until its commit packs them
  // with the stored ones into evidence_ref_block.
  struct BulkRefs {
    explicit BulkRefs(size_t expected) : pending(expected) {}
    // The evidence id claiming `slot` in this unit, or 0.
    int64_t Pending(int64_t slot) const {
      const uint32_t* at = pending.Find(slot);
      return at != nullptr ? first_id + *at : 0;
    }
    // Every claim of the unit, ascending by slot.
    std::vector<sqlite::Claim> PendingClaims() const {
      std::vector<sqlite::Claim> claims;
      const auto entries = pending.SortedEntries();
      claims.reserve(entries.size());
      for (const auto& [slot, at] : entries) claims.emplace_back(slot, first_id + at);
      return claims;
    }
    std::vector<sqlite::Claim> stored;  // the claims stored at the start of the unit, ascending
    int64_t first_id = 0;               // the unit's first evidence id; 0 before its first batch
    sqlite::IntMap pending;             // slot -> evidence id claimed in this unit, less first_id
  };

  // The columns ReadPack reads, in its order.
  static constexpr std::string_view kPackColumns = "first_id, person_key, records";
  static constexpr std::string_view kPacksOfPersonSql =
      "SELECT first_id, person_key, records FROM evidence_pack WHERE person_key = ? ORDER BY first_id";

  // One stored pack, decoded: its records' views point into `bytes`.
  struct Pack {
    int64_t first_id = 0;
    PersonKey person = 0;
    std::string bytes;
    std::vector<sqlite::PackedRecord> records;
  };

  // Fills `out` from the kPackColumns of `s`, starting at column `col`.
  static Status ReadPack(const Stmt& s, int col, Pack& out) {
    out.first_id = s.Int(col);
    out.person = static_cast<PersonKey>(s.Int(col + 1));
    out.bytes.assign(s.BlobView(col + 2));
    return sqlite::DecodePack(out.bytes, out.records);
  }

  // The pack holding evidence `id` into `out`; false when no pack does.
  Result<bool> FindPackHolding(int64_t id, Pack& out) {
    ASSIGN_OR_RETURN(Stmt* const prepared, PreparedOnce(pack_holding_, fmt::format(
        "SELECT {}, last_id FROM evidence_pack WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1", kPackColumns)));
    Stmt& s = *prepared;
    s.Reset().Bind(1, id);
    ASSIGN_OR_RETURN(bool row, s.Step());
    bool found = row && s.Int(3) >= id;
    if (found) {
      const Status read = ReadPack(s, 0, out);
      s.Reset();
      RETURN_IF_ERROR(read);
      found = id - out.first_id < static_cast<int64_t>(out.records.size());
    }
    s.Reset();
    return found;
  }

  // The name of source `id`. Cached on the connection; a unit that rolls
  // back clears the cache (the ids it made are gone and will be given again).
  Result<std::string> SourceName(int64_t id) {
    if (auto at = source_names_.find(id); at != source_names_.end()) return at->second;
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT name FROM source WHERE id = ?"));
    s.Bind(1, id);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Internal(fmt::format("evidence names source {}, which does not exist", id));
    return source_names_.emplace(id, s.Text(0)).first->second;
  }

  // Record k of `pack` as the store's readers return it.
  Result<EvidenceRecord> PackedEvidence(const Pack& pack, size_t k) {
    const sqlite::PackedRecord& r = pack.records[k];
    EvidenceRecord e;
    e.id = pack.first_id + static_cast<int64_t>(k);
    ASSIGN_OR_RETURN(e.source, SourceName(r.source_id));
    e.ref = r.ref;
    e.kind = r.kind;
    e.person = pack.person;
    e.occurred_on = Date::FromDays(r.occurred_on);
    e.received_on = Date::FromDays(r.received_on);
    e.batch_id = r.batch_id;
    e.link_method = r.link_method;
    e.link_score = r.link_score;
    e.detail = r.detail;
    return e;
  }

  Result<Fact> PackedFact(const Pack& pack, size_t k) {
    const sqlite::PackedRecord& r = pack.records[k];
    Fact f;
    f.evidence_id = pack.first_id + static_cast<int64_t>(k);
    f.kind = r.kind;
    ASSIGN_OR_RETURN(f.source, SourceName(r.source_id));
    f.occurred_on = Date::FromDays(r.occurred_on);
    f.received_on = Date::FromDays(r.received_on);
    f.detail = r.detail;
    return f;
  }

  // Appends the facts of every pack `s` (first_id, person_key, records) steps
  // through while its person is `key`; `more` is whether `s` is on a row.
  Status AddPackedFacts(Stmt& s, bool& more, int64_t key, std::vector<Fact>& out) {
    while (more && s.Int(1) == key) {
      RETURN_IF_ERROR(ReadPack(s, 0, scratch_pack_));
      for (size_t k = 0; k < scratch_pack_.records.size(); ++k) {
        ASSIGN_OR_RETURN(Fact f, PackedFact(scratch_pack_, k));
        out.push_back(std::move(f));
      }
      ASSIGN_OR_RETURN(more, s.Step());
    }
    return {};
  }

  // A record's (source, ref), for the duplicate check.
  struct HeldRef {
    int64_t source_id = 0;
    std::string ref;
  };

  // The (source, ref) of evidence `id`: one of the open bulk unit's records
  // waiting to be packed, a row, or a packed record; nullopt when none is.
  Result<std::optional<HeldRef>> StoredRef(int64_t id) {
    if (pack_feed_) pack_feed_->WaitMerged();  // entry_of is the merge's
    if (bulk_packs_ && bulk_packs_->first_provisional != 0 && id >= bulk_packs_->first_provisional &&
        id - bulk_packs_->first_provisional < static_cast<int64_t>(bulk_packs_->entry_of.size())) {
      const uint32_t index = bulk_packs_->entry_of[static_cast<size_t>(id - bulk_packs_->first_provisional)];
      if (index != 0) {
        const BulkPacks::Entry& entry = bulk_packs_->entries[index - 1];
        sqlite::PackedRecord one;
        if (!sqlite::DecodeArenaRecord(std::string_view(bulk_packs_->bytes).substr(entry.offset, entry.size), one)) {
          return Internal("a waiting record does not decode as one");
        }
        return std::optional<HeldRef>(HeldRef{one.source_id, std::string(one.ref)});
      }
    }
    ASSIGN_OR_RETURN(Stmt* const prepared, PreparedOnce(stored_ref_, "SELECT source_id, ref FROM evidence WHERE id = ?"));
    Stmt& s = *prepared;
    s.Reset().Bind(1, id);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) {
      HeldRef held{s.Int(0), s.Text(1)};
      s.Reset();
      return std::optional<HeldRef>(std::move(held));
    }
    s.Reset();
    ASSIGN_OR_RETURN(bool packed, FindPackHolding(id, scratch_pack_));
    if (!packed) return std::optional<HeldRef>();
    const sqlite::PackedRecord& r = scratch_pack_.records[static_cast<size_t>(id - scratch_pack_.first_id)];
    return std::optional<HeldRef>(HeldRef{r.source_id, std::string(r.ref)});
  }

  Db db_;
  sqlite::AccessTables access_{db_};
  sqlite::SqliteOutreach outreach_{db_};
  SqliteOptions options_;
  bool bulk_expected_ = false;          // ExpectEvidence asked for a bulk unit
  int64_t bulk_rows_ = 0;
  // From the unit's last batch to its commit, the kernel writes the unit's
  // pages out as they come (sqlite/early_writeback.h) instead of all at the
  // commit's fsync.
  static constexpr std::chrono::milliseconds kWritebackPeriod{50};
  std::unique_ptr<sqlite::EarlyWriteback> writeback_;
  bool journal_switched_ = false;       // rollback journal for the bulk unit; WAL again after it
  bool person_index_deferred_ = false;  // dropped inside the open unit; rebuilt at its commit
  std::unique_ptr<BulkRefs> bulk_refs_;
  std::unique_ptr<BulkPacks> bulk_packs_;
  std::unique_ptr<sqlite::PackFeed> pack_feed_;  // PrepareCommit's, on bulk_packs_
  std::future<std::vector<sqlite::Claim>> claims_ahead_;  // PrepareCommit's, from bulk_refs_
  std::unordered_map<int64_t, std::string> source_names_;  // SourceName's cache
  Pack scratch_pack_;  // the pack a lookup by id decoded last (its buffers are reused)
  std::unique_ptr<Stmt> stored_ref_, pack_holding_;  // StoredRef and FindPackHolding, once per duplicate
  std::unique_ptr<Stmt> packed_holder_;  // PackedHolder runs once per claim of a unit that is not bulk
  std::unique_ptr<Stmt> facts_of_, packs_of_;  // FactsOf runs once per person of a monthly run: prepared once
  std::unique_ptr<Stmt> ledger_payments_, ledger_receivables_;  // LedgerOf, likewise
};

Result<std::unique_ptr<SqliteStore>> OpenConfigured(const std::string& path, const SqliteOptions& options) {
  ASSIGN_OR_RETURN(Db db, Db::Open(path));
  auto store = std::make_unique<SqliteStore>(std::move(db));
  RETURN_IF_ERROR(store->Configure(options));
  return store;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const SqliteOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, OpenConfigured(path, options));
  return std::unique_ptr<Store>(std::move(store));
}

Status MigrateSqliteStoreToVersionForTest(const std::string& path, int version) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, OpenConfigured(path, SqliteOptions{}));
  return store->MigrateTo(version);
}

Status ExecSqliteForTest(const std::string& path, const std::string& sql) {
  ASSIGN_OR_RETURN(Db db, Db::Open(path));
  return db.Exec(sql);
}

}  // namespace tacit
