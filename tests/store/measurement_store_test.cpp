// MeasurementStore round trips: phases, failures, evidence dedupe, events, clock, locks.
#include <catch2/catch.hpp>

#include "store/measurement_store.hpp"
#include "store/schema.hpp"
#include "store/store_reader.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using namespace netvigil::testing;

namespace {
constexpr std::int64_t kT0 = 1'750'000'000'000;
}

TEST_CASE("measurements round-trip with phases, failure, operation, method and evidence", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path});
  auto ok = make_measurement("web-a", kT0, true);
  ok.evidence = {{"status", 200}, {"title", "Example"}};
  ok.bytes = 1234;
  auto bad = make_measurement("web-b", kT0 + 5, false, Group::domestic, ProbeKind::tls);
  bad.phases = {900, 15'000, -1, -1, 16'000};
  bad.evidence = {{"sni", "example.org"}};
  auto unknown = make_measurement("dns-c", kT0 + 9, false, Group::isp, ProbeKind::dns);
  unknown.failure = unknown_failure(Operation::resolve, "weird thing from 203.0.113.7");
  unknown.method = Method::dns;
  unknown.phases = {-1, -1, -1, -1, 3000};

  const auto id_ok = store.enqueue(ok);
  const auto id_bad = store.enqueue(bad);
  const auto id_unknown = store.enqueue(unknown);
  CHECK(id_ok < id_bad);
  CHECK(id_bad < id_unknown);
  CHECK(measurement_time_ms(id_bad) == kT0 + 5);
  REQUIRE(store.flush());
  CHECK(store.health().committed.load() == 3);
  CHECK(store.health().last_success_unix_ms.load() > 0);

  StoreReader reader(path);
  std::vector<StoredMeasurement> got;
  reader.measurements(kT0, kT0 + 1000, [&](const StoredMeasurement& s) { got.push_back(s); });
  REQUIRE(got.size() == 3);
  CHECK(got[0].id == id_ok);
  CHECK(got[0].m.probe_id == "web-a");
  CHECK(got[0].m.ok);
  CHECK(got[0].m.phases.connect_us == 20'000);
  CHECK(got[0].m.phases.total_us == 150'000);
  CHECK(got[0].m.http_status == 200);
  CHECK(got[0].m.bytes == 1234);
  CHECK(got[0].m.evidence == ok.evidence);
  CHECK(got[1].m.kind == ProbeKind::tls);
  CHECK(got[1].m.group == Group::domestic);
  CHECK(got[1].m.failure.code == Failure::connection_reset);
  CHECK(got[1].m.failure.op == Operation::tls_handshake);
  CHECK(got[1].m.method == Method::tls);
  CHECK(got[1].m.phases.tls_us == -1);
  CHECK(got[1].m.phases.resolve_us == 900);
  CHECK(got[2].m.failure.code == Failure::unknown_failure);
  CHECK(got[2].m.failure.detail == unknown.failure.detail);
  CHECK(got[2].m.failure.detail.find("203.0.113.7") == std::string::npos);
  CHECK(got[2].m.evidence.is_null());

  auto last = reader.last_per_probe();
  REQUIRE(last.size() == 3);
  CHECK(last[0].slug == "dns-c");
  CHECK(last[0].failure == unknown.failure.ooni_string());
  CHECK(last[0].failure.rfind("unknown_failure: ", 0) == 0);
  CHECK(last[0].op == Operation::resolve);
  CHECK(last[1].slug == "web-a");
  CHECK(last[1].failure.empty());
  CHECK(last[1].total_us == 150'000);
  CHECK(last[2].failure == "connection_reset");
  CHECK(last[2].method == Method::tls);
}

TEST_CASE("identical evidence is stored once and referenced by every row", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path});
  nlohmann::json answers = {{"answers", {"192.0.2.1", "192.0.2.2"}}, {"rcode", "NOERROR"}};
  for (int i = 0; i < 50; ++i) {
    auto m = make_measurement("dns-a", kT0 + i * 60'000, true, Group::international, ProbeKind::dns);
    m.evidence = answers;
    store.enqueue(m);
    auto n = make_measurement("dns-b", kT0 + i * 60'000, true, Group::international, ProbeKind::dns);
    n.evidence = answers;  // same evidence from another probe dedupes too
    store.enqueue(n);
    if (i == 25) REQUIRE(store.flush());  // across batches as well
  }
  auto changed = make_measurement("dns-a", kT0 + 60 * 60'000, false, Group::international, ProbeKind::dns);
  changed.evidence = {{"answers", {"198.51.100.35"}}, {"rcode", "NOERROR"}};
  store.enqueue(changed);
  REQUIRE(store.flush());
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 101);
  CHECK(query_int(path, "SELECT count(*) FROM evidence") == 2);
  CHECK(query_int(path, "SELECT count(*) FROM measurements WHERE evidence IS NULL") == 0);
  StoreReader reader(path);
  int with_answers = 0;
  reader.measurements(kT0, kT0 + 4'000'000, [&](const StoredMeasurement& s) {
    if (s.m.evidence == answers) ++with_answers;
  });
  CHECK(with_answers == 100);
}

TEST_CASE("rows commit within the batch interval without an explicit flush", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path, .commit_interval = std::chrono::milliseconds(200)});
  store.enqueue(make_measurement("p", kT0, true));
  CHECK(eventually([&] { return query_int(path, "SELECT count(*) FROM measurements") == 1; },
                   std::chrono::seconds(5)));
  CHECK(store.health().batches.load() >= 1);
}

