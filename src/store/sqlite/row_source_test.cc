#include "store/sqlite/row_source.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "store/sqlite/sqlite_db.h"

namespace tacit::sqlite {
namespace {

Db OpenMemory() {
  Result<Db> db = Db::Open(":memory:");
  EXPECT_TRUE(db.has_value());
  EXPECT_TRUE(RegisterRowSourceModule(*db).has_value());
  return std::move(*db);
}

TEST(RowSource, InsertSelectWritesEveryRowInRowOrder) {
  Db db = OpenMemory();
  ASSERT_TRUE(db.Exec("CREATE TABLE t(seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, s TEXT, x REAL, o TEXT)")
                  .has_value());
  const std::vector<std::string> texts = {"b", "", "a"};
  RowsOf rows(3, [&](int64_t r, int col, ColumnOut& out) {
    switch (col) {
      case 0: return out.Int(100 - r);
      case 1: return out.Text(texts[static_cast<size_t>(r)]);
      case 2: return out.Double(0.5 * static_cast<double>(r));
      case 3: return out.TextOrNull(texts[static_cast<size_t>(r)]);
      default: return out.Null();
    }
  });
  Result<Stmt> ins = db.Prepare("INSERT INTO t(n, s, x, o) SELECT c0, c1, c2, c3 FROM tacit_rows(?1)");
  ASSERT_TRUE(ins.has_value());
  ASSERT_TRUE(BindRowSource(*ins, 1, rows).Run().has_value());

  Result<Stmt> sel = db.Prepare("SELECT n, s, x, o IS NULL FROM t ORDER BY seq");
  ASSERT_TRUE(sel.has_value());
  std::vector<std::tuple<int64_t, std::string, double, int64_t>> got;
  while (*sel->Step()) got.emplace_back(sel->Int(0), sel->Text(1), sel->Double(2), sel->Int(3));
  const std::vector<std::tuple<int64_t, std::string, double, int64_t>> want = {
      {100, "b", 0.0, 0}, {99, "", 0.5, 1}, {98, "a", 1.0, 0}};
  EXPECT_EQ(got, want);
}

TEST(RowSource, BlobsCopiedOrNotAreStoredWhole) {
  Db db = OpenMemory();
  ASSERT_TRUE(db.Exec("CREATE TABLE t(seq INTEGER PRIMARY KEY, a BLOB, b BLOB)").has_value());
  // Not copied: each row's bytes in a buffer of their own, kept until the
  // insert ends. Copied: one buffer the rows overwrite in turn.
  const std::vector<std::string> kept = {std::string("a\0b", 3), std::string(40000, 'x'), ""};
  std::string reused;
  RowsOf rows(3, [&](int64_t r, int col, ColumnOut& out) {
    if (col == 0) return out.Blob(kept[static_cast<size_t>(r)]);
    reused.assign(static_cast<size_t>(r + 1), static_cast<char>('0' + r));
    return out.BlobCopy(reused);
  });
  Result<Stmt> ins = db.Prepare("INSERT INTO t(a, b) SELECT c0, c1 FROM tacit_rows(?1)");
  ASSERT_TRUE(ins.has_value());
  ASSERT_TRUE(BindRowSource(*ins, 1, rows).Run().has_value());
  Result<Stmt> sel = db.Prepare("SELECT a, b FROM t ORDER BY seq");
  ASSERT_TRUE(sel.has_value());
  std::vector<std::pair<std::string, std::string>> got;
  while (*sel->Step()) got.emplace_back(std::string(sel->BlobView(0)), std::string(sel->BlobView(1)));
  const std::vector<std::pair<std::string, std::string>> want = {
      {kept[0], "0"}, {kept[1], "11"}, {kept[2], "222"}};
  EXPECT_EQ(got, want);
}

TEST(RowSource, ColumnsNotWrittenReadAsNull) {
  Db db = OpenMemory();
  RowsOf rows(1, [](int64_t, int col, ColumnOut& out) {
    if (col == 0) out.Int(7);
  });
  Result<Stmt> sel = db.Prepare("SELECT c0, c1 IS NULL, c15 IS NULL FROM tacit_rows(?1)");
  ASSERT_TRUE(sel.has_value());
  BindRowSource(*sel, 1, rows);
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->Int(0), 7);
  EXPECT_EQ(sel->Int(1), 1);
  EXPECT_EQ(sel->Int(2), 1);
  EXPECT_FALSE(*sel->Step());
}

TEST(RowSource, AnEmptySourceYieldsNoRows) {
  Db db = OpenMemory();
  RowsOf rows(0, [](int64_t, int, ColumnOut&) {});
  Result<Stmt> sel = db.Prepare("SELECT count(*) FROM tacit_rows(?1)");
  ASSERT_TRUE(sel.has_value());
  BindRowSource(*sel, 1, rows);
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->Int(0), 0);
}

TEST(RowSource, AnythingButABoundRowSourceIsAnError) {
  Db db = OpenMemory();
  Result<Stmt> sel = db.Prepare("SELECT c0 FROM tacit_rows(?1)");
  ASSERT_TRUE(sel.has_value());
  sel->Bind(1, int64_t{42});
  Result<bool> step = sel->Step();
  ASSERT_FALSE(step.has_value());
  EXPECT_NE(step.error().message.find("row source"), std::string::npos) << step.error().message;
}

TEST(RowSource, WithoutItsArgumentTheTableCannotBeRead) {
  Db db = OpenMemory();
  EXPECT_FALSE(db.Prepare("SELECT c0 FROM tacit_rows").has_value());
}

}  // namespace
}  // namespace tacit::sqlite
