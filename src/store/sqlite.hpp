// Thin RAII wrappers over the SQLite C API used by the store (connection, statement).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

namespace netvigil::sql {

/// An SQLite error with its result code (extended code when available).
class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }
  int primary() const noexcept { return code_ & 0xff; }

 private:
  int code_;
};

struct DbCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

/// An open connection. Not thread-safe: each thread uses its own.
class Db {
 public:
  /// Opens `path` with `flags` (SQLITE_OPEN_*); throws Error on failure.
  Db(const std::string& path, int flags);
  sqlite3* get() const noexcept { return db_.get(); }
  /// Runs one or more statements without results; throws Error.
  void exec(std::string_view sql);
  /// Runs a statement returning one integer (e.g. a PRAGMA); throws Error.
  std::int64_t scalar(std::string_view sql);
  std::int64_t changes() const noexcept { return sqlite3_changes64(db_.get()); }
  bool in_transaction() const noexcept { return sqlite3_get_autocommit(db_.get()) == 0; }
  [[noreturn]] void fail(int rc, std::string_view context) const;

 private:
  std::unique_ptr<sqlite3, DbCloser> db_;
};

/// A prepared statement, reused across executions (reset after each).
class Stmt {
 public:
  Stmt() = default;
  Stmt(Db& db, std::string_view sql);
  explicit operator bool() const noexcept { return s_ != nullptr; }

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind_blob(int i, const void* data, std::size_t n);
  Stmt& bind_null(int i);
  /// Binds v, or NULL when v is absent.
  Stmt& bind_opt(int i, std::optional<std::int64_t> v);

  /// Steps once: true when a row is available, false when done; throws Error otherwise.
  bool step();
  /// Steps to completion (for writes) and resets.
  void run();
  void reset() noexcept;

  std::int64_t i64(int col) const noexcept { return sqlite3_column_int64(s_.get(), col); }
  double f64(int col) const noexcept { return sqlite3_column_double(s_.get(), col); }
  bool is_null(int col) const noexcept { return sqlite3_column_type(s_.get(), col) == SQLITE_NULL; }
  std::optional<std::int64_t> opt_i64(int col) const noexcept {
    return is_null(col) ? std::nullopt : std::optional<std::int64_t>(i64(col));
  }
  std::string text(int col) const;
  std::vector<unsigned char> blob(int col) const;

 private:
  Db* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> s_;
};

/// True for the codes that mean "another connection holds a lock; try again later".
inline bool is_busy(int primary) noexcept { return primary == SQLITE_BUSY || primary == SQLITE_LOCKED; }
/// True for the codes that mean "the disk refused the write" (full, I/O error, read-only).
inline bool is_disk(int primary) noexcept {
  return primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_READONLY ||
         primary == SQLITE_CANTOPEN;
}

}  // namespace netvigil::sql
