#include "store/sqlite/row_source.h"

#include <sqlite3.h>

#include <new>

namespace tacit::sqlite {
namespace {

// The pointer type tacit_rows() accepts (sqlite3_bind_pointer's "type"): a
// RowSource bound under any other type, or any other value, is not read.
constexpr const char* kRowSourceType = "tacit::sqlite::RowSource";
// The hidden column that takes the function's argument.
constexpr int kSourceColumn = RowSource::kColumns;

struct RowsCursor {
  sqlite3_vtab_cursor base;  // first: SQLite casts between the two
  const RowSource* rows = nullptr;
  int64_t row = 0;
  int64_t end = 0;
};

int Connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  const int rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, source HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* vtab = static_cast<sqlite3_vtab*>(sqlite3_malloc(sizeof(sqlite3_vtab)));
  if (vtab == nullptr) return SQLITE_NOMEM;
  *vtab = sqlite3_vtab{};
  *out = vtab;
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* vtab) {
  sqlite3_free(vtab);
  return SQLITE_OK;
}

// The only plan: the argument (an equality on the hidden column) is handed to
// Filter; without it there is nothing to read, and the plan is refused.
int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.iColumn == kSourceColumn && c.op == SQLITE_INDEX_CONSTRAINT_EQ && c.usable) {
      info->aConstraintUsage[i].argvIndex = 1;
      info->aConstraintUsage[i].omit = 1;
      info->estimatedCost = 1000;
      info->estimatedRows = 1000;
      return SQLITE_OK;
    }
  }
  return SQLITE_CONSTRAINT;
}

int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  void* mem = sqlite3_malloc(sizeof(RowsCursor));
  if (mem == nullptr) return SQLITE_NOMEM;
  auto* cursor = new (mem) RowsCursor();
  *out = &cursor->base;
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* base) {
  sqlite3_free(base);  // RowsCursor is trivially destructible
  return SQLITE_OK;
}

int Filter(sqlite3_vtab_cursor* base, int, const char*, int argc, sqlite3_value** argv) {
  auto* cursor = reinterpret_cast<RowsCursor*>(base);
  cursor->rows = argc == 1 ? static_cast<const RowSource*>(sqlite3_value_pointer(argv[0], kRowSourceType)) : nullptr;
  if (cursor->rows == nullptr) {
    sqlite3_free(base->pVtab->zErrMsg);
    base->pVtab->zErrMsg = sqlite3_mprintf("tacit_rows() reads only a row source bound with BindRowSource");
    return SQLITE_ERROR;
  }
  cursor->row = 0;
  cursor->end = cursor->rows->Rows();
  return SQLITE_OK;
}

int Next(sqlite3_vtab_cursor* base) {
  ++reinterpret_cast<RowsCursor*>(base)->row;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* base) {
  const auto* cursor = reinterpret_cast<RowsCursor*>(base);
  return cursor->row >= cursor->end ? 1 : 0;
}

int Column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int col) {
  const auto* cursor = reinterpret_cast<RowsCursor*>(base);
  if (col >= RowSource::kColumns) return SQLITE_OK;  // the hidden argument reads as NULL
  ColumnOut out(ctx);
  cursor->rows->Column(cursor->row, col, out);
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = reinterpret_cast<RowsCursor*>(base)->row;
  return SQLITE_OK;
}

sqlite3_module MakeModule() {
  sqlite3_module m{};
  m.iVersion = 0;
  m.xCreate = nullptr;  // eponymous-only: no CREATE VIRTUAL TABLE
  m.xConnect = Connect;
  m.xBestIndex = BestIndex;
  m.xDisconnect = Disconnect;
  m.xDestroy = Disconnect;
  m.xOpen = Open;
  m.xClose = Close;
  m.xFilter = Filter;
  m.xNext = Next;
  m.xEof = Eof;
  m.xColumn = Column;
  m.xRowid = Rowid;
  return m;  // read-only: no xUpdate, no transactions
}

const sqlite3_module kModule = MakeModule();

}  // namespace

void ColumnOut::Int(int64_t v) { sqlite3_result_int64(ctx_, v); }
void ColumnOut::Double(double v) { sqlite3_result_double(ctx_, v); }
void ColumnOut::Text(std::string_view v) {
  sqlite3_result_text(ctx_, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void ColumnOut::BlobCopy(std::string_view v) {
  sqlite3_result_blob64(ctx_, v.data(), v.size(), SQLITE_TRANSIENT);
}
void ColumnOut::Blob(std::string_view v) {
  sqlite3_result_blob64(ctx_, v.data(), v.size(), SQLITE_STATIC);
}
void ColumnOut::Null() { sqlite3_result_null(ctx_); }

Status RegisterRowSourceModule(Db& db) {
  if (sqlite3_create_module_v2(db.raw(), "tacit_rows", &kModule, nullptr, nullptr) != SQLITE_OK) {
    return db.LastError("registering tacit_rows");
  }
  return {};
}

Stmt& BindRowSource(Stmt& s, int i, const RowSource& rows) {
  // SQLite hands the pointer back as given; tacit_rows() only reads through it.
  return s.BindPointer(i, const_cast<RowSource*>(&rows), kRowSourceType);
}

}  // namespace tacit::sqlite
