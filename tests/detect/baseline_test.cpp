// Sliding median, baseline (inpainting, warm-up, new normal, floors) and hysteresis.
#include <algorithm>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "detect/baseline.hpp"
#include "detect/hysteresis.hpp"
#include "detect/sliding_median.hpp"

using namespace netvigil;

TEST_CASE("sliding median equals a brute-force median over the window", "[detect]") {
  // Quantised values (success ratios: many ties) and continuous ones (throughput).
  const bool quantised = GENERATE(true, false);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> value(0, 20);
  std::uniform_real_distribution<double> real(0.0, 1e7);
  std::bernoulli_distribution skip(0.2);
  SlidingMedian m;
  std::vector<std::pair<std::int64_t, double>> all;
  const std::int64_t window = 50;
  for (std::int64_t step = 0; step < 2000; ++step) {
    m.evict_before(step - window + 1);
    if (!skip(rng)) {
      const double v = quantised ? value(rng) / 20.0 : real(rng);
      m.push(step, v);
      all.emplace_back(step, v);
    }
    std::vector<double> in;
    for (const auto& [s, v] : all)
      if (s > step - window) in.push_back(v);
    REQUIRE(m.size() == in.size());
    if (in.empty()) continue;
    std::sort(in.begin(), in.end());
    const std::size_t n = in.size();
    const double expected = n % 2 ? in[n / 2] : (in[n / 2 - 1] + in[n / 2]) / 2.0;
    REQUIRE(m.median() == Approx(expected));
  }
}

namespace {
BaselineParams ratio_params() {
  return BaselineParams{1000, 60, 0.8, 2.0, 0.3, 0.5};
}
}  // namespace

TEST_CASE("baseline: warm-up needs warmup_steps values and skips near-zero ones", "[detect]") {
  Baseline b(ratio_params());
  std::int64_t step = 0;
  for (int i = 0; i < 30; ++i, ++step) {
    b.advance_to(step);
    b.add(step, 0.0);  // a fresh install in a cut: nothing learnt
  }
  CHECK_FALSE(b.established());
  for (int i = 0; i < 59; ++i, ++step) {
    b.advance_to(step);
    b.add(step, 0.95);
  }
  CHECK_FALSE(b.established());
  b.advance_to(step);
  b.add(step, 0.95);
  CHECK(b.established());
  CHECK(b.value() == Approx(0.95));
}

TEST_CASE("baseline: an outage is inpainted and does not drag the median down", "[detect]") {
  Baseline b(ratio_params());
  std::int64_t step = 0;
  for (; step < 1000; ++step) {
    b.advance_to(step);
    b.add(step, 1.0);
  }
  for (; step < 1400; ++step) {  // 40 % of the window at zero
    b.advance_to(step);
    b.add(step, 0.0);
    REQUIRE(b.value() == Approx(1.0));
  }
  CHECK(b.new_normals() == 0);
}

TEST_CASE("baseline: a level shift inside the floors becomes normal after about a window",
          "[detect]") {
  Baseline b(ratio_params());
  std::int64_t step = 0;
  for (; step < 1000; ++step) {
    b.advance_to(step);
    b.add(step, 1.0);
  }
  const std::int64_t shift = step;
  std::int64_t accepted_at = -1;
  for (; step < shift + 2000 && accepted_at < 0; ++step) {
    b.advance_to(step);
    b.add(step, 0.7);
    if (b.new_normals() == 1) accepted_at = step;
  }
  // The raw median leaves the band after half a window, then must stay out half a window.
  CHECK(accepted_at == shift + 500 + 500);
  CHECK(b.value() == Approx(0.7));
}

TEST_CASE("baseline: a level below the floors is never accepted", "[detect]") {
  for (double level : {0.0, 0.2, 0.45}) {  // below 0.3 absolute; 0.45 below 0.5 × 1.0
    Baseline b(ratio_params());
    std::int64_t step = 0;
    for (; step < 1000; ++step) {
      b.advance_to(step);
      b.add(step, 1.0);
    }
    for (; step < 6000; ++step) {  // five windows at the low level
      b.advance_to(step);
      b.add(step, level);
    }
    CHECK(b.new_normals() == 0);
    CHECK(b.value() == Approx(1.0));
  }
}

TEST_CASE("hysteresis: enter after 2 worse steps dated to the first, leave after 3", "[detect]") {
  Hysteresis h(2, 3);
  const auto obs = [](std::int64_t s, int sev) { return Observation{s, sev, {}}; };
  CHECK_FALSE(h.observe(obs(0, 0)));
  CHECK_FALSE(h.observe(obs(1, 1)));
  CHECK_FALSE(h.observe(obs(2, 0)));  // a single bad step is forgotten
  CHECK_FALSE(h.observe(obs(3, 1)));
  auto t = h.observe(obs(4, 2));  // worse run of two: latest state, dated to the first
  REQUIRE(t);
  CHECK(t->from == 0);
  CHECK(t->to == 2);
  CHECK(t->run_start == 3);
  CHECK(t->run.size() == 2);
  CHECK_FALSE(h.observe(obs(5, 0)));
  CHECK_FALSE(h.observe(obs(6, 0)));
  CHECK_FALSE(h.observe(obs(7, 2)));  // relapse breaks the recovery run
  CHECK_FALSE(h.observe(obs(8, 0)));
  CHECK_FALSE(h.observe(obs(9, 0)));
  h.reset_runs();  // a gap
  CHECK_FALSE(h.observe(obs(11, 0)));
  CHECK_FALSE(h.observe(obs(12, 0)));
  t = h.observe(obs(13, 0));
  REQUIRE(t);
  CHECK(t->to == 0);
  CHECK(t->run_start == 11);
}