TEST_CASE("two runs of one probe in the same millisecond are both kept", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path});
  auto a = store.enqueue(make_measurement("p", kT0, true));
  auto b = store.enqueue(make_measurement("p", kT0, false));
  CHECK(a != b);
  REQUIRE(store.flush());
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 2);
  // After a restart the same key arrives again: the writer moves it 1 ms later.
  store.stop();
  MeasurementStore again({.path = path});
  again.enqueue(make_measurement("p", kT0, true));
  REQUIRE(again.flush());
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 3);
  CHECK(query_int(path, "SELECT max(id >> 20) - min(id >> 20) FROM measurements") == 2);
}

TEST_CASE("events are upserted by (type, scope, start), listed, and replaced for a rebuild", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path});
  Event e;
  e.type = "intl_blackout";
  e.scope = "international";
  e.start = 1'750'000'000;
  e.detected_at = 1'750'000'120;
  e.start_uncertainty_s = 60;
  e.min_index = 3.5;
  e.mean_index = 7.25;
  e.intl_index = 3.5;
  e.domestic_index = 98;
  e.evidence = {measurement_id(kT0, 1), measurement_id(kT0 + 60'000, 2)};
  e.method_version = "nv-detect-1";
  e.shutdown_type = "Shutdown";
  e.extent = "Full network";
  e.network_type = "broadband";
  e.services_affected = {"telegram", "whatsapp"};
  store.upsert_event(e);
  Event s;
  s.type = "service_interference";
  s.scope = "service:telegram";
  s.service = "telegram";
  s.method = Method::dns;
  s.start = 1'749'000'000;
  s.end = 1'749'003'600;
  store.upsert_event(s);
  REQUIRE(store.flush());
  StoreReader reader(path);
  auto all = reader.events();
  REQUIRE(all.size() == 2);
  CHECK(all[0].type == "service_interference");
  CHECK(all[0].method == Method::dns);
  CHECK(all[0].end == std::optional<std::int64_t>(1'749'003'600));
  CHECK(all[1].evidence == e.evidence);
  CHECK(all[1].services_affected == e.services_affected);
  CHECK(all[1].mean_index == 7.25);
  CHECK(!all[1].end);
  CHECK(reader.events_active().size() == 1);
  CHECK(reader.events_since(1'749'500'000).size() == 1);

  e.end = 1'750'007'200;  // the window closes: same key, updated row
  e.mean_index = 5;
  store.upsert_event(e);
  REQUIRE(store.flush());
  all = reader.events();
  REQUIRE(all.size() == 2);
  CHECK(all[1].end == std::optional<std::int64_t>(1'750'007'200));
  CHECK(reader.events_active().empty());

  store.replace_all_events({s});
  REQUIRE(store.flush());
  all = reader.events();
  REQUIRE(all.size() == 1);
  CHECK(all[0].type == "service_interference");
}

TEST_CASE("clock trust is read from the kernel and stored per sweep", "[store]") {
  auto c = read_clock_trust();
  CHECK(c.t_unix_ms > 1'600'000'000'000);
  CHECK(c.max_error_us >= -1);
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path});
  store.enqueue_clock(c);
  store.enqueue_clock(ClockTrust{kT0, false, 16'000'000, 16'000'000});
  REQUIRE(store.flush());
  StoreReader reader(path);
  std::vector<ClockTrust> rows;
  reader.clock_trust(0, INT64_MAX, [&](const ClockTrust& t) { rows.push_back(t); });
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].t_unix_ms == kT0);
  CHECK(!rows[0].synced);
  CHECK(rows[0].max_error_us == 16'000'000);
  CHECK(rows[1].synced == c.synced);
  CHECK(rows[1].max_error_us == c.max_error_us);
}

TEST_CASE("a reader holding a read transaction does not delay or lose writes", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path});
  store.enqueue(make_measurement("p", kT0, true));
  REQUIRE(store.flush());
  sql::Db reader(path, SQLITE_OPEN_READONLY);
  reader.exec("BEGIN");
  CHECK(reader.scalar("SELECT count(*) FROM measurements") == 1);  // snapshot taken
  for (int i = 1; i <= 500; ++i) store.enqueue(make_measurement("p", kT0 + i * 1000, true));
  CHECK(store.flush(std::chrono::seconds(5)));  // WAL: the writer is not blocked by the reader
  CHECK(reader.scalar("SELECT count(*) FROM measurements") == 1);  // its snapshot is stable
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  reader.exec("COMMIT");
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 501);
}

