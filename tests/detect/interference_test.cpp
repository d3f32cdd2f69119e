// Service interference (with its method) and throttling on synthetic histories.
#include <catch2/catch.hpp>

#include "synthetic.hpp"

using namespace netvigil;
using namespace netvigil::test;

namespace {
Levels with_service(double level, Method m = Method::dns) {
  Levels l;
  l.services["telegram"] = level;
  l.services["bale"] = 1.0;  // a domestic messenger, unaffected
  l.service_method = m;
  return l;
}
}  // namespace

TEST_CASE("a blocked messenger is service interference with its method, no blackout",
          "[detect]") {
  for (Method m : {Method::dns, Method::tcp_ip, Method::tls, Method::http_blockpage,
                   Method::http_failure}) {
    Detector d(default_params());
    auto r = run(d, 0, 300, [m](std::int64_t i) {
      return with_service(i >= 100 && i < 200 ? 0.0 : 1.0, m);
    });
    CHECK(r[101].services.size() == 2);
    CHECK(r[100].services[1].service == "telegram");
    CHECK_FALSE(r[100].services[1].blocked);
    CHECK(r[101].services[1].blocked);
    CHECK(r[101].services[1].method == m);
    CHECK(r[201].services[1].blocked);
    CHECK_FALSE(r[202].services[1].blocked);
    CHECK_FALSE(r[150].services[0].blocked);
    CHECK(r[150].state == DetectorState::normal);
    const auto events = collect(r);
    REQUIRE(events.size() == 1);
    const Event& e = events.begin()->second;
    CHECK(e.type == "service_interference");
    CHECK(e.scope == "service:telegram");
    CHECK(e.service == "telegram");
    CHECK(e.method == m);
    CHECK(e.start == at_step(100));
    CHECK(*e.end == at_step(200));
    CHECK(e.shutdown_type == "Shutdown");
    CHECK(e.extent == "Service-based");
    CHECK(e.services_affected == std::vector<std::string>{"telegram"});
    CHECK(e.min_index == Approx(0));
    CHECK(e.intl_index == Approx(100));
  }
}

TEST_CASE("the dominant failure method names the window", "[detect]") {
  Detector d(default_params());
  std::vector<StepResult> r;
  for (std::int64_t i = 0; i < 200; ++i) {
    auto rollups = rollups_at(at_step(i), Levels{});
    Rollup s = group_rollup(at_step(i), "service:whatsapp", 3, 3);
    if (i >= 100) {  // mostly TLS resets, one DNS failure each step
      s.successes = 0;
      s.failures_by_method = {};
      s.failures_by_method[static_cast<std::size_t>(Method::tls)] = 2;
      s.failures_by_method[static_cast<std::size_t>(Method::dns)] = 1;
    }
    rollups.push_back(s);
    r.push_back(d.step(at_step(i), rollups));
  }
  REQUIRE(r[101].opened.size() == 1);
  CHECK(r[101].opened[0].method == Method::tls);
  CHECK(d.open_events().at(0).method == Method::tls);
}

TEST_CASE("services failing during a blackout are not service interference", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 400, [](std::int64_t i) {
    Levels l = with_service(1.0);
    if (i >= 100 && i < 200) {
      l.intl = 0;
      l.services["telegram"] = 0;
    }
    if (i == 200) l.services["telegram"] = 0;  // the verdict of the switch step lags
    return l;
  });
  const auto events = collect(r);
  CHECK(count_type(events, "intl_blackout") == 1);
  CHECK(count_type(events, "service_interference") == 0);
}

TEST_CASE("a service blocked before a blackout stays one window across it", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 400, [](std::int64_t i) {
    Levels l = with_service(i >= 100 && i < 300 ? 0.0 : 1.0);
    if (i >= 150 && i < 200) l.intl = 0;
    return l;
  });
  const auto events = collect(r);
  CHECK(count_type(events, "intl_blackout") == 1);
  REQUIRE(count_type(events, "service_interference") == 1);
  CHECK(*events.at({"service_interference", "service:telegram", at_step(100)}).end ==
        at_step(300));
}

namespace {
Levels throughput(std::int64_t bps, std::int32_t rtt_us, std::int64_t dom_bps = 20'000'000) {
  Levels l;
  l.intl_bps = bps;
  l.intl_rtt_us = rtt_us;
  l.dom_bps = dom_bps;
  return l;
}
}  // namespace

TEST_CASE("throughput collapse with a flat RTT is throttling", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 400, [](std::int64_t i) {
    if (i >= 200 && i < 300) return throughput(140'000, 52'000);  // ~Russia/Twitter 2021
    return throughput(8'000'000, 50'000);
  });
  CHECK_FALSE(r[200].throttle.throttled);
  CHECK(r[201].throttle.throttled);
  CHECK(r[201].throttle.throughput_baseline_bps == Approx(8'000'000));
  CHECK(r[201].state == DetectorState::normal);
  CHECK_FALSE(r[302].throttle.throttled);
  const auto events = collect(r);
  REQUIRE(events.size() == 1);
  const Event& e = events.begin()->second;
  CHECK(e.type == "throttling");
  CHECK(e.scope == "throughput:international");
  CHECK(e.shutdown_type == "Throttle");
  CHECK(e.start == at_step(200));
  CHECK(*e.end == at_step(300));
  CHECK(e.min_index == Approx(100.0 * 140'000 / 8'000'000));
}

TEST_CASE("slow downloads with a 10x RTT are congestion, not throttling", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 400, [](std::int64_t i) {
    if (i >= 200 && i < 300) return throughput(140'000, 500'000);
    return throughput(8'000'000, 50'000);
  });
  CHECK(collect(r).empty());
}

TEST_CASE("during warm-up the domestic download is the throttling reference", "[detect]") {
  Detector d(default_params());
  auto r = run(d, 0, 40, [](std::int64_t i) {
    if (i >= 10) return throughput(120'000, 50'000, 20'000'000);
    return throughput(6'000'000, 50'000, 20'000'000);
  });
  CHECK(r[11].state == DetectorState::warming_up);
  CHECK(r[11].throttle.throttled);
  CHECK(count_type(collect(r), "throttling") == 1);

  Detector slow_domestic(default_params());  // international not far below domestic: no call
  auto r2 = run(slow_domestic, 0, 40, [](std::int64_t) { return throughput(150'000, 50'000, 300'000); });
  CHECK(collect(r2).empty());
}
