// Fuzz target: `netvigil verify --chain` over a hostile or damaged database: arbitrary rows in
// scopes, rollup_steps and rollups (wrong types, dangling scopes, bad hash and failures blobs,
// extreme values) read back by StoreReader and checked link by link.
//
// When the input's first byte has bit 0 set, the rows are written as the daemon would write
// them (valid failures blobs, hashes computed with chain_hash over the rows as the reader will
// read them), and verification must then succeed; bit 1 then corrupts one stored hash byte,
// and verification must fail at exactly that step.
#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "store/rollup_chain.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/store_reader.hpp"

using namespace netvigil;
using namespace netvigil::fuzz;

namespace {

/// Reads fixed-size fields from the input; past the end everything reads as zero.
class Input {
 public:
  Input(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  std::uint64_t take(int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | (at_ < n_ ? d_[at_++] : 0u);
    return v;
  }
  std::string bytes(std::size_t len) {
    len = std::min(len, n_ - at_);
    std::string s(reinterpret_cast<const char*>(d_ + at_), len);
    at_ += len;
    return s;
  }
  bool done() const { return at_ >= n_; }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t at_ = 0;
};

struct Db {
  std::string path = scratch_dir() + "/chain.db";
  sql::Db db{path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE};
  Db() {
    db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;");
    apply_migrations(db);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Db store;
  Input in(data, size);
  const auto flags = in.take(1);
  const bool daemon_like = (flags & 1u) != 0;
  const bool corrupt = daemon_like && (flags & 2u) != 0;

  sql::Db& db = store.db;
  db.exec("BEGIN; DELETE FROM rollups; DELETE FROM rollup_steps; DELETE FROM scopes;");
  sql::Stmt scope_ins(db, "INSERT OR IGNORE INTO scopes(id, name) VALUES(?1, ?2)");
  sql::Stmt step_ins(db,
                     "INSERT OR IGNORE INTO rollup_steps(seq, step_start, step_s, hash) "
                     "VALUES(?1, ?2, ?3, ?4)");
  sql::Stmt roll_ins(db,
                     "INSERT OR IGNORE INTO rollups(seq, scope, attempts, successes, failures, "
                     "throughput_bps, rtt_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");

  // Scopes: ids 1..n, names of any bytes (unique in a daemon's database).
  std::map<std::int64_t, std::string> scopes;
  const auto n_scopes = in.take(1) % 8;
  for (std::uint64_t i = 1; i <= n_scopes; ++i) {
    std::string name = in.bytes(in.take(1) % 48);
    if (daemon_like) {
      bool taken = false;
      for (const auto& [id, other] : scopes) taken = taken || other == name;
      if (taken) continue;
    }
    scope_ins.bind(1, static_cast<std::int64_t>(i)).bind(2, name).run();
    scopes[static_cast<std::int64_t>(i)] = name;
  }

  std::vector<ChainStep> written;
  Sha256 prev{};
  std::int64_t seq = 0;
  const auto n_steps = in.take(1) % 16;
  for (std::uint64_t s = 0; s < n_steps && !in.done(); ++s) {
    const auto kind = in.take(1);
    seq += 1 + static_cast<std::int64_t>(kind >> 4);
    ChainStep c;
    c.seq = seq;
    c.step.step_start = static_cast<std::int64_t>(in.take(8));
    c.step.step_s = static_cast<std::int32_t>(static_cast<std::uint32_t>(in.take(4)));
    const std::string hash_bytes = in.bytes(in.take(1) % 40);

    std::map<std::int64_t, Rollup> rows;  // by scope id: the order the reader reads them in
    const auto n_rows = in.take(1) % 8;
    for (std::uint64_t r = 0; r < n_rows; ++r) {
      std::int64_t scope = static_cast<std::int64_t>(in.take(1) % 10);  // 0, 8, 9: dangling
      Rollup roll;
      roll.step_start = c.step.step_start;
      roll.attempts = static_cast<std::uint32_t>(in.take(4));
      roll.successes = static_cast<std::uint32_t>(in.take(4));
      const auto opt = in.take(1);
      std::string blob;
      if (daemon_like) {
        for (auto& f : roll.failures_by_method) f = static_cast<std::uint32_t>(in.take(opt & 1u ? 4 : 1));
        blob = pack_failures(roll.failures_by_method);
      } else {
        blob = in.bytes(in.take(1) % 40);
      }
      roll.throughput_bps = (opt & 2u) != 0 ? static_cast<std::int64_t>(in.take(8)) : -1;
      roll.rtt_us = (opt & 4u) != 0 ? static_cast<std::int32_t>(static_cast<std::uint32_t>(in.take(4))) : -1;
      if (daemon_like && (scopes.count(scope) == 0 || rows.count(scope) != 0)) continue;
      roll_ins.bind(1, seq).bind(2, scope).bind(3, static_cast<std::int64_t>(roll.attempts));
      roll_ins.bind(4, static_cast<std::int64_t>(roll.successes));
      if (blob.empty()) roll_ins.bind_null(5);
      else roll_ins.bind_blob(5, blob.data(), blob.size());
      // As StoreWriter::apply_step: NULL stands for exactly -1 ("none"), any other value as is.
      if (roll.throughput_bps == -1) roll_ins.bind_null(6);
      else roll_ins.bind(6, roll.throughput_bps);
      if (roll.rtt_us == -1) roll_ins.bind_null(7);
      else roll_ins.bind(7, static_cast<std::int64_t>(roll.rtt_us));
      roll_ins.run();
      roll.scope = scopes.count(scope) != 0 ? scopes[scope] : std::string();
      rows.emplace(scope, std::move(roll));
    }
    for (auto& [id, roll] : rows) c.step.rollups.push_back(roll);

    step_ins.bind(1, seq).bind(2, c.step.step_start).bind(3, static_cast<std::int64_t>(c.step.step_s));
    if (daemon_like) {
      c.hash = chain_hash(prev, c.step);
      prev = c.hash;
      step_ins.bind_blob(4, c.hash.data(), c.hash.size());
    } else if ((kind & 1u) != 0) {
      step_ins.bind(4, std::string_view(hash_bytes));  // a hash stored as TEXT
    } else if ((kind & 2u) != 0) {
      step_ins.bind(4, static_cast<std::int64_t>(kind));  // or as an INTEGER
    } else {
      step_ins.bind_blob(4, hash_bytes.data(), hash_bytes.size());
    }
    step_ins.run();
    written.push_back(std::move(c));
  }

  std::int64_t bad_seq = 0;
  if (corrupt && !written.empty()) {
    const auto which = in.take(1) % written.size();
    const auto byte = in.take(1) % 32;
    bad_seq = written[which].seq;
    sql::Stmt flip(db, "UPDATE rollup_steps SET hash = ?2 WHERE seq = ?1");
    Sha256 h = written[which].hash;
    h[byte] ^= 0x01;
    flip.bind(1, bad_seq).bind_blob(2, h.data(), h.size()).run();
  }
  db.exec("COMMIT;");

  StoreReader reader(store.path);
  ChainVerification v = reader.verify_chain();
  NV_FUZZ_CHECK(v.steps >= 0 && v.steps <= static_cast<std::int64_t>(written.size()));
  if (!v.ok) NV_FUZZ_CHECK(!v.message.empty() && v.first_bad_seq != 0);
  if (daemon_like) {
    if (bad_seq == 0) {
      NV_FUZZ_CHECK(v.ok);
      NV_FUZZ_CHECK(v.steps == static_cast<std::int64_t>(written.size()));
      NV_FUZZ_CHECK(v.head == (written.empty() ? Sha256{} : written.back().hash));
    } else {
      NV_FUZZ_CHECK(!v.ok && v.first_bad_seq == bad_seq);
    }
  }
  if (auto head = reader.chain_head()) NV_FUZZ_CHECK(!written.empty() && head->seq == written.back().seq);
  std::size_t n = 0;
  reader.rollups(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                 [&](const Rollup&) { ++n; });
  return 0;
}
