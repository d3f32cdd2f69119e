// Network states on synthetic histories: exact entry and exit steps, warm-up, long cuts.
#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "synthetic.hpp"

using namespace netvigil;
using namespace netvigil::test;

namespace {
constexpr std::int64_t kDay = 24 * 60;  // steps
const Levels kOk{};
Levels intl_cut() { Levels l; l.intl = 0; return l; }
Levels full_cut() { Levels l; l.intl = 0; l.domestic = 0; l.isp = 0; return l; }
}  // namespace

TEST_CASE("warm-up: warming_up for exactly warmup steps of data, then normal", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 120, [](std::int64_t) { return kOk; });
  for (int i = 0; i < 60; ++i) REQUIRE(r[static_cast<std::size_t>(i)].state == DetectorState::warming_up);
  for (int i = 60; i < 120; ++i) REQUIRE(r[static_cast<std::size_t>(i)].state == DetectorState::normal);
  CHECK(collect(r).empty());
  CHECK(r.back().intl_index == Approx(100));
  CHECK(r.back().scopes.size() == 4);
  CHECK(r.back().scopes[3].scope == "international");
  CHECK(r.back().scopes[3].baseline == Approx(1.0));
}

TEST_CASE("warm-up counts steps with data only: a gap does not finish it", "[detect]") {
  Detector d(default_params());
  run(d, 0, 30, [](std::int64_t) { return kOk; });
  auto gap = d.step(at_step(30), {});
  CHECK(gap.state == DetectorState::no_data);
  auto r = run(d, 1000, 31, [](std::int64_t) { return kOk; });  // 1000 steps later
  CHECK(r[29].state == DetectorState::warming_up);
  CHECK(r[30].state == DetectorState::normal);
}

TEST_CASE("intl_blackout entered and left at the exact steps", "[detect]") {
  Detector d(default_params());
  // 2 h normal, international cut at step 200 (the switch step itself half failed), back at 300.
  auto r = run(d, 0, 400, [](std::int64_t i) {
    if (i == 200) { Levels l; l.intl = 0.5; return l; }
    return (i > 200 && i < 300) ? intl_cut() : kOk;
  });
  CHECK(r[200].state == DetectorState::normal);
  CHECK(r[201].state == DetectorState::intl_blackout);  // flagged 1 step after the switch
  CHECK(r[299].state == DetectorState::intl_blackout);
  CHECK(r[300].state == DetectorState::intl_blackout);
  CHECK(r[301].state == DetectorState::intl_blackout);
  CHECK(r[302].state == DetectorState::normal);  // recovery declared at the third good step
  REQUIRE(r[201].opened.size() == 1);
  REQUIRE(r[302].closed.size() == 1);
  const auto events = collect(r);
  REQUIRE(events.size() == 1);
  const Event& e = events.begin()->second;
  CHECK(e.type == "intl_blackout");
  CHECK(e.scope == "international");
  CHECK(e.start == at_step(200));  // the first failing step, not the detection time
  CHECK(e.detected_at == at_step(202));
  CHECK(e.start_uncertainty_s == 60);
  REQUIRE(e.end);
  CHECK(*e.end == at_step(300));
  CHECK(e.min_index == Approx(0));
  CHECK(e.mean_index == Approx(50.0 / 100.0));  // (50 + 99 × 0) / 100 steps
  CHECK(e.intl_index == Approx(0));
  CHECK(e.domestic_index == Approx(100));
  CHECK(e.shutdown_type == "Shutdown");
  CHECK(e.extent == "Full network");
  CHECK(e.method_version == "nv-detect-1");
  CHECK(e.evidence.empty());
}

TEST_CASE("full_blackout and degraded entered and left at the exact steps", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 600, [](std::int64_t i) {
    if (i >= 100 && i < 150) return full_cut();
    if (i >= 300 && i < 400) { Levels l; l.intl = 0.7; return l; }  // index 70: degraded
    return kOk;
  });
  CHECK(r[100].state == DetectorState::normal);
  CHECK(r[101].state == DetectorState::full_blackout);
  CHECK(r[151].state == DetectorState::full_blackout);
  CHECK(r[152].state == DetectorState::normal);
  CHECK(r[300].state == DetectorState::normal);
  CHECK(r[301].state == DetectorState::degraded);
  CHECK(r[402].state == DetectorState::normal);
  const auto events = collect(r);
  REQUIRE(events.size() == 2);
  const Event& full = events.at({"full_blackout", "network", at_step(100)});
  CHECK(*full.end == at_step(150));
  CHECK(full.shutdown_type == "Shutdown");
  const Event& deg = events.at({"degraded", "network", at_step(300)});
  CHECK(*deg.end == at_step(400));
  CHECK(deg.min_index == Approx(70));
  CHECK(deg.shutdown_type.empty());
}

