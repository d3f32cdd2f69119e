// Benchmark (not a test): drives the real MeasurementStore with a fake clock through DAYS
// simulated days of PROBES probes every INTERVAL seconds, each measurement carrying evidence
// shaped like the probe code writes it (dns / tcp / tls / http; per-run timings included),
// one rollup step and one clock sample per interval, and retention pruning every simulated
// hour (the daemon's cadence). Prints insert throughput and, from dbstat, the bytes per
// stored measurement and per table/index; --csv appends the same as key,value lines.
// Usage: store_bench DB_PATH [--days 90] [--probes 200] [--interval 60] [--retention-days 30]
//                    [--csv FILE]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "store/measurement_store.hpp"
#include "store/sqlite.hpp"

using namespace netvigil;

namespace {

struct Args {
  std::string db, csv;
  int days = 90, probes = 200, interval_s = 60, retention_days = 30;
};

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string v4(int i) { return "198.51.100." + std::to_string(i % 250 + 1); }
std::string v6(int i) { return "2001:db8::" + std::to_string(i % 250 + 1); }

/// One probe of the simulated catalog (the default global + messengers mix: ~20 % dns,
/// 30 % http, 42 % tcp, 8 % tls; a third of the tcp probes connect to pinned addresses).
struct SimProbe {
  std::string slug, host;
  ProbeKind kind;
  Group group;
  bool resolves;
};

std::vector<SimProbe> catalog(int n) {
  std::vector<SimProbe> out;
  for (int i = 0; i < n; ++i) {
    const int k = i % 50;
    SimProbe p;
    p.kind = k < 10 ? ProbeKind::dns : k < 25 ? ProbeKind::http : k < 46 ? ProbeKind::tcp : ProbeKind::tls;
    p.host = "site" + std::to_string(i) + ".example";
    p.slug = std::string(to_string(p.kind)) + "-" + p.host;
    p.group = i % 10 < 6 ? Group::international : i % 10 < 9 ? Group::domestic : Group::isp;
    p.resolves = !(p.kind == ProbeKind::tcp && i % 3 == 0);
    out.push_back(std::move(p));
  }
  return out;
}

nlohmann::json resolve_ev(int i, std::int32_t us) {
  return {{"addresses", {v4(i), v6(i)}}, {"duration_us", us}, {"failure", nullptr}};
}

nlohmann::json tls_ev() {
  return {{"tls_version", "TLSv1.3"}, {"cipher", "TLS_AES_256_GCM_SHA384"},
          {"cert_not_after", "2027-03-01T00:00:00Z"}, {"cert_subject_cn", "*.example"},
          {"cert_issuer_cn", "Example Issuing CA 1"}};
}

/// A measurement as the probe code would fill it (src/probe/*.cpp evidence keys).
Measurement measure(const SimProbe& p, int i, std::int64_t t_ms, std::mt19937& rng) {
  Measurement m;
  m.probe_id = p.slug;
  m.kind = p.kind;
  m.group = p.group;
  m.started_unix_ms = t_ms;
  const bool fail = rng() % 100 < 2;
  const auto us = [&](int lo, int hi) {
    return static_cast<std::int32_t>(lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo)));
  };
  const std::int32_t resolve = p.resolves ? us(300, 40000) : -1;
  const std::int32_t connect = us(20000, 300000);
  nlohmann::json ev = nlohmann::json::object();
  switch (p.kind) {
    case ProbeKind::dns: {
      nlohmann::json qs = nlohmann::json::array();
      for (const char* qt : {"A", "AAAA"})
        qs.push_back({{"resolver", "system"}, {"resolver_address", "192.0.2.53"},
                      {"transport", "udp"}, {"query_type", qt}, {"rcode", fail ? -1 : 0},
                      {"duration_us", fail ? 5000000 : us(300, 40000)},
                      {"answers", fail ? nlohmann::json::array() : nlohmann::json::array({std::string(qt) == "A" ? v4(i) : v6(i)})},
                      {"cnames", nlohmann::json::array()},
                      {"failure", fail ? nlohmann::json("generic_timeout_error") : nlohmann::json()},
                      {"tampering", nullptr}});
      ev = {{"host", p.host}, {"queries", qs}, {"consistency", "consistent"},
            {"consistency_by_qtype", {{"A", "consistent"}, {"AAAA", "consistent"}}}};
      m.phases.total_us = fail ? 5000000 : resolve;
      m.method = fail ? Method::dns : Method::none;
      if (fail) m.failure = {Failure::generic_timeout_error, Operation::resolve, {}};
      break;
    }
    case ProbeKind::tcp: {
      ev["host"] = p.host;
      if (p.resolves) ev["resolve"] = resolve_ev(i, resolve);
      ev["connects"] = nlohmann::json::array(
          {{{"family", "v4"}, {"address", v4(i)}, {"port", 443},
            {"failure", fail ? nlohmann::json("generic_timeout_error") : nlohmann::json()},
            {"connect_us", fail ? -1 : connect}}});
      m.phases.resolve_us = resolve;
      m.phases.connect_us = fail ? -1 : connect;
      m.phases.total_us = fail ? 5000000 : connect + std::max(resolve, 0);
      break;
    }
    case ProbeKind::tls:
    case ProbeKind::http: {
      const std::int32_t tls = us(30000, 400000);
      ev["host"] = p.host;
      ev["resolve"] = resolve_ev(i, resolve);
      ev["address"] = v4(i);
      if (!fail) ev.update(tls_ev());
      m.phases = {resolve, connect, fail ? -1 : tls, -1, fail ? 5000000 : resolve + connect + tls};
      if (p.kind == ProbeKind::http) {
        ev.erase("host");
        ev["url"] = "https://" + p.host + "/";
        ev["method"] = "GET";
        ev["addresses"] = {v4(i), v6(i)};
        if (!fail) {
          ev["status"] = 200;
          ev["body_sha256"] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
          ev["body_kept"] = 4096;
          ev["body_truncated"] = true;
          ev["title"] = "Example site " + std::to_string(i);
          ev["headers"] = {{"server", "nginx"}, {"content-type", "text/html; charset=utf-8"}};
          m.http_status = 200;
          m.bytes = 4096;
          m.phases.first_byte_us = m.phases.total_us - us(1000, 20000);
        }
      } else {
        ev["sni"] = p.host;
        ev["port"] = 443;
      }
      break;
    }
    default:
      break;
  }
  if (fail && p.kind != ProbeKind::dns) {
    m.failure = {Failure::generic_timeout_error, Operation::connect, {}};
    m.method = Method::tcp_ip;
  }
  m.ok = !fail;
  m.evidence = std::move(ev);
  return m;
}

