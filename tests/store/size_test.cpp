// Bytes per stored measurement at steady state: 100k rows from 200 probes, printed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <random>

#include "store/measurement_store.hpp"
#include "store/rollup_builder.hpp"
#include "store/store_reader.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using namespace netvigil::testing;

namespace {

constexpr std::int64_t kT0 = 1'750'000'020'000;
constexpr int kProbes = 200;
constexpr int kSweeps = 500;

struct ProbeShape {
  std::string id;
  ProbeKind kind;
  Group group;
  std::string service;
};

std::vector<ProbeShape> shapes() {
  std::vector<ProbeShape> v;
  const Group groups[] = {Group::international, Group::international, Group::domestic, Group::isp, Group::local};
  for (int i = 0; i < kProbes; ++i) {
    ProbeKind k = i < 60 ? ProbeKind::dns : i < 110 ? ProbeKind::tcp : i < 150 ? ProbeKind::tls
                : i < 190 ? ProbeKind::http : i < 198 ? ProbeKind::service : ProbeKind::throughput;
    std::string svc = (k == ProbeKind::service || (k == ProbeKind::tcp && i % 5 == 0)) ? "svc" + std::to_string(i % 8) : "";
    v.push_back({"probe-" + std::to_string(i), k, groups[i % 5], svc});
  }
  return v;
}

Measurement run(const ProbeShape& p, std::int64_t t, int sweep, std::mt19937& rng) {
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<std::int32_t> ms(2'000, 120'000);
  Measurement m;
  m.probe_id = p.id;
  m.kind = p.kind;
  m.group = p.group;
  m.service = p.service;
  m.started_unix_ms = t;
  m.ok = pct(rng) >= 3;
  switch (p.kind) {
    case ProbeKind::dns:
      m.phases.resolve_us = m.phases.total_us = ms(rng) / 4;
      m.evidence = {{"rcode", "NOERROR"}, {"answers", {"192.0.2." + std::to_string(sweep / 100 + 1)}}};
      break;
    case ProbeKind::throughput:
    case ProbeKind::http:
      m.phases = {ms(rng) / 4, ms(rng), ms(rng), ms(rng) * 2, ms(rng) * 4};
      m.http_status = 200;
      m.bytes = p.kind == ProbeKind::http ? 18'000 : 1'000'000;
      m.evidence = {{"title", "Example"}, {"body_sha256", "ab12cd34"}, {"status", 200}};
      break;
    case ProbeKind::tls:
      m.phases = {ms(rng) / 4, ms(rng), ms(rng), -1, ms(rng) * 3};
      m.evidence = {{"tls_version", "TLSv1.3"}, {"leaf_not_after", "2026-12-01"}};
      break;
    default:
      m.phases = {ms(rng) / 4, ms(rng), -1, -1, ms(rng)};
      m.evidence = {{"address", "198.51.100." + std::to_string(p.id.size())}};
  }
  m.evidence["host"] = p.id + ".example.org";  // evidence is specific to each probe
  if (!m.ok) {
    m.failure = {Failure::generic_timeout_error, Operation::connect, {}};
    m.method = Method::tcp_ip;
    m.http_status = 0;
    m.evidence["error"] = pct(rng) < 50 ? "no SYN-ACK within 10 s" : "no answer within 10 s";
  }
  return m;
}

}  // namespace

TEST_CASE("bytes per stored measurement (100k rows, 200 probes)", "[store][size]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::int64_t> jitter(0, 5'000);
  auto probes = shapes();
  auto t_start = std::chrono::steady_clock::now();
  {
    MeasurementStore store({.path = path});
    RollupBuilder rollups(std::chrono::seconds(60), std::chrono::seconds(10));
    for (int s = 0; s < kSweeps; ++s) {
      const std::int64_t sweep_t = kT0 + s * 60'000;
      std::vector<Measurement> batch;
      for (const auto& p : probes) batch.push_back(run(p, sweep_t + jitter(rng), s, rng));
      // Results arrive in completion order, not start order.
      std::shuffle(batch.begin(), batch.end(), rng);
      for (const auto& m : batch) {
        store.enqueue(m);
        rollups.add(m);
      }
      for (auto& step : rollups.close_due(sweep_t + 60'000)) store.enqueue_rollups(std::move(step));
      store.enqueue_clock(ClockTrust{sweep_t, true, 150'000, 2'000});
      // 500 sweeps are 8 hours of a real run; pace the burst so the bounded queue keeps all.
      if (s % 20 == 19) REQUIRE(store.flush(std::chrono::seconds(60)));
    }
    for (auto& step : rollups.close_all()) store.enqueue_rollups(std::move(step));
    REQUIRE(store.flush(std::chrono::seconds(60)));
    CHECK(store.health().dropped.load() == 0);
    store.stop();
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  StoreReader reader(path);
  auto st = reader.stats();
  const double rows = static_cast<double>(st.rows["measurements"]);
  REQUIRE(rows == kProbes * kSweeps);
  const double used = static_cast<double>((st.page_count - st.freelist_count) * st.page_size);
  const double table = static_cast<double>(st.bytes["measurements"]);
  std::cout << "store size: " << st.rows["measurements"] << " measurements from " << kProbes
            << " probes in " << secs << " s\n"
            << "  measurements table: " << table / rows << " B/row\n"
            << "  evidence: " << st.rows["evidence"] << " rows, "
            << static_cast<double>(st.bytes["evidence"] + st.bytes["sqlite_autoindex_evidence_1"]) / rows
            << " B/measurement\n"
            << "  rollups: " << st.rows["rollups"] << " rows in " << st.rows["rollup_steps"]
            << " steps, "
            << static_cast<double>(st.bytes["rollups"] + st.bytes["rollup_steps"] +
                                   st.bytes["rollup_steps_start"]) / static_cast<double>(st.rows["rollups"])
            << " B/rollup row\n"
            << "  whole database (all tables, used pages): " << used / rows << " B/measurement\n"
            << "  file on disk: " << st.file_bytes << " bytes\n";
  for (const auto& [name, b] : st.bytes) std::cout << "    " << name << ": " << b << " bytes\n";
  CHECK(table / rows <= 50.0);
  CHECK(used / rows <= 50.0);
  CHECK(reader.verify_chain().ok);
}
