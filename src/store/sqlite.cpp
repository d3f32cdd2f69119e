// RAII wrappers over the SQLite C API.
#include "store/sqlite.hpp"

namespace netvigil::sql {

Db::Db(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw Error(rc, "open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(raw, 1);
}

void Db::fail(int rc, std::string_view context) const {
  throw Error(rc, std::string(context) + ": " + sqlite3_errmsg(db_.get()));
}

void Db::exec(std::string_view sql) {
  std::string s(sql);
  int rc = sqlite3_exec(db_.get(), s.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(sqlite3_extended_errcode(db_.get()), s.substr(0, 60));
}

std::int64_t Db::scalar(std::string_view sql) {
  Stmt st(*this, sql);
  std::int64_t v = st.step() ? st.i64(0) : 0;
  st.reset();
  return v;
}

Stmt::Stmt(Db& db, std::string_view sql) : db_(&db) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  s_.reset(raw);
  if (rc != SQLITE_OK) db.fail(rc, "prepare " + std::string(sql.substr(0, 60)));
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(s_.get(), i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(s_.get(), i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text64(s_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::bind_blob(int i, const void* data, std::size_t n) {
  sqlite3_bind_blob64(s_.get(), i, data, n, SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(s_.get(), i);
  return *this;
}
Stmt& Stmt::bind_opt(int i, std::optional<std::int64_t> v) {
  return v ? bind(i, *v) : bind_null(i);
}

bool Stmt::step() {
  int rc = sqlite3_step(s_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  int ext = sqlite3_extended_errcode(db_->get());
  reset();
  db_->fail(ext, "step " + std::string(sqlite3_sql(s_.get())).substr(0, 60));
}

void Stmt::run() {
  while (step()) {
  }
  reset();
}

void Stmt::reset() noexcept {
  sqlite3_reset(s_.get());
  sqlite3_clear_bindings(s_.get());
}

std::string Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_.get(), col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_.get(), col))) : std::string();
}

std::vector<unsigned char> Stmt::blob(int col) const {
  auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s_.get(), col));
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(s_.get(), col));
  return p ? std::vector<unsigned char>(p, p + n) : std::vector<unsigned char>();
}

}  // namespace netvigil::sql
