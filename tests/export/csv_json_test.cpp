// CSV and JSON exports parse back to the figures they were given.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "export/csv_export.hpp"
#include "export/json_export.hpp"
#include "export/text_format.hpp"
#include "export_fixture.hpp"

using namespace netvigil;

namespace {

constexpr std::int64_t kFrom = 1781359200;  // 2026-06-13T14:00:00Z
constexpr std::int64_t kTo = kFrom + 6 * 3600;
constexpr std::int64_t kCutFrom = kFrom + 32 * 60;
constexpr std::int64_t kCutTo = kFrom + 4 * 3600 + 7 * 60;

// A small RFC 4180 reader: fields may be quoted, "" is a quote, CRLF ends a record.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') { field += '"'; ++i; }
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') { quoted = true; was_quoted = true; }
    else if (c == ',') { rows.back().push_back(field); field.clear(); was_quoted = false; }
    else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field); field.clear(); was_quoted = false;
      rows.emplace_back(); ++i;
    } else field += c;
  }
  (void)was_quoted;
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

double cell(const std::string& s) { return s.empty() ? kNoData : std::stod(s); }

}  // namespace

TEST_CASE("timeline CSV parses back to the given figures", "[export]") {
  auto meta = test::fixture_meta(kFrom, kTo);
  auto rows = test::fixture_rows(kFrom, kTo, kCutFrom, kCutTo);
  std::ostringstream os;
  Progress progress;
  std::vector<std::uint64_t> seen;
  progress.every = 100;
  progress.total = rows.size();
  progress.report = [&](std::uint64_t done, std::uint64_t) { seen.push_back(done); };
  write_timeline_csv(meta, source_of(rows), os, &progress);

  auto csv = parse_csv(os.str());
  REQUIRE(csv.size() == rows.size() + 1);
  REQUIRE(csv[0] == std::vector<std::string>{"time", "international_index", "international_ratio",
                                              "domestic_index", "domestic_ratio",
                                              "service_telegram_ratio", "service_whatsapp_ratio",
                                              "state", "active_events"});
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const auto& c = csv[i + 1];
    REQUIRE(c.size() == 9);
    CHECK(c[0] == iso_utc(r.step_start));
    CHECK(cell(c[1]) == Approx(r.groups[0].index).margin(0.005));
    CHECK(cell(c[2]) == Approx(r.groups[0].ratio).margin(0.00005));
    if (std::isnan(r.groups[1].index)) CHECK(c[3].empty());
    else CHECK(cell(c[3]) == Approx(r.groups[1].index).margin(0.005));
    CHECK(cell(c[5]) == Approx(r.services[0].ratio));
    CHECK(cell(c[6]) == Approx(r.services[1].ratio));
    CHECK(c[7] == r.state);
    CHECK(c[8] == (r.active_events.empty() ? "" : "7;8"));
  }
  CHECK(csv[1][0] == "2026-06-13T14:00:00Z");
  CHECK(seen.size() == rows.size() / 100 + 1);
  CHECK(seen.back() == rows.size());
}

TEST_CASE("events CSV carries the STOP fields with RFC 4180 quoting", "[export]") {
  auto events = test::fixture_events(kCutFrom, kCutTo);
  std::ostringstream os;
  write_events_csv(source_of(events), os);
  auto csv = parse_csv(os.str());
  REQUIRE(csv.size() == 3);
  REQUIRE(csv[0].size() == 18);
  CHECK(csv[0][0] == "id");
  CHECK(csv[0][17] == "method_version");
  for (const auto& r : csv) CHECK(r.size() == 18);
  CHECK(csv[1][0] == "7");
  CHECK(csv[1][1] == "intl_blackout");
  CHECK(csv[1][5] == iso_utc(kCutFrom));
  CHECK(csv[1][6] == iso_utc(kCutTo));
  CHECK(std::stoll(csv[1][7]) == kCutTo - kCutFrom);
  CHECK(std::stod(csv[1][8]) == Approx(3.0));
  CHECK(std::stod(csv[1][11]) == Approx(98.5));
  CHECK(csv[1][12] == "Shutdown");
  CHECK(csv[1][15] == "telegram;whatsapp");
  CHECK(csv[2][4] == "dns");
  CHECK(csv[2][6].empty());  // ongoing
  CHECK(csv[2][7].empty());
  CHECK(csv[2][14] == "broadband, \"home\"");
  CHECK(os.str().find("\"broadband, \"\"home\"\"\"") != std::string::npos);
}

