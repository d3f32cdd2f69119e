// Migrations: from an empty file, re-open idempotent, a newer file refused.
#include <catch2/catch.hpp>

#include "store/measurement_store.hpp"
#include "store/schema.hpp"
#include "store/store_reader.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using netvigil::testing::TempDir;

TEST_CASE("migrations create the schema in a new directory, in WAL mode", "[store]") {
  TempDir dir;
  const std::string path = dir.file("a/b/netvigil.db");  // parents do not exist yet
  {
    MeasurementStore store({.path = path});
    store.stop();
  }
  sql::Db db(path, SQLITE_OPEN_READWRITE);
  CHECK(db.scalar("PRAGMA user_version") == schema_version());
  sql::Stmt mode(db, "PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.text(0) == "wal");
  mode.reset();
  for (const char* t : {"meta", "probes", "evidence", "measurements", "scopes", "rollup_steps",
                        "rollups", "events", "clock"}) {
    INFO(t);
    CHECK(db.scalar(std::string("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='") +
                    t + "'") == 1);
  }
  CHECK(netvigil::testing::integrity(path) == "ok");
}

TEST_CASE("re-opening a migrated database applies nothing and keeps the data", "[store]") {
  TempDir dir;
  const std::string path = dir.file("nv.db");
  {
    MeasurementStore store({.path = path});
    store.enqueue(netvigil::testing::make_measurement("p1", 1'750'000'000'000, true));
    REQUIRE(store.flush());
  }
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE);
    CHECK(apply_migrations(db) == 0);
    CHECK(db.scalar("PRAGMA user_version") == schema_version());
  }
  {
    MeasurementStore store({.path = path});  // a second open must not fail or duplicate
    store.enqueue(netvigil::testing::make_measurement("p1", 1'750'000'060'000, true));
    store.enqueue(netvigil::testing::make_measurement("p2", 1'750'000'060'000, true));
    REQUIRE(store.flush());
  }
  StoreReader reader(path);
  auto last = reader.last_per_probe();
  REQUIRE(last.size() == 2);
  CHECK(last[0].slug == "p1");
  CHECK(last[0].t_unix_ms == 1'750'000'060'000);
  CHECK(netvigil::testing::query_int(path, "SELECT count(*) FROM measurements") == 3);
  CHECK(netvigil::testing::query_int(path, "SELECT count(*) FROM probes") == 2);
}

TEST_CASE("a database from a newer netvigil is refused, not downgraded", "[store]") {
  TempDir dir;
  const std::string path = dir.file("nv.db");
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA user_version = 99");
  }
  CHECK_THROWS_AS(MeasurementStore({.path = path}), sql::Error);
  sql::Db db(path, SQLITE_OPEN_READWRITE);
  CHECK(db.scalar("PRAGMA user_version") == 99);
}

TEST_CASE("the reader refuses a file that is not a netvigil database", "[store]") {
  TempDir dir;
  const std::string path = dir.file("empty.db");
  { sql::Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE); db.exec("CREATE TABLE x(a)"); }
  CHECK_THROWS_AS(StoreReader(path), sql::Error);
  CHECK_THROWS_AS(StoreReader(dir.file("missing.db")), sql::Error);
}
