// Retention: raw rows and their evidence go; rollups, events and event evidence stay.
#include <catch2/catch.hpp>

#include "store/measurement_store.hpp"
#include "store/schema.hpp"
#include "store/store_reader.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using namespace netvigil::testing;

namespace {

constexpr std::int64_t kT0 = 1'750'000'020'000;
constexpr std::int64_t kMinute = 60'000;

/// 3 probes × 100 minutes; each probe's evidence changes at minute 50. Returns the id of
/// probe p1's measurement at minute 10 (an event refers to it).
std::int64_t fill(MeasurementStore& store) {
  std::int64_t kept = 0;
  for (int i = 0; i < 100; ++i) {
    for (int p = 1; p <= 3; ++p) {
      auto m = make_measurement("p" + std::to_string(p), kT0 + i * kMinute, i % 10 != 3);
      m.evidence = {{"probe", p}, {"era", i < 50 ? "old" : "new"}};
      auto id = store.enqueue(m);
      if (p == 1 && i == 10) kept = id;
    }
    RollupStep step{(kT0 + i * kMinute) / 1000, 60, {}};
    Rollup r;
    r.step_start = step.step_start;
    r.scope = "international";
    r.attempts = 3;
    r.successes = 3;
    step.rollups.push_back(r);
    store.enqueue_rollups(step);
  }
  Event e;
  e.type = "intl_blackout";
  e.scope = "international";
  e.start = (kT0 + 10 * kMinute) / 1000;
  e.end = (kT0 + 12 * kMinute) / 1000;
  e.evidence = {kept};
  store.upsert_event(e);
  return kept;
}

void check_pruned(const std::string& path, std::int64_t kept) {
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 3 * 40 + 1);
  CHECK(query_int(path, "SELECT min(id >> 20) FROM measurements WHERE id != " + std::to_string(kept)) ==
        kT0 + 60 * kMinute);
  CHECK(query_int(path, "SELECT count(*) FROM measurements WHERE id = " + std::to_string(kept)) == 1);
  // 3 "new" evidence rows stay, plus p1's "old" one that the event's measurement uses.
  CHECK(query_int(path, "SELECT count(*) FROM evidence") == 4);
  CHECK(query_int(path, "SELECT count(*) FROM measurements m LEFT JOIN evidence e ON e.id = m.evidence "
                        "WHERE m.evidence IS NOT NULL AND e.id IS NULL") == 0);
  CHECK(query_int(path, "SELECT count(*) FROM rollup_steps") == 100);
  CHECK(query_int(path, "SELECT count(*) FROM events") == 1);
  StoreReader reader(path);
  CHECK(reader.verify_chain().ok);
  int found = 0;
  reader.measurements(kT0, kT0 + 11 * kMinute, [&](const StoredMeasurement& s) {
    ++found;
    CHECK(s.id == kept);
    CHECK(s.m.evidence["era"] == "old");
  });
  CHECK(found == 1);
  CHECK(integrity(path) == "ok");
}

}  // namespace

TEST_CASE("prune_before removes old raw rows and unreferenced evidence only", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path});
  auto kept = fill(store);
  REQUIRE(store.flush());
  REQUIRE(query_int(path, "SELECT count(*) FROM measurements") == 300);
  REQUIRE(query_int(path, "SELECT count(*) FROM evidence") == 6);
  store.prune_before(kT0 + 60 * kMinute);
  REQUIRE(store.flush());
  CHECK(store.health().pruned.load() == 3 * 60 - 1);
  check_pruned(path, kept);
}

TEST_CASE("a large prune proceeds in small transactions to the same result", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path, .prune_chunk = 7});
  auto kept = fill(store);
  REQUIRE(store.flush());
  auto batches = store.health().batches.load();
  store.prune_before(kT0 + 60 * kMinute);
  REQUIRE(store.flush());
  CHECK(store.health().batches.load() - batches >= (3 * 60 - 1) / 7);
  check_pruned(path, kept);
}

TEST_CASE("evidence is pruned in chunks too, to the same result", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  // A chunk of 1: the two unreferenced "old" evidence rows need two passes after the rows.
  MeasurementStore store({.path = path, .prune_chunk = 1});
  auto kept = fill(store);
  REQUIRE(store.flush());
  store.prune_before(kT0 + 60 * kMinute);
  REQUIRE(store.flush());
  check_pruned(path, kept);
}

TEST_CASE("retention runs by itself from the configured window and the wall clock", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  std::int64_t kept = 0;
  {
    MeasurementStore store({.path = path});
    kept = fill(store);
    REQUIRE(store.flush());
  }
  FakeClock clock(kT0 + 100 * kMinute);
  MeasurementStore store({.path = path,
                          .raw_retention = std::chrono::minutes(40),
                          .clock = &clock});
  REQUIRE(store.flush());
  CHECK(store.health().pruned.load() == 3 * 60 - 1);
  check_pruned(path, kept);
}
