// Benchmark (not a test): fills a database with DAYS days of per-minute rollups for 200
// probes (4 groups + 7 services, with a 61-hour international cut and a service block), so
// `tests/bench/export-formats` can time every export format against a real record.
// Usage: export_db_bench DB_PATH [DAYS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/measurement_store.hpp"

using namespace netvigil;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: export_db_bench DB_PATH [DAYS]\n");
    return 64;
  }
  const int days = argc > 2 ? std::atoi(argv[2]) : 90;
  StoreOptions so;
  so.path = argv[1];
  MeasurementStore store(so);
  const std::int64_t steps = static_cast<std::int64_t>(days) * 1440;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count() / 60 * 60;
  const std::int64_t start = now - steps * 60;
  const std::int64_t cut_from = start + steps * 60 / 2, cut_to = cut_from + 61 * 3600;
  const char* services[] = {"telegram", "whatsapp", "signal", "facebook-messenger", "bale", "eitaa", "rubika"};
  const auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < steps; ++i) {
    RollupStep step;
    step.step_start = start + i * 60;
    step.step_s = 60;
    const bool cut = step.step_start >= cut_from && step.step_start < cut_to;
    // 200 probes per minute: 120 international, 60 domestic, 15 isp, 5 local; services extra.
    const struct { const char* g; std::uint32_t n; } groups[] = {{"international", 120}, {"domestic", 60}, {"isp", 15}, {"local", 5}};
    for (const auto& g : groups) {
      Rollup r;
      r.step_start = step.step_start;
      r.scope = g.g;
      r.attempts = g.n;
      const bool intl = std::string(g.g) == "international";
      r.successes = intl && cut ? 3 : g.n - static_cast<std::uint32_t>(i % 7 == 0);
      r.failures_by_method[static_cast<int>(Method::tcp_ip)] = r.attempts - r.successes;
      step.rollups.push_back(r);
    }
    for (const char* s : services) {
      Rollup r;
      r.step_start = step.step_start;
      r.scope = std::string("service:") + s;
      r.attempts = 1;
      const bool blocked = cut && s[0] != 'b' && s[0] != 'e' && s[0] != 'r';
      r.successes = blocked ? 0 : 1;
      if (blocked) r.failures_by_method[static_cast<int>(Method::tcp_ip)] = 1;
      step.rollups.push_back(r);
    }
    store.enqueue_rollups(std::move(step));
    if (i % 20000 == 0 && !store.flush(std::chrono::seconds(120))) return 1;
  }
  const bool ok = store.flush(std::chrono::seconds(600));
  store.stop();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("filled %lld steps (%d days) in %.1f s: %s\n", static_cast<long long>(steps), days, s,
              ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
