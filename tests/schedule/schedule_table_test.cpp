// Slot timing with a fake clock: no drift, jitter bounded, late slots skipped not burst.
#include "schedule/schedule_table.hpp"

#include <catch2/catch.hpp>
#include <set>

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

TEST_CASE("first runs of many jobs are spread, not simultaneous", "[schedule]") {
  FakeClock clock;
  ScheduleTable table(0ms);
  for (int i = 0; i < 100; ++i) table.add(60s, clock.steady_now());
  std::set<SteadyTime> firsts;
  for (std::size_t i = 0; i < table.size(); ++i) firsts.insert(table.job(i).next_due);
  CHECK(firsts.size() > 50);
}
