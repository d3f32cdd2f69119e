// Benchmark (not a test): a synthetic year of per-minute history for 200 probes, aggregated to
// rollups and replayed through the detector; prints time taken, events and peak RSS.
//
// Build: link nv_detect only, e.g.
//   add_executable(detector_bench detector_bench.cpp)
//   target_link_libraries(detector_bench PRIVATE nv_detect netvigil_warnings)
// Run: detector_bench [days=365] [seed=1]
#include <sys/resource.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "detect/detector.hpp"

using namespace netvigil;

namespace {

struct ProbeSet {
  std::string scope;
  int probes;
  Method method;  // method of its failures
};

// 200 probes: 8 local, 12 isp, 60 domestic, 100 international, 20 service endpoints in four
// services (one verdict per service per minute from five endpoints), 2 throughput downloads
// every 5 minutes (not counted in the 200).
const std::vector<ProbeSet> kSets{
    {"local", 8, Method::tcp_ip},          {"isp", 12, Method::dns},
    {"domestic", 60, Method::tcp_ip},      {"international", 100, Method::tcp_ip},
    {"service:telegram", 5, Method::dns},  {"service:whatsapp", 5, Method::tls},
    {"service:signal", 5, Method::tcp_ip}, {"service:bale", 5, Method::tcp_ip}};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// CPU time of this process: on a shared machine wall time measures the neighbours too.
double cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const long days = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 365;
  const unsigned long seed = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1;
  const std::int64_t steps = days * 24 * 60;
  const std::int64_t t0 = 1'735'689'600;  // 2025-01-01T00:00:00Z
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution loss(0.02);  // 2 % background loss on every probe

  Detector detector(DetectorParams{});
  std::map<std::string, int> events_by_type;
  std::int64_t rollups = 0, attempts = 0;
  double generate_s = 0, detect_s = 0, detect_cpu_s = 0;
  std::vector<Rollup> batch;

  for (std::int64_t i = 0; i < steps; ++i) {
    const double g0 = now_s();
    const std::int64_t t = t0 + i * 60;
    const std::int64_t minute_of_month = i % (30 * 24 * 60);
    const std::int64_t minute_of_week = i % (7 * 24 * 60);
    // Injected history: a 3-hour international cut each month, a 1-hour own-link outage each
    // week, Telegram blocked for the second half of every month, throttling 6 hours a month.
    const bool intl_cut = minute_of_month >= 10 * 1440 && minute_of_month < 10 * 1440 + 180;
    const bool link_down = minute_of_week >= 3 * 1440 && minute_of_week < 3 * 1440 + 60;
    const bool tg_blocked = minute_of_month >= 15 * 1440;
    const bool throttled = minute_of_month >= 20 * 1440 && minute_of_month < 20 * 1440 + 360;

    batch.clear();
    for (const auto& set : kSets) {
      const bool service = set.scope.rfind("service:", 0) == 0;
      const bool intl_side = set.scope == "international" ||
                             (service && set.scope != "service:bale");
      std::uint32_t ok = 0;
      for (int p = 0; p < set.probes; ++p) {
        bool success = !loss(rng);
        if (link_down) success = false;
        if (intl_cut && intl_side) success = false;
        if (tg_blocked && set.scope == "service:telegram") success = false;
        ok += success ? 1u : 0u;
      }
      Rollup r;
      r.step_start = t;
      r.scope = set.scope;
      if (service) {  // one verdict per minute: any endpoint succeeding (any_success)
        r.attempts = 1;
        r.successes = ok > 0 ? 1u : 0u;
      } else {
        r.attempts = static_cast<std::uint32_t>(set.probes);
        r.successes = ok;
      }
      r.failures_by_method[static_cast<std::size_t>(set.method)] = r.attempts - r.successes;
      attempts += set.probes;
      batch.push_back(std::move(r));
    }
    if (i % 5 == 0 && !link_down && !intl_cut) {
      std::normal_distribution<double> jitter(1.0, 0.1);
      Rollup intl;
      intl.step_start = t;
      intl.scope = "throughput:international";
      intl.attempts = intl.successes = 1;
      intl.throughput_bps = static_cast<std::int64_t>((throttled ? 140e3 : 8e6) * jitter(rng));
      intl.rtt_us = static_cast<std::int32_t>(60'000 * jitter(rng));
      Rollup dom = intl;
      dom.scope = "throughput:domestic";
      dom.throughput_bps = static_cast<std::int64_t>(25e6 * jitter(rng));
      dom.rtt_us = 8'000;
      batch.push_back(intl);
      batch.push_back(dom);
    }
    rollups += static_cast<std::int64_t>(batch.size());
    const double g1 = now_s();
    const double c1 = cpu_s();
    const StepResult r = detector.step(t, batch);
    detect_cpu_s += cpu_s() - c1;
    detect_s += now_s() - g1;
    generate_s += g1 - g0;
    for (const auto& e : r.opened) ++events_by_type[e.type];
  }

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("detector_bench: %ld days, %lld steps (1 min), 200 probes, %lld probe results, "
              "%lld rollups\n",
              days, static_cast<long long>(steps), static_cast<long long>(attempts),
              static_cast<long long>(rollups));
  std::printf("  generate + aggregate to rollups: %.2f s\n", generate_s);
  std::printf("  detector (all steps):            %.2f s CPU (%.2f us/step), %.2f s wall\n",
              detect_cpu_s, 1e6 * detect_cpu_s / static_cast<double>(steps), detect_s);
  std::printf("  peak RSS:                        %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  std::printf("  events opened:");
  for (const auto& [type, n] : events_by_type) std::printf(" %s=%d", type.c_str(), n);
  std::printf("\n");
  return 0;
}
