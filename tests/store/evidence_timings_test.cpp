// Per-run timings kept out of the deduplicated evidence: exact round trips, one evidence row
// for runs that differ only in timings, and schema-1 files read and migrated safely.
#include <catch2/catch.hpp>

#include "store/evidence_timings.hpp"
#include "store/measurement_store.hpp"
#include "store/schema.hpp"
#include "store/store_reader.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using namespace netvigil::testing;

namespace {

constexpr std::int64_t kT0 = 1'750'000'000'000;

nlohmann::json dns_evidence(std::int32_t a_us, std::int32_t aaaa_us) {
  return {{"host", "example.org"},
          {"queries",
           {{{"query_type", "A"}, {"duration_us", a_us}, {"answers", {"192.0.2.1"}}},
            {{"query_type", "AAAA"}, {"duration_us", aaaa_us}, {"answers", nlohmann::json::array()}}}},
          {"resolve", {{"duration_us", 7}, {"failure", nullptr}}}};
}

}  // namespace

TEST_CASE("split_timings and merge_timings round-trip every integer _us member", "[store]") {
  auto ev = dns_evidence(1234, 5'000'000);
  ev["connects"] = {{{"connect_us", -1}, {"address", "198.51.100.7"}}};
  ev["big_us"] = std::uint64_t{4'000'000'000};
  ev["name_us"] = "not a number: stays";
  const auto original = ev;
  const std::string blob = split_timings(ev);
  CHECK(!blob.empty());
  CHECK(ev["queries"][0]["duration_us"] == 0);
  CHECK(ev["connects"][0]["connect_us"] == 0);
  CHECK(ev["name_us"] == "not a number: stays");
  CHECK(ev != original);
  // What the store keeps is the placeholder text; the row's blob restores it.
  auto stored = nlohmann::json::parse(ev.dump());
  REQUIRE(merge_timings(stored, reinterpret_cast<const unsigned char*>(blob.data()), blob.size()));
  CHECK(stored == original);

  nlohmann::json none = {{"status", 200}, {"title", "x"}};
  CHECK(split_timings(none).empty());
  // A blob that does not fit the evidence is refused and changes nothing.
  auto other = nlohmann::json::parse(ev.dump());
  const unsigned char one[] = {0x02};
  CHECK_FALSE(merge_timings(other, one, sizeof one));
  CHECK(other == nlohmann::json::parse(ev.dump()));
  const unsigned char cut[] = {0x80};
  CHECK_FALSE(merge_timings(other, cut, sizeof cut));
}

TEST_CASE("runs differing only in timings share one evidence row and read back exactly", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  std::vector<nlohmann::json> sent;
  {
    MeasurementStore store({.path = path});
    for (int i = 0; i < 5; ++i) {
      auto m = make_measurement("dns-a", kT0 + i * 60'000, true, Group::isp, ProbeKind::dns);
      m.evidence = dns_evidence(100 + i, 200 + 7 * i);
      sent.push_back(m.evidence);
      store.enqueue(m);
    }
    auto other = make_measurement("dns-b", kT0 + 5, true, Group::isp, ProbeKind::dns);
    other.evidence = {{"status", 1}};
    store.enqueue(other);
    REQUIRE(store.flush());
  }
  CHECK(query_int(path, "SELECT count(*) FROM evidence") == 2);
  CHECK(query_int(path, "SELECT count(*) FROM measurements WHERE timings IS NOT NULL") == 5);
  StoreReader reader(path);
  std::vector<nlohmann::json> got;
  reader.measurements(kT0, kT0 + 3'600'000, [&](const StoredMeasurement& s) {
    if (s.m.probe_id == "dns-a") got.push_back(s.m.evidence);
  });
  CHECK(got == sent);
}

TEST_CASE("a schema-1 database is read as it is and migrated to the timings column", "[store]") {
  TempDir dir;
  const auto path = dir.file("old.db");
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec(schema_migrations()[0]);
    db.exec("PRAGMA user_version = 1");
    db.exec("INSERT INTO probes(id, slug, kind, grp) VALUES(1, 'old', 0, 1)");
    db.exec("INSERT INTO evidence(id, hash, last_used, json) "
            "VALUES(1, x'00', 0, '{\"queries\":[{\"duration_us\":321}]}')");
    db.exec("INSERT INTO measurements(id, ok, failure, op, method, status, bytes, evidence) "
            "VALUES(" + std::to_string(measurement_id(kT0, 1)) + ", 1, 0, 0, 0, 0, 0, 1)");
    db.exec("UPDATE probes SET last_id = " + std::to_string(measurement_id(kT0, 1)));
  }
  auto read_one = [&] {
    StoreReader reader(path);
    nlohmann::json ev;
    reader.measurements(kT0, kT0 + 1, [&](const StoredMeasurement& s) { ev = s.m.evidence; });
    CHECK(reader.last_per_probe().size() == 1);
    return ev;
  };
  CHECK(read_one()["queries"][0]["duration_us"] == 321);  // a read-only reader, no migration
  {
    MeasurementStore store({.path = path});
    auto m = make_measurement("old", kT0 + 60'000, true, Group::isp, ProbeKind::dns);
    m.evidence = {{"queries", {{{"duration_us", 99}}}}};
    store.enqueue(m);
    REQUIRE(store.flush());
  }
  CHECK(query_int(path, "PRAGMA user_version") == schema_version());
  CHECK(schema_version() == 2);
  CHECK(read_one()["queries"][0]["duration_us"] == 321);
  StoreReader reader(path);
  std::vector<std::int64_t> us;
  reader.measurements(kT0, kT0 + 120'000, [&](const StoredMeasurement& s) {
    us.push_back(s.m.evidence["queries"][0]["duration_us"].get<std::int64_t>());
  });
  CHECK(us == std::vector<std::int64_t>{321, 99});
  CHECK(integrity(path) == "ok");
}
