// Rows held in memory that one SQL statement reads as a table, so that a batch
// is written with one INSERT … SELECT instead of a bind, step and reset per row
// (SQLite then runs one loop of its own over the rows: about half the cost a
// row). Internal to the SQLite backend.
//
// The rows are read through the table-valued function tacit_rows(P), an
// eponymous-only virtual table (read-only, one forward scan in row order) whose
// columns are c0 … c15; P is a RowSource bound with BindRowSource():
//
//   RowsOf rows(pairs.size(), [&](int64_t r, int col, ColumnOut& out) {
//     out.Int(col == 0 ? pairs[r].first : pairs[r].second);
//   });
//   ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT INTO t(a, b) SELECT c0, c1 FROM tacit_rows(?1)"));
//   RETURN_IF_ERROR(BindRowSource(s, 1, rows).Run());
//
// A plain INSERT … SELECT from tacit_rows() inserts in row order.
#ifndef TACIT_SRC_STORE_SQLITE_ROW_SOURCE_H_
#define TACIT_SRC_STORE_SQLITE_ROW_SOURCE_H_

#include <cstdint>
#include <string_view>
#include <utility>

#include "store/sqlite/sqlite_db.h"
#include "tacit/result.h"

struct sqlite3;
struct sqlite3_context;

namespace tacit::sqlite {

// Where a RowSource writes the value of one column of one row.
class ColumnOut {
 public:
  explicit ColumnOut(sqlite3_context* ctx) : ctx_(ctx) {}
  void Int(int64_t v);
  void Double(double v);
  // The text is not copied. REQUIRES: `v` stays valid until the statement
  // reading it is reset.
  void Text(std::string_view v);
  void TextOrNull(std::string_view v) { v.empty() ? Null() : Text(v); }
  // The bytes are copied: `v` may be a buffer the next row reuses.
  void BlobCopy(std::string_view v);
  // The bytes are not copied. REQUIRES: `v` stays valid until the statement
  // reading it is reset, or, in an INSERT … SELECT, until a later row is read.
  void Blob(std::string_view v);
  void Null();

 private:
  sqlite3_context* ctx_;
};

// The rows one statement reads. Not owned by the statement: it must outlive
// the statement's run. Read from the thread running the statement only.
class RowSource {
 public:
  static constexpr int kColumns = 16;  // c0 … c15
  virtual ~RowSource() = default;
  virtual int64_t Rows() const = 0;
  // Writes column `col` (0 ≤ col < kColumns) of row `row` (0 ≤ row < Rows()).
  // A column it does not write reads as NULL.
  virtual void Column(int64_t row, int col, ColumnOut& out) const = 0;
};

// A RowSource of `rows` rows whose columns `column(row, col, out)` writes.
template <typename F>
class RowsOf final : public RowSource {
 public:
  RowsOf(int64_t rows, F column) : rows_(rows), column_(std::move(column)) {}
  int64_t Rows() const override { return rows_; }
  void Column(int64_t row, int col, ColumnOut& out) const override { column_(row, col, out); }

 private:
  int64_t rows_;
  F column_;
};

// Registers tacit_rows() on the connection `db`. Once per connection.
Status RegisterRowSourceModule(Db& db);

// Binds `rows` as parameter `i` of `s`, for tacit_rows(?i). REQUIRES: `rows`
// outlives the run of `s`.
Stmt& BindRowSource(Stmt& s, int i, const RowSource& rows);

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_ROW_SOURCE_H_
