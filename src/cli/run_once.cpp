// netvigil run --once: the scheduler's one-shot sweep, printed.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/measurement_output.hpp"
#include "cli/run_once.hpp"
#include "daemon/probe_generation.hpp"
#include "loop/event_loop.hpp"
#include "net/curl_engine.hpp"

namespace netvigil {

int run_once(Config config, std::ostream& out, bool json, bool colour) {
  EventLoop loop;
  SystemClock clock;
  CurlEngine curl(loop);
  std::vector<Measurement> results;
  const bool progress = isatty(STDERR_FILENO) == 1;
  auto cfg = std::make_shared<const Config>(std::move(config));
  ProbeGeneration gen(cfg, loop, clock, curl, [&](Measurement m) {
    if (json) {
      out << measurement_json(m).dump() << '\n';
      out.flush();
    }
    results.push_back(std::move(m));
    if (progress) std::cerr << "\r\033[Kprobing… " << results.size() << " results" << std::flush;
  });
  bool done = false;
  gen.scheduler().run_once([&] { done = true; });
  // Bounded: every run ends by its timeout (plus the scheduler's guard); waves of
  // max_in_flight runs follow each other.
  std::size_t units = 0;
  auto longest = cfg->schedule.timeout;
  for (const auto& c : cfg->catalogs) {
    units += c.probes.size();
    for (const auto& p : c.probes) longest = std::max(longest, p.timeout.value_or(longest));
  }
  const auto waves = units / std::max<std::size_t>(1, cfg->schedule.max_in_flight) + 1;
  const auto limit = (longest + std::chrono::seconds(3)) * static_cast<long>(waves);
  loop.run_until([&] { return done; }, std::chrono::duration_cast<std::chrono::milliseconds>(limit));
  if (progress) std::cerr << "\r\033[K";
  if (!done) std::cerr << "netvigil: the sweep did not finish within its bound\n";
  if (!json) {
    std::stable_sort(results.begin(), results.end(), [](const Measurement& a, const Measurement& b) {
      if (a.group != b.group) return a.group < b.group;
      if (a.service != b.service) return a.service < b.service;
      if ((a.kind == ProbeKind::service) != (b.kind == ProbeKind::service))
        return a.kind != ProbeKind::service;
      return a.probe_id < b.probe_id;
    });
    auto table = measurement_table();
    std::size_t failed = 0;
    for (const auto& m : results) {
      add_measurement_row(table, m);
      failed += !m.ok;
    }
    table.print(out, colour);
    out << results.size() << " results, " << results.size() - failed << " ok, " << failed
        << " failed\n";
  }
  return 0;
}

}  // namespace netvigil
