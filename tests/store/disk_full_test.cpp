// A full disk: rows wait in a bounded buffer, are written when space returns, nothing stored
// is damaged.
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "store/measurement_store.hpp"
#include "store/schema.hpp"
#include "store/store_reader.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using namespace netvigil::testing;
using std::chrono::milliseconds;

namespace {

constexpr std::int64_t kT0 = 1'750'000'020'000;

Measurement row(int i) {
  auto m = make_measurement("p" + std::to_string(i % 50), kT0 + i * 1000, i % 5 != 0);
  // Evidence unique per row so the database grows quickly.
  m.evidence = {{"i", i}, {"pad", std::string(300, static_cast<char>('a' + i % 26))}};
  return m;
}

}  // namespace

TEST_CASE("disk full (max_page_count): rows are buffered, newest kept, written when space returns", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  MeasurementStore store({.path = path,
                          .retry_interval = milliseconds(100),
                          .buffer_rows = 3000});
  for (int i = 0; i < 200; ++i) store.enqueue(row(i));
  REQUIRE(store.flush());
  const auto pages = query_int(path, "PRAGMA page_count");
  store.set_max_page_count(pages + 2);  // almost no room left
  for (int i = 200; i < 5200; ++i) store.enqueue(row(i));
  CHECK_FALSE(store.flush());
  const auto& h = store.health();
  CHECK(h.disk_error.load());
  CHECK(h.write_errors.load() >= 1);
  CHECK((h.last_error_code.load() & 0xff) == SQLITE_FULL);
  CHECK(h.buffered.load() == 3000);
  CHECK(h.dropped.load() == 2000);  // 5000 waiting, 3000 kept: the oldest 2000 go
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 200);
  CHECK(integrity(path) == "ok");

  // More results keep arriving while the disk is full; still nothing is written.
  store.enqueue(row(5200));
  std::this_thread::sleep_for(milliseconds(300));
  CHECK(query_int(path, "SELECT count(*) FROM measurements") == 200);

  store.set_max_page_count(0);  // space returns; the periodic retry writes the buffer
  CHECK(eventually([&] { return query_int(path, "SELECT count(*) FROM measurements") == 200 + 3000; },
                   std::chrono::seconds(10)));
  CHECK(eventually([&] { return !h.disk_error.load() && h.buffered.load() == 0; }));
  CHECK(h.dropped.load() == 2001);
  // The newest survived: rows 2201..5200 (row 5200 bumped the oldest buffered one out).
  CHECK(query_int(path, "SELECT count(*) FROM measurements WHERE (id >> 20) >= " +
                            std::to_string(kT0 + 2201 * 1000)) == 3000);
  CHECK(integrity(path) == "ok");
  StoreReader reader(path);
  int n = 0;
  reader.measurements(kT0, kT0 + 200 * 1000, [&](const StoredMeasurement& s) {
    CHECK(s.m.evidence["i"] == n);
    ++n;
  });
  CHECK(n == 200);
}

TEST_CASE("disk full on a real tmpfs: buffered, written when the filesystem grows, no damage", "[store]") {
  if (geteuid() != 0) {
    FAIL("this test mounts a tmpfs and must run as root (CI runs the suite as root)");
  }
  TempDir dir;
  const std::string mnt = (dir.path() / "state").string();
  std::filesystem::create_directories(mnt);
  REQUIRE(mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") == 0);
  struct Unmount {
    std::string p;
    ~Unmount() { umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const std::string path = mnt + "/netvigil.db";
  {
    MeasurementStore store({.path = path, .retry_interval = milliseconds(100), .buffer_rows = 20000});
    int next = 0;
    bool full = false;
    for (int chunk = 0; chunk < 50 && !full; ++chunk) {
      for (int i = 0; i < 200; ++i) store.enqueue(row(next++));
      full = !store.flush();
    }
    REQUIRE(full);
    const auto& h = store.health();
    CHECK(h.disk_error.load());
    CHECK(h.buffered.load() > 0);
    const auto stored_when_full = query_int(path, "SELECT count(*) FROM measurements");
    CHECK(stored_when_full < next);
    CHECK(integrity(path) == "ok");
    WARN("tmpfs full after " << next << " rows enqueued, " << stored_when_full << " stored, "
                             << h.buffered.load() << " buffered, last error code "
                             << h.last_error_code.load());
    for (int i = 0; i < 100; ++i) store.enqueue(row(next++));  // probing goes on

    REQUIRE(mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=64m") == 0);
    CHECK(eventually([&] { return h.buffered.load() == 0 && !h.disk_error.load(); },
                     std::chrono::seconds(10)));
    CHECK(h.dropped.load() == 0);
    store.stop();
    CHECK(query_int(path, "SELECT count(*) FROM measurements") == next);
  }
  CHECK(integrity(path) == "ok");
}