TEST_CASE("intl cut deepening into a full blackout closes one window and opens the next",
          "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 300, [](std::int64_t i) {
    if (i >= 100 && i < 150) return intl_cut();
    if (i >= 150 && i < 200) return full_cut();
    return kOk;
  });
  const auto events = collect(r);
  REQUIRE(events.size() == 2);
  CHECK(*events.at({"intl_blackout", "international", at_step(100)}).end == at_step(150));
  CHECK(*events.at({"full_blackout", "network", at_step(150)}).end == at_step(200));
  CHECK(r[151].state == DetectorState::full_blackout);
}

TEST_CASE("a 2-day outage does not drag the baseline down", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 10 * kDay, [](std::int64_t i) {
    return (i >= 7 * kDay && i < 9 * kDay) ? intl_cut() : kOk;
  });
  const auto& during = r[static_cast<std::size_t>(9 * kDay - 1)];
  CHECK(during.state == DetectorState::intl_blackout);
  CHECK(during.scopes[3].baseline == Approx(1.0));
  CHECK(during.intl_index == Approx(0));
  const auto& after = r[static_cast<std::size_t>(9 * kDay + 10)];
  CHECK(after.state == DetectorState::normal);
  CHECK(after.scopes[3].baseline == Approx(1.0));
  CHECK(after.intl_index == Approx(100));
  CHECK(collect(r).size() == 1);
}

TEST_CASE("a 7-day level shift to 70 % is degraded, then accepted as the new normal",
          "[detect]") {
  Detector d(default_params());
  const std::int64_t shift = 8 * kDay;
  auto r = run(d, 0, 17 * kDay, [&](std::int64_t i) {
    Levels l;
    if (i >= shift) l.intl = 0.7;
    return l;
  });
  const auto state_at = [&](std::int64_t i) { return r[static_cast<std::size_t>(i)].state; };
  CHECK(state_at(shift + 1) == DetectorState::degraded);
  // New-normal rule: the raw median is out of band from shift + W/2 and, held W/2 more, is
  // accepted when step shift + W is learnt: step shift + W + 1 is the first judged normal.
  CHECK(state_at(shift + 7 * kDay) == DetectorState::degraded);
  CHECK(r[static_cast<std::size_t>(shift + 7 * kDay)].intl_index == Approx(70));
  CHECK(r[static_cast<std::size_t>(shift + 7 * kDay + 1)].intl_index == Approx(100));
  CHECK(state_at(shift + 7 * kDay + 2) == DetectorState::degraded);
  CHECK(state_at(shift + 7 * kDay + 3) == DetectorState::normal);
  const auto events = collect(r);
  REQUIRE(events.size() == 1);
  const Event& e = events.begin()->second;
  CHECK(e.type == "degraded");
  CHECK(e.start == at_step(shift));
  CHECK(*e.end == at_step(shift + 7 * kDay + 1));
}

TEST_CASE("a level shift to blackout level (40 %) is never accepted", "[detect]") {
  Detector d(default_params());
  const std::int64_t shift = 8 * kDay;
  auto r = run(d, 0, 23 * kDay, [&](std::int64_t i) {
    Levels l;
    if (i >= shift) l.intl = 0.4;
    return l;
  });
  CHECK(r.back().state == DetectorState::intl_blackout);
  CHECK(r.back().intl_index == Approx(40));
  CHECK(collect(r).size() == 1);
}

TEST_CASE("a 14-day international cut is still intl_blackout on day 14", "[detect]") {
  Detector d(default_params());
  const std::int64_t cut = 7 * kDay;
  auto r = run(d, 0, 21 * kDay, [&](std::int64_t i) { return i >= cut ? intl_cut() : kOk; });
  const auto& last = r.back();
  CHECK(last.state == DetectorState::intl_blackout);
  CHECK(last.intl_index == Approx(0));
  CHECK(last.domestic_index == Approx(100));
  CHECK(last.scopes[3].baseline == Approx(1.0));
  const auto events = collect(r);
  REQUIRE(events.size() == 1);
  CHECK(events.begin()->second.start == at_step(cut));
  CHECK_FALSE(events.begin()->second.end);
  CHECK(d.open_events().size() == 1);
}

