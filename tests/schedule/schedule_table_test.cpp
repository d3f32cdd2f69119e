// Slot timing with a fake clock: no drift, jitter bounded, late slots skipped not burst.
#include "schedule/schedule_table.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <vector>

using namespace netvigil;
using namespace std::chrono_literals;

TEST_CASE("slots stay on the fixed-rate grid and never drift", "[schedule]") {
  FakeClock clock;
  ScheduleTable table(0ms);
  const auto origin = clock.steady_now();
  table.add(60s, origin);
  std::uint64_t skipped = 0;
  std::vector<SteadyTime> runs;
  // Step the fake clock in 250 ms ticks for 10 simulated minutes (bounded: 2,400 ticks).
  for (int tick = 0; tick < 2400; ++tick) {
    clock.advance(250ms);
    if (!table.take_due(clock.steady_now(), skipped).empty()) runs.push_back(clock.steady_now());
  }
  REQUIRE(runs.size() == 11);  // t = 0.25 s, then every 60 s up to 600 s
  // Every run lands within one 250 ms tick of its slot k × 60 s, however many came before.
  for (std::size_t i = 0; i < runs.size(); ++i)
    CHECK((runs[i] - origin) - static_cast<long>(i) * 60s <= 250ms);
  CHECK(skipped == 0);
}

TEST_CASE("jitter keeps each run inside its slot", "[schedule]") {
  FakeClock clock;
  ScheduleTable table(5s, 42);
  const auto origin = clock.steady_now();
  table.add(60s, origin);
  std::uint64_t skipped = 0;
  int runs = 0;
  for (int tick = 0; tick < 60 * 30; ++tick) {  // 30 simulated minutes, 1 s ticks
    clock.advance(1s);
    for (auto i : table.take_due(clock.steady_now(), skipped)) {
      (void)i;
      const auto since = clock.steady_now() - origin;
      const auto into_slot = since % 60s;
      CHECK(into_slot <= 5s);  // offset 0 for the first job + jitter < 5 s (+1 s tick)
      ++runs;
    }
  }
  CHECK(runs == 30);
}

TEST_CASE("a loop late by more than an interval skips slots instead of bursting", "[schedule]") {
  FakeClock clock;
  ScheduleTable table(0ms);
  table.add(10s, clock.steady_now());
  std::uint64_t skipped = 0;
  clock.advance(1ms);
  REQUIRE(table.take_due(clock.steady_now(), skipped).size() == 1);
  clock.advance(35s);  // the process was stopped: slots at 10, 20 and 30 s passed
  REQUIRE(table.take_due(clock.steady_now(), skipped).size() == 1);  // one run, not three
  CHECK(skipped == 2);
  CHECK(table.next_wakeup() == SteadyTime{} + 1h + 40s);
  CHECK(table.take_due(clock.steady_now(), skipped).empty());
}

TEST_CASE("a wall-clock step does not move the schedule", "[schedule][clock]") {
  FakeClock clock;
  ScheduleTable table(0ms);
  table.add(60s, clock.steady_now());
  std::uint64_t skipped = 0;
  clock.advance(1ms);
  REQUIRE(table.take_due(clock.steady_now(), skipped).size() == 1);
  clock.step_wall(-1h);
  clock.advance(30s);
  CHECK(table.take_due(clock.steady_now(), skipped).empty());
  clock.step_wall(2h);
  clock.advance(30s);
  CHECK(table.take_due(clock.steady_now(), skipped).size() == 1);
  CHECK(skipped == 0);
}

TEST_CASE("first runs of many jobs are spread over the whole interval", "[schedule]") {
  FakeClock clock;
  ScheduleTable table(0ms);
  const auto origin = clock.steady_now();
  constexpr int n = 10'000;
  for (int i = 0; i < n; ++i) table.add(60s, origin);
  std::set<SteadyTime> firsts;
  std::vector<int> per_second(60, 0);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto off = table.job(i).next_due - origin;
    REQUIRE(off >= 0ms);
    REQUIRE(off < 60s);
    firsts.insert(table.job(i).next_due);
    ++per_second[static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(off).count())];
  }
  CHECK(firsts.size() > 9'000);
  // Demand is N / interval per second in every second of the interval (±10 %), not bunched
  // at its start: 10,000 jobs at 60 s ask for ~167 runs each second.
  const auto [lo, hi] = std::minmax_element(per_second.begin(), per_second.end());
  CAPTURE(*lo, *hi);
  CHECK(*lo >= n / 60 * 9 / 10);
  CHECK(*hi <= n / 60 * 11 / 10);
}

TEST_CASE("a few jobs are spread too, and each job's offset depends on its index only", "[schedule]") {
  for (std::chrono::milliseconds interval : {1ms, 2ms, 50ms, 5000ms, 60000ms, 900000ms}) {
    std::set<std::chrono::milliseconds> offs;
    for (std::size_t i = 0; i < 8; ++i) {
      const auto off = ScheduleTable::first_offset(i, interval);
      CHECK(off >= 0ms);
      CHECK(off < interval);
      offs.insert(off);
    }
    if (interval >= 50ms) {
      CHECK(offs.size() == 8);
      // Eight jobs cover the interval: the widest gap between neighbours (wrapping round)
      // is well under half of it.
      std::vector<std::chrono::milliseconds> v(offs.begin(), offs.end());
      auto widest = interval - v.back() + v.front();
      for (std::size_t k = 1; k < v.size(); ++k) widest = std::max(widest, v[k] - v[k - 1]);
      CAPTURE(interval.count(), widest.count());
      CHECK(widest * 4 < interval);
    }
  }
  CHECK(ScheduleTable::first_offset(0, 60s) == 0ms);
  // Deterministic: the same index gives the same offset in any table, whatever came after.
  FakeClock clock;
  ScheduleTable a(0ms, 1), b(0ms, 99);
  for (int i = 0; i < 5; ++i) a.add(60s, clock.steady_now());
  for (int i = 0; i < 500; ++i) b.add(60s, clock.steady_now());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.job(i).offset == b.job(i).offset);
}