TEST_CASE("a CSV cell that looks like a formula is neutralised", "[export]") {
  CHECK(csv_field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
  CHECK(csv_field("-3.5") == "-3.5");
  CHECK(csv_field("plain") == "plain");
}

TEST_CASE("JSON export parses back with vantage, baseline, timeline, events and chain", "[export]") {
  auto meta = test::fixture_meta(kFrom, kTo);
  auto rows = test::fixture_rows(kFrom, kTo, kCutFrom, kCutTo);
  auto events = test::fixture_events(kCutFrom, kCutTo);
  std::ostringstream os;
  write_json(meta, source_of(rows), source_of(events), os);
  auto j = nlohmann::json::parse(os.str());
  CHECK(j["vantage"]["id"] == "tehran-home-1");
  CHECK(j["vantage"]["country"] == "IR");
  CHECK(j["vantage"]["timezone"] == "Asia/Tehran");
  CHECK(j["method_version"] == "nv-detect-1");
  CHECK(j["baseline"]["definition"].get<std::string>().find("median") != std::string::npos);
  CHECK(j["baseline"]["parameters"]["window_s"] == 604800);
  CHECK(j["from"] == "2026-06-13T14:00:00Z");
  CHECK(j["step_s"] == 60);
  CHECK(j["chain"]["head"] == "9f2c1e");
  REQUIRE(j["timeline"].size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& t = j["timeline"][i];
    CHECK(t["t_unix"] == rows[i].step_start);
    CHECK(t["groups"]["international"]["index"].get<double>() == rows[i].groups[0].index);
    CHECK(t["groups"]["international"]["ratio"].get<double>() == rows[i].groups[0].ratio);
    if (std::isnan(rows[i].groups[1].index)) CHECK(t["groups"]["domestic"]["index"].is_null());
    else CHECK(t["groups"]["domestic"]["index"].get<double>() == rows[i].groups[1].index);
    CHECK(t["services"]["whatsapp"]["ratio"].get<double>() == rows[i].services[1].ratio);
    CHECK(t["state"] == rows[i].state);
    CHECK(t["events"].size() == rows[i].active_events.size());
  }
  REQUIRE(j["events"].size() == 2);
  CHECK(j["events"][0]["duration_s"] == kCutTo - kCutFrom);
  CHECK(j["events"][0]["min_index"] == 3.0);
  CHECK(j["events"][1]["end"].is_null());
  CHECK(j["events"][1]["method"] == "dns");
}

TEST_CASE("text formats: UTC times, numbers and durations", "[export]") {
  CHECK(iso_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(ooni_time(kFrom) == "2026-06-13 14:00:00");
  CHECK(fixed_number(3.0, 2) == "3");
  CHECK(fixed_number(3.256, 2) == "3.26");
  CHECK(fixed_number(kNoData, 2).empty());
  CHECK(human_duration(61 * 3600 + 60) == "61 h 1 min");
  CHECK(human_duration(13 * 60) == "13 min");
  CHECK(human_duration(5 * 86400 + 3 * 3600) == "5 d 3 h");
}

TEST_CASE("scrub_except keeps target addresses and readable times", "[export]") {
  std::vector<std::string> keep{"203.0.113.7", "2001:db8::7"};
  CHECK(scrub_except("from 192.0.2.55 to 203.0.113.7 at 14:32:00", keep) ==
        "from [scrubbed] to 203.0.113.7 at 14:32:00");
  CHECK(scrub_except("X-Forwarded-For: 2001:db8::55, [2001:db8::7]:443", keep) ==
        "X-Forwarded-For: [scrubbed], [2001:db8::7]:443");
  CHECK(scrub_except("client=198.51.100.9:5000", {}) == "client=[scrubbed]:5000");
}