TEST_CASE("an exclusive lock held for 2 s delays writes but loses none", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path, .busy_timeout = std::chrono::milliseconds(200)});
  store.enqueue(make_measurement("p", kT0, true));
  REQUIRE(store.flush());
  std::atomic<bool> locked{false};
  std::thread holder([&] {
    sql::Db db(path, SQLITE_OPEN_READWRITE);
    db.exec("BEGIN EXCLUSIVE");
    locked = true;
    std::this_thread::sleep_for(std::chrono::seconds(2));
    db.exec("COMMIT");
  });
  REQUIRE(eventually([&] { return locked.load(); }));
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= 1000; ++i) store.enqueue(make_measurement("p", kT0 + i * 1000, i % 7 != 0));
  auto enqueue_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  WARN("1000 enqueues while the database was locked took " << enqueue_ms << " ms");
  bool flushed = store.flush(std::chrono::seconds(15));
  holder.join();
  CHECK(flushed);
  CHECK(store.health().busy_retries.load() > 0);
  CHECK(store.health().dropped.load() == 0);
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 1001);
  CHECK(integrity(path) == "ok");
}

TEST_CASE("stop flushes what is queued, enqueue after stop is refused and counted", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path, .commit_interval = std::chrono::seconds(30)});
  for (int i = 0; i < 10; ++i) store.enqueue(make_measurement("p", kT0 + i, true));
  store.stop();
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 10);
  CHECK(store.enqueue(make_measurement("p", kT0 + 100, true)) == 0);
  CHECK(store.health().dropped.load() == 1);
  store.stop();  // idempotent
}

TEST_CASE("meta keeps the creation time and keys set by the daemon", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  FakeClock clock(kT0);
  {
    MeasurementStore store({.path = path, .clock = &clock});
    store.set_meta("chain_head_signature", "abc");
    REQUIRE(store.flush());
  }
  clock.advance(std::chrono::hours(1));
  MeasurementStore again({.path = path, .clock = &clock});  // creation time is not rewritten
  again.set_meta("chain_head_signature", "def");
  REQUIRE(again.flush());
  StoreReader reader(path);
  CHECK(reader.meta("created_unix_ms") == std::optional<std::string>(std::to_string(kT0)));
  CHECK(reader.meta("chain_head_signature") == std::optional<std::string>("def"));
  CHECK(!reader.meta("missing"));
}
