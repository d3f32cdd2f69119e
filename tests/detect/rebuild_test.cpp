// Determinism: the same rollups give the same events live (step by step) and rebuilt.
#include <catch2/catch.hpp>

#include "synthetic.hpp"

using namespace netvigil;
using namespace netvigil::test;

namespace {

// Two days mixing everything: warm-up, 5 % loss, an international cut, a full blackout, an own
// link outage, the daemon off for 3 hours (no rollups at all), a blocked messenger, throttling.
std::vector<std::vector<Rollup>> mixed_history(std::int64_t steps) {
  std::mt19937_64 rng(7);
  std::vector<std::vector<Rollup>> out;
  for (std::int64_t i = 0; i < steps; ++i) {
    const std::int64_t t = at_step(i);
    if (i >= 1500 && i < 1680) {  // daemon off
      out.emplace_back();
      continue;
    }
    Levels l;
    l.services["telegram"] = (i >= 900 && i < 1200) ? 0.0 : 1.0;
    l.service_method = Method::tls;
    if (i % 5 == 0) {  // throughput every 5 steps
      const bool throttled = i >= 2000 && i < 2300;
      l.intl_bps = throttled ? 150'000 : 9'000'000;
      l.intl_rtt_us = 60'000;
      l.dom_bps = 30'000'000;
    }
    if (i >= 300 && i < 420) l.intl = 0;
    if (i >= 600 && i < 640) l.intl = l.domestic = 0;
    if (i >= 700 && i < 760) l.local = l.isp = l.domestic = l.intl = 0;
    auto rollups = rollups_at(t, l);
    if (i >= 1700 && i < 1900) {  // a flaky evening: replace the groups with lossy draws
      auto lossy = lossy_rollups_at(t, 0.05, rng);
      std::copy(lossy.begin(), lossy.end(), rollups.begin());
    }
    out.push_back(std::move(rollups));
  }
  return out;
}

void check_same(const Event& a, const Event& b) {
  CHECK(a.type == b.type);
  CHECK(a.scope == b.scope);
  CHECK(a.service == b.service);
  CHECK(a.method == b.method);
  CHECK(a.start == b.start);
  CHECK(a.end == b.end);
  CHECK(a.detected_at == b.detected_at);
  CHECK(a.start_uncertainty_s == b.start_uncertainty_s);
  CHECK(a.min_index == b.min_index);  // bit-identical, not approximately
  CHECK(a.mean_index == b.mean_index);
  CHECK(a.intl_index == b.intl_index);
  CHECK(a.domestic_index == b.domestic_index);
  CHECK(a.method_version == b.method_version);
  CHECK(a.shutdown_type == b.shutdown_type);
  CHECK(a.extent == b.extent);
  CHECK(a.network_type == b.network_type);
  CHECK(a.services_affected == b.services_affected);
}

}  // namespace

TEST_CASE("live step-by-step and rebuild give the same events", "[detect]") {
  auto params = default_params();
  params.network_type = "broadband";
  const auto history = mixed_history(2 * 24 * 60);

  Detector live(params);
  std::vector<StepResult> results;
  for (std::size_t i = 0; i < history.size(); ++i)
    results.push_back(live.step(at_step(static_cast<std::int64_t>(i)), history[i]));
  const auto live_events = collect(results);

  std::size_t step = 0, item = 0;
  const RollupSource source = [&](Rollup& out) {
    while (step < history.size() && item >= history[step].size()) {  // gap steps: no rows
      ++step;
      item = 0;
    }
    if (step >= history.size()) return false;
    out = history[step][item++];
    return true;
  };
  const auto rebuilt = rebuild(params, source);

  // The history must contain what it claims, or the comparison proves little.
  CHECK(count_type(live_events, "intl_blackout") == 1);
  CHECK(count_type(live_events, "full_blackout") == 1);
  CHECK(count_type(live_events, "local_outage") == 1);
  CHECK(count_type(live_events, "service_interference") == 1);
  CHECK(count_type(live_events, "throttling") == 1);
  CHECK(results[1600].state == DetectorState::no_data);

  REQUIRE(rebuilt.size() == live_events.size());
  for (const auto& e : rebuilt) {
    INFO(e.type << " " << e.scope << " " << e.start);
    auto it = live_events.find(event_key(e));
    REQUIRE(it != live_events.end());
    check_same(it->second, e);
    CHECK(e.network_type == "broadband");
  }
  for (std::size_t i = 1; i < rebuilt.size(); ++i) CHECK(rebuilt[i - 1].start <= rebuilt[i].start);
}

TEST_CASE("rebuild of nothing is nothing; out-of-order steps are ignored", "[detect]") {
  CHECK(rebuild(default_params(), [](Rollup&) { return false; }).empty());
  Detector d(default_params());
  d.step(at_step(10), rollups_at(at_step(10), Levels{}));
  auto r = d.step(at_step(5), rollups_at(at_step(5), Levels{}));
  CHECK(r.state == DetectorState::no_data);
  CHECK(r.scopes.empty());
}
