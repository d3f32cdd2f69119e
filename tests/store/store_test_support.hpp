// Shared fixtures for the store tests: a temporary directory and measurement builders.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "core/measurement.hpp"
#include "store/sqlite.hpp"

namespace netvigil::testing {

/// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nv-store-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline Measurement make_measurement(const std::string& probe, std::int64_t t_ms, bool ok,
                                    Group g = Group::international,
                                    ProbeKind kind = ProbeKind::http) {
  Measurement m;
  m.probe_id = probe;
  m.kind = kind;
  m.group = g;
  m.started_unix_ms = t_ms;
  m.ok = ok;
  m.phases = {1200, 20'000, 35'000, 80'000, 150'000};
  m.http_status = ok ? 200 : 0;
  if (!ok) {
    m.failure = {Failure::connection_reset, Operation::tls_handshake, {}};
    m.method = Method::tls;
  }
  return m;
}

/// Runs one integer query on a separate read-write connection (as an sqlite3 shell would).
inline std::int64_t query_int(const std::string& path, const std::string& q) {
  sql::Db db(path, SQLITE_OPEN_READWRITE);
  sqlite3_busy_timeout(db.get(), 5000);
  return db.scalar(q);
}

/// PRAGMA integrity_check's verdict on a separate connection ("ok" when sound).
inline std::string integrity(const std::string& path) {
  sql::Db db(path, SQLITE_OPEN_READONLY);
  sqlite3_busy_timeout(db.get(), 5000);
  sql::Stmt st(db, "PRAGMA integrity_check");
  std::string out = st.step() ? st.text(0) : "";
  st.reset();
  return out;
}

/// Polls `pred` every 20 ms for at most `limit`; returns whether it became true.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace netvigil::testing
