// The rollup hash chain: stored as written, verified, tampering found, continued after restart.
#include <catch2/catch.hpp>

#include "store/measurement_store.hpp"
#include "store/rollup_chain.hpp"
#include "store/store_reader.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using namespace netvigil::testing;

namespace {

RollupStep make_step(std::int64_t start, std::uint32_t ok_intl) {
  RollupStep s{start, 60, {}};
  Rollup intl;
  intl.step_start = start;
  intl.scope = "international";
  intl.attempts = 10;
  intl.successes = ok_intl;
  intl.failures_by_method[static_cast<int>(Method::tcp_ip)] = 10 - ok_intl;
  intl.rtt_us = 42'000;
  Rollup tg;
  tg.step_start = start;
  tg.scope = "service:telegram";
  tg.attempts = 1;
  tg.successes = 1;
  Rollup tp;
  tp.step_start = start;
  tp.scope = "throughput:domestic";
  tp.attempts = 1;
  tp.successes = 1;
  tp.throughput_bps = 150'000;
  s.rollups = {tg, intl, tp};
  return s;
}

void write_steps(const std::string& path, std::int64_t first, int n) {
  MeasurementStore store({.path = path});
  for (int i = 0; i < n; ++i) store.enqueue_rollups(make_step(first + 60 * i, static_cast<std::uint32_t>(i % 11)));
  store.enqueue_rollups(RollupStep{first + 60 * n, 60, {}});  // empty: a gap, not stored
  REQUIRE(store.flush());
}

}  // namespace

TEST_CASE("failures_by_method packs to nothing when zero and round-trips", "[store]") {
  std::array<std::uint32_t, kMethodCount> zero{};
  CHECK(pack_failures(zero).empty());
  std::array<std::uint32_t, kMethodCount> f{0, 1, 300, 0, 70'000, 4'000'000'000u};
  auto packed = pack_failures(f);
  auto back = unpack_failures(reinterpret_cast<const unsigned char*>(packed.data()), packed.size());
  REQUIRE(back);
  CHECK(*back == f);
  CHECK(!unpack_failures(reinterpret_cast<const unsigned char*>(packed.data()), packed.size() - 1));
}

TEST_CASE("rollups are stored, read back in order, and the chain verifies", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  write_steps(path, 1'750'000'020, 30);
  StoreReader reader(path);
  std::vector<Rollup> got;
  reader.rollups(1'750'000'020 + 60, 1'750'000'020 + 60 * 3, [&](const Rollup& r) { got.push_back(r); });
  REQUIRE(got.size() == 6);
  CHECK(got[0].step_start == 1'750'000'080);
  CHECK(got[5].step_start == 1'750'000'140);
  int intl = 0;
  for (const auto& r : got) {
    if (r.scope == "international") {
      ++intl;
      CHECK(r.attempts == 10);
      CHECK(r.failures_by_method[static_cast<int>(Method::tcp_ip)] == 10 - r.successes);
      CHECK(r.rtt_us == 42'000);
      CHECK(r.throughput_bps == -1);
    }
    if (r.scope == "throughput:domestic") CHECK(r.throughput_bps == 150'000);
    if (r.scope == "service:telegram") CHECK(r.rtt_us == -1);
  }
  CHECK(intl == 2);
  auto v = reader.verify_chain();
  CHECK(v.ok);
  CHECK(v.steps == 30);
  CHECK(v.message.empty());
  auto head = reader.chain_head();
  REQUIRE(head);
  CHECK(head->hash == v.head);
  CHECK(head->step.step_start == 1'750'000'020 + 60 * 29);
}

TEST_CASE("the chain continues across a restart", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  write_steps(path, 1'750'000'020, 5);
  write_steps(path, 1'750'000'020 + 600, 5);
  StoreReader reader(path);
  auto v = reader.verify_chain();
  CHECK(v.ok);
  CHECK(v.steps == 10);
}

TEST_CASE("a rollup rewritten with sqlite directly breaks the chain at that step", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  write_steps(path, 1'750'000'020, 20);
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE);
    db.exec("UPDATE rollups SET successes = attempts, failures = NULL WHERE seq = 12 AND "
            "scope = (SELECT id FROM scopes WHERE name = 'international')");
    REQUIRE(db.changes() == 1);
  }
  StoreReader reader(path);
  auto v = reader.verify_chain();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 12);
  CHECK(v.first_bad_step_start == 1'750'000'020 + 60 * 11);
  CHECK(v.message.find("rollup step 12") != std::string::npos);
}

TEST_CASE("re-hashing a tampered step does not help: the next link breaks", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  write_steps(path, 1'750'000'020, 10);
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE);
    db.exec("UPDATE rollup_steps SET hash = zeroblob(32) WHERE seq = 4");
    db.exec("DELETE FROM rollups WHERE seq = 7 AND scope = (SELECT id FROM scopes WHERE name = 'service:telegram')");
  }
  StoreReader reader(path);
  auto v = reader.verify_chain();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 4);
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE);
    db.exec("DELETE FROM rollup_steps WHERE seq = 4");  // remove the link entirely
  }
  v = reader.verify_chain();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 5);
}

TEST_CASE("renaming a scope is detected", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  write_steps(path, 1'750'000'020, 3);
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE);
    db.exec("UPDATE scopes SET name = 'domestic' WHERE name = 'international'");
  }
  StoreReader reader(path);
  auto v = reader.verify_chain();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 1);
}
