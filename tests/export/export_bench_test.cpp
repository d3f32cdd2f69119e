// Benchmark (hidden: run with `test_export "[bench]"`): each writer over 90 days of per-minute
// rows, and the OONI writer's rate. Prints figures; asserts only that output was produced.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "export/export_format.hpp"
#include "export_fixture.hpp"

using namespace netvigil;

namespace {

// Rows generated on the fly: memory of the source itself is constant.
Source<TimelineRow> synthetic(std::int64_t from, std::int64_t to) {
  return [t = from, to](TimelineRow& r) mutable {
    if (t >= to) return false;
    r = test::fixture_row(t, to - 3 * 86400, to - 86400);
    r.groups.push_back({"isp", 0.99, 99});
    r.groups.push_back({"local", 1.0, 100});
    for (const char* s : {"signal", "facebook", "bale", "eitaa", "rubika"}) r.services.push_back({s, 1.0});
    t += 60;
    return true;
  };
}

long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

TEST_CASE("benchmark: timeline exports over 90 days", "[.][bench]") {
  std::int64_t to = 1781308800, from = to - 90 * 86400;
  auto meta = test::fixture_meta(from, to);
  meta.groups = {"international", "domestic", "isp", "local"};
  meta.services = {"telegram", "whatsapp", "signal", "facebook", "bale", "eitaa", "rubika"};
  auto events = test::fixture_events(to - 3 * 86400, to - 86400);
  std::vector<ClockTrustRow> clock;
  ExportSources s{[&] { return synthetic(from, to); }, [&] { return source_of(events); }, nullptr,
                  [&] { return source_of(clock); }};
  for (const char* name : {"csv", "json", "openmetrics", "svg", "png", "html"}) {
    std::ofstream out("/dev/null");
    auto t0 = std::chrono::steady_clock::now();
    CHECK(write_export(*export_format_from(name), meta, s, out) == "");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-12s 90 days (129600 steps): %.2f s, max RSS %ld KiB\n", name, secs, max_rss_kb());
  }
}

TEST_CASE("benchmark: OONI export rate", "[.][bench]") {
  std::int64_t to = 1781308800, from = to - 90 * 86400;
  auto meta = test::fixture_meta(from, to);
  RawMeasurementRow row;
  row.kind = "http";
  row.group = "international";
  row.evidence = nlohmann::json::parse(R"({"url":"https://example.org/","status":200,
      "headers":{"Server":"nginx","Date":"Sat, 13 Jun 2026 14:32:03 GMT"},"title":"Example","connects":[
      {"address":"203.0.113.7","port":443,"failure":"","connect_us":900}],"sni":"example.org","tls_version":"TLSv1.3"})");
  const std::int64_t n = 200'000;
  std::int64_t i = 0;
  ExportSources raw{nullptr, nullptr, [&] {
                      return Source<RawMeasurementRow>([&](RawMeasurementRow& r) {
                        if (i >= n) return false;
                        r = row;
                        r.probe = "probe-" + std::to_string(i % 200);
                        r.t_ms = (from + i * 60 / 200) * 1000;
                        ++i;
                        return true;
                      });
                    }, nullptr};
  std::ofstream out("/dev/null");
  auto t0 = std::chrono::steady_clock::now();
  CHECK(write_export(ExportFormat::ooni_jsonl, meta, raw, out) == "");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("ooni-jsonl   %lld measurements: %.2f s (%.0f rows/s), max RSS %ld KiB\n",
              static_cast<long long>(n), secs, static_cast<double>(n) / secs, max_rss_kb());
}