RollupStep rollups(std::int64_t step_start, int interval_s, const std::vector<SimProbe>& ps) {
  RollupStep step;
  step.step_start = step_start;
  step.step_s = interval_s;
  for (const char* g : {"international", "domestic", "isp"}) {
    Rollup r;
    r.step_start = step_start;
    r.scope = g;
    for (const auto& p : ps)
      if (to_string(p.group) == g) ++r.attempts;
    r.successes = r.attempts - (r.attempts > 0 ? 1 : 0);
    r.failures_by_method[static_cast<int>(Method::tcp_ip)] = r.attempts - r.successes;
    r.rtt_us = 80000;
    step.rollups.push_back(r);
  }
  return step;
}

struct TableStat {
  std::string name;
  std::int64_t pages_bytes, payload;
};

int usage() {
  std::fprintf(stderr, "usage: store_bench DB_PATH [--days N] [--probes N] [--interval S] "
                       "[--retention-days N] [--csv FILE]\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  Args a;
  a.db = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--csv") a.csv = argv[i + 1];
    else if (k == "--days") a.days = std::atoi(argv[i + 1]);
    else if (k == "--probes") a.probes = std::atoi(argv[i + 1]);
    else if (k == "--interval") a.interval_s = std::atoi(argv[i + 1]);
    else if (k == "--retention-days") a.retention_days = std::atoi(argv[i + 1]);
    else return usage();
  }
  const auto ps = catalog(a.probes);
  FakeClock clock(1'767'225'600'000);  // 2026-01-01T00:00:00Z
  StoreOptions so;
  so.path = a.db;
  so.clock = &clock;
  so.raw_retention = std::chrono::milliseconds(0);  // pruned below, every simulated hour
  MeasurementStore store(so);
  std::mt19937 rng(1);
  const std::int64_t sweeps = static_cast<std::int64_t>(a.days) * 86400 / a.interval_s;
  const std::int64_t retention_ms = static_cast<std::int64_t>(a.retention_days) * 86'400'000;
  const std::int64_t flush_every = std::max<std::int64_t>(1, 4000 / a.probes);
  std::int64_t rows = 0, last_prune_ms = clock.unix_ms();
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  double tail_wall = 0, tail_cpu = 0;
  std::int64_t tail_rows = 0;
  auto tail_t = t0;
  double tail_c = c0;
  const std::int64_t tail_from = sweeps - sweeps / 9;  // the last ninth: retention at work
  for (std::int64_t s = 0; s < sweeps; ++s) {
    if (s == tail_from) {
      if (!store.flush(std::chrono::seconds(600))) return 1;
      tail_t = std::chrono::steady_clock::now();
      tail_c = cpu_seconds();
    }
    const std::int64_t sweep_ms = clock.unix_ms();
    for (int i = 0; i < a.probes; ++i) {
      // Each probe at its own offset in the interval, as the schedule table spreads them.
      const std::int64_t t = sweep_ms + (static_cast<std::int64_t>(i) * 7919 % (a.interval_s * 1000));
      store.enqueue(measure(ps[static_cast<std::size_t>(i)], i, t, rng));
      ++rows;
      if (s >= tail_from) ++tail_rows;
    }
    store.enqueue_rollups(rollups(sweep_ms / 1000, a.interval_s, ps));
    store.enqueue_clock(ClockTrust{sweep_ms, true, 20000, 1000});
    clock.advance(std::chrono::seconds(a.interval_s));
    if (a.retention_days > 0 && clock.unix_ms() - last_prune_ms >= 3'600'000) {
      store.prune_before(clock.unix_ms() - retention_ms);
      last_prune_ms = clock.unix_ms();
    }
    if ((s + 1) % flush_every == 0 && !store.flush(std::chrono::seconds(600))) return 1;
    if ((s + 1) % (86400 / a.interval_s * 10) == 0)
      std::fprintf(stderr, "day %lld: %lld rows, %.0f s\n",
                   static_cast<long long>((s + 1) * a.interval_s / 86400), static_cast<long long>(rows),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const bool ok = store.flush(std::chrono::seconds(600));
  const auto t1 = std::chrono::steady_clock::now();
  const double wall = std::chrono::duration<double>(t1 - t0).count(), cpu = cpu_seconds() - c0;
  tail_wall = std::chrono::duration<double>(t1 - tail_t).count();
  tail_cpu = cpu_seconds() - tail_c;
  const auto dropped = store.health().dropped.load();
  store.stop();
  if (!ok || dropped != 0) {
    std::fprintf(stderr, "store_bench: flush %s, %llu rows dropped\n", ok ? "ok" : "FAILED",
                 static_cast<unsigned long long>(dropped));
    return 1;
  }

  sql::Db db(a.db, SQLITE_OPEN_READWRITE);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  std::vector<TableStat> tables;
  {
    sql::Stmt st(db, "SELECT name, sum(pgsize), sum(payload) FROM dbstat GROUP BY name ORDER BY 2 DESC");
    while (st.step()) tables.push_back({st.text(0), st.i64(1), st.i64(2)});
    st.reset();
  }
  const std::int64_t live = db.scalar("SELECT count(*) FROM measurements");
  const std::int64_t evidence = db.scalar("SELECT count(*) FROM evidence");
  const std::int64_t steps = db.scalar("SELECT count(*) FROM rollup_steps");
  const std::int64_t page_size = db.scalar("PRAGMA page_size");
  const std::int64_t pages = db.scalar("PRAGMA page_count");
  const std::int64_t free_pages = db.scalar("PRAGMA freelist_count");
  auto pages_of = [&](const std::string& n) {
    for (const auto& t : tables)
      if (t.name == n) return t.pages_bytes;
    return std::int64_t{0};
  };
  auto payload_of = [&](const std::string& n) {
    for (const auto& t : tables)
      if (t.name == n) return t.payload;
    return std::int64_t{0};
  };
  const double per_row = live ? static_cast<double>(pages_of("measurements") + pages_of("evidence") +
                                                    pages_of("sqlite_autoindex_evidence_1")) / static_cast<double>(live) : 0;
  std::vector<std::pair<std::string, std::string>> out = {
      {"days", std::to_string(a.days)},
      {"probes", std::to_string(a.probes)},
      {"interval_s", std::to_string(a.interval_s)},
      {"retention_days", std::to_string(a.retention_days)},
      {"measurements_inserted", std::to_string(rows)},
      {"insert_wall_s", std::to_string(wall)},
      {"insert_cpu_s", std::to_string(cpu)},
      {"measurements_per_s", std::to_string(static_cast<double>(rows) / wall)},
      {"measurements_per_cpu_s", std::to_string(static_cast<double>(rows) / cpu)},
      {"steady_measurements_per_s", std::to_string(static_cast<double>(tail_rows) / tail_wall)},
      {"steady_measurements_per_cpu_s", std::to_string(static_cast<double>(tail_rows) / tail_cpu)},
      {"live_raw_rows", std::to_string(live)},
      {"evidence_rows", std::to_string(evidence)},
      {"rollup_steps", std::to_string(steps)},
      {"bytes_per_measurement_raw", std::to_string(per_row)},
      {"bytes_per_measurement_row_only",
       std::to_string(live ? static_cast<double>(pages_of("measurements")) / static_cast<double>(live) : 0)},
      {"payload_per_measurement_row",
       std::to_string(live ? static_cast<double>(payload_of("measurements")) / static_cast<double>(live) : 0)},
      {"bytes_per_rollup_step",
       std::to_string(steps ? static_cast<double>(pages_of("rollups") + pages_of("rollup_steps") +
                                                  pages_of("rollup_steps_start")) / static_cast<double>(steps) : 0)},
      {"file_bytes", std::to_string(pages * page_size)},
      {"free_bytes", std::to_string(free_pages * page_size)},
  };
  for (const auto& t : tables)
    out.emplace_back("dbstat_" + t.name, std::to_string(t.pages_bytes) + " pages / " +
                                             std::to_string(t.payload) + " payload");
  for (const auto& [k, v] : out) std::printf("%-36s %s\n", k.c_str(), v.c_str());
  if (!a.csv.empty()) {
    FILE* f = std::fopen(a.csv.c_str(), "w");
    if (f == nullptr) return 1;
    std::fprintf(f, "key,value\n");
    for (const auto& [k, v] : out) std::fprintf(f, "%s,%s\n", k.c_str(), v.c_str());
    std::fclose(f);
  }
  return 0;
}
