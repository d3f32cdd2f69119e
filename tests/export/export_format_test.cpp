// The format dispatcher: names round-trip and every format writes through one call.
#include <catch2/catch.hpp>

#include <sstream>

#include "export/export_format.hpp"
#include "export_fixture.hpp"

using namespace netvigil;

TEST_CASE("every export format writes through write_export", "[export]") {
  std::int64_t from = 1781359200, to = from + 3 * 3600;
  auto meta = test::fixture_meta(from, to);
  auto rows = test::fixture_rows(from, to, from + 1800, from + 7200);
  auto events = test::fixture_events(from + 1800, from + 7200);
  std::vector<RawMeasurementRow> raw(2);
  raw[0].probe = "a";
  raw[0].kind = "tcp";
  raw[1].probe = "b";
  raw[1].kind = "dns";
  std::vector<ClockTrustRow> clock{{from, true, 1000}};
  ExportSources s{[&] { return source_of(rows); }, [&] { return source_of(events); },
                  [&] { return source_of(raw); }, [&] { return source_of(clock); }};
  for (const char* name : {"csv", "events-csv", "json", "ooni-jsonl", "openmetrics", "svg", "png", "html"}) {
    INFO(name);
    auto f = export_format_from(name);
    REQUIRE(f);
    CHECK(to_string(*f) == name);
    std::ostringstream os;
    Progress p;
    CHECK(write_export(*f, meta, s, os, &p, "x") == "");
    CHECK(os.str().size() > 100);
  }
  CHECK_FALSE(export_format_from("xlsx"));
  meta.extra_labels = {{"state", "x"}};
  std::ostringstream os;
  CHECK(write_export(ExportFormat::openmetrics, meta, s, os) != "");
  CHECK(write_export(ExportFormat::openmetrics, meta, ExportSources{}, os) != "");
}