TEST_CASE("a fresh detector in the middle of a cut flags it from the absolute rules",
          "[detect]") {
  SECTION("international cut") {
    Detector d(default_params());
    auto r = run(d, 0, 10, [](std::int64_t) { return intl_cut(); });
    CHECK(r[0].state == DetectorState::warming_up);
    CHECK(r[1].state == DetectorState::intl_blackout);
    REQUIRE(r[1].opened.size() == 1);
    CHECK(r[1].opened[0].start == at_step(0));
    CHECK(r[1].opened[0].type == "intl_blackout");
  }
  SECTION("full blackout, own link up") {
    Detector d(default_params());
    auto r = run(d, 0, 10, [](std::int64_t) { return full_cut(); });
    CHECK(r[1].state == DetectorState::full_blackout);
    REQUIRE(r[1].opened.size() == 1);
    CHECK(r[1].opened[0].start == at_step(0));
  }
  SECTION("the cut never becomes the baseline: warm-up waits for real data") {
    Detector d(default_params());
    auto r = run(d, 0, 300, [](std::int64_t i) { return i < 200 ? intl_cut() : kOk; });
    CHECK(r[199].state == DetectorState::intl_blackout);
    CHECK(r[202].state == DetectorState::warming_up);  // recovered, baseline still learning
    CHECK(r[299].state == DetectorState::normal);
  }
}

TEST_CASE("own link down is a local_outage gap, never a blackout", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 400, [](std::int64_t i) {
    Levels l;
    if (i >= 100 && i < 200) l.local = l.isp = l.domestic = l.intl = 0;  // link down
    if (i >= 250 && i < 350) {                                            // gateway dead
      l.local = 0.5;
      l.isp = l.domestic = l.intl = 0;
    }
    if (i >= 350 && i < 352) l.domestic = l.intl = 0;  // stale failures after the link returns
    return l;
  });
  CHECK(r[101].state == DetectorState::local_outage);
  CHECK(r[202].state == DetectorState::normal);
  CHECK(r[251].state == DetectorState::local_outage);
  CHECK(r[352].state == DetectorState::normal);
  const auto events = collect(r);
  CHECK(count_type(events, "local_outage") == 2);
  CHECK(count_type(events, "intl_blackout") == 0);
  CHECK(count_type(events, "full_blackout") == 0);
  CHECK(count_type(events, "degraded") == 0);
  for (const auto& [k, e] : events) CHECK(e.shutdown_type.empty());
  CHECK(*events.at({"local_outage", "local", at_step(100)}).end == at_step(200));
  CHECK(r[150].scopes[3].baseline == Approx(1.0));  // nothing learnt through a dead link
}

TEST_CASE("5 % random loss for 30+ steps never produces a blackout", "[detect]") {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937_64 rng(seed);
    Detector d(default_params());
    std::vector<StepResult> r;
    // From a fresh install (warm-up, absolute rules only) through 24 hours.
    for (std::int64_t i = 0; i < 24 * 60; ++i)
      r.push_back(d.step(at_step(i), lossy_rollups_at(at_step(i), 0.05, rng)));
    const auto events = collect(r);
    CHECK(count_type(events, "intl_blackout") == 0);
    CHECK(count_type(events, "full_blackout") == 0);
    CHECK(count_type(events, "local_outage") == 0);
    CHECK(r.back().state == DetectorState::normal);
  }
}

TEST_CASE("parameters come from config.detector and the vantage labels", "[detect]") {
  Config config;
  config.detector.step = std::chrono::seconds(5);  // the lab's scaled-down step
  config.detector.baseline_window = std::chrono::hours(1);
  config.detector.warmup = std::chrono::seconds(60);
  config.vantage.network_type = "mobile";
  const auto p = detector_params_from(config);
  CHECK(p.step_s == 5);
  CHECK(p.baseline_window_steps == 720);
  CHECK(p.warmup_steps == 12);
  CHECK(p.network_type == "mobile");
  CHECK(p.method_version == "nv-detect-1");
  const auto defaults = detector_params_from(Config{});
  CHECK(defaults.step_s == 60);
  CHECK(defaults.baseline_window_steps == 7 * 24 * 60);
  CHECK(defaults.warmup_steps == 60);
}
