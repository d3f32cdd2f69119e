// Chart: SVG well-formed (xmllint), PNG signature and size, layout facts, Asia/Tehran axis.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "export/chart_layout.hpp"
#include "export/local_time.hpp"
#include "export/png_export.hpp"
#include "export/svg_export.hpp"
#include "export_fixture.hpp"

using namespace netvigil;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kDay0 = 1781222400;            // 2026-06-12T00:00:00Z
constexpr std::int64_t kCut = kDay0 + 86400 + 52320;  // 2026-06-13T14:32:00Z
constexpr std::int64_t kCutEnd = kCut + 30 * 3600 + 33 * 60;
constexpr std::int64_t kFullFrom = kCut + 6 * 3600, kFullTo = kFullFrom + 2 * 3600 + 15 * 60;
constexpr std::int64_t kGapFrom = kDay0 + 8 * 3600, kGapTo = kGapFrom + 40 * 60;

// A lab-like three days: an international cut with a full blackout inside it, a gap.
struct ThreeDays {
  std::int64_t t = kDay0;
  bool operator()(TimelineRow& r) {
    while (t >= kGapFrom && t < kGapTo) t += 60;
    if (t >= kDay0 + 3 * 86400) return false;
    double noise = std::sin(static_cast<double>(t) / 3000.0) * 2 + static_cast<double>((t / 60) % 7) * 0.4;
    bool cut = t >= kCut && t < kCutEnd, full = t >= kFullFrom && t < kFullTo;
    double intl = cut ? 3 + std::fabs(noise) : std::min(100.0, 97 + noise);
    double dom = full ? 4 + std::fabs(noise) : std::min(100.0, 98 + noise / 2);
    r = TimelineRow{};
    r.step_start = t;
    r.groups = {{"international", intl / 100, intl}, {"domestic", dom / 100, dom}};
    r.state = full ? "full_blackout" : cut ? "intl_blackout" : "normal";
    t += 60;
    return true;
  }
};

std::vector<Event> three_day_events() {
  auto evs = test::fixture_events(kCut, kCutEnd);
  evs[1].start = kCut + 600;
  evs[1].end = kCutEnd - 1200;
  Event full = evs[0];
  full.id = 9;
  full.type = "full_blackout";
  full.start = kFullFrom;
  full.end = kFullTo;
  full.min_index = 4;
  Event gap = evs[0];
  gap.id = 5;
  gap.type = "local_outage";
  gap.start = kGapFrom;
  gap.end = kGapTo;
  gap.min_index = 0;
  return {gap, evs[0], evs[1], full};
}

std::vector<ClockTrustRow> clock_rows() {
  std::vector<ClockTrustRow> out;
  for (std::int64_t t = kDay0; t < kDay0 + 3 * 86400; t += 60) {
    bool synced = !(t >= kCut + 3600 && t < kCutEnd);  // NTP unreachable during the cut
    out.push_back({t, synced, synced ? 2'000 : 850'000});
  }
  return out;
}

ChartModel three_day_chart() {
  auto meta = test::fixture_meta(kDay0, kDay0 + 3 * 86400);
  auto events = three_day_events();
  auto clock = clock_rows();
  return layout_chart(meta, ThreeDays{}, source_of(events), source_of(clock));
}

fs::path samples_dir() {
  fs::path d = fs::temp_directory_path() / "netvigil-export-samples";
  fs::create_directories(d);
  return d;
}

std::vector<std::string> texts(const ChartModel& m) {
  std::vector<std::string> out;
  for (const auto& i : m.items)
    if (auto* t = std::get_if<ChartText>(&i)) out.push_back(t->text);
  return out;
}

bool has_text(const ChartModel& m, const std::string& needle) {
  for (const auto& t : texts(m))
    if (t.find(needle) != std::string::npos) return true;
  return false;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

}  // namespace

TEST_CASE("local time uses the tz database, including Asia/Tehran's +03:30", "[export][chart]") {
  auto lt = local_time("Asia/Tehran", kCut);  // 14:32 UTC
  CHECK(lt.offset_s == 3 * 3600 + 1800);
  CHECK(lt.hour == 18);
  CHECK(lt.minute == 2);
  CHECK(utc_offset_label(lt.offset_s) == "UTC+03:30");
  CHECK(local_time("Europe/Berlin", kCut).offset_s == 7200);  // CEST in June
  CHECK(local_time("Europe/Berlin", 1767225600).offset_s == 3600);  // CET in January
  CHECK(local_time("No/Such_Zone", kCut).offset_s == 0);
  CHECK_FALSE(zone_known("../../etc/passwd"));
  CHECK(std::getenv("TZ") == nullptr);  // restored
}

TEST_CASE("chart layout: title, axes, event labels, clock trust and footer", "[export][chart]") {
  auto m = three_day_chart();
  CHECK(m.width == 1200);
  CHECK(m.height == 675);
  CHECK(m.title == "netvigil \u00b7 network connectivity \u2013 tehran-home-1, IR: 2026-06-12 to 2026-06-14 UTC");
  CHECK(m.events.size() == 4);
  CHECK(m.timeline_rows == 3 * 1440 - 40);
  CHECK(has_text(m, "International cut"));
  CHECK(has_text(m, "Full blackout"));
  CHECK(has_text(m, "13 Jun 14:32 \u2013 14 Jun 21:05 UTC"));
  CHECK(has_text(m, "30 h 33 min"));
  CHECK(has_text(m, "UTC+03:30"));
  CHECK(has_text(m, "03:30"));  // UTC midnight in Tehran
  CHECK(has_text(m, "Baseline and index: index = 100 \u00d7 success ratio"));
  CHECK(has_text(m, "method nv-detect-1"));
  CHECK(m.clock.unsynced > 0);
  CHECK(has_text(m, "Clock UNSYNCHRONISED"));
  REQUIRE(m.event_clock.size() == 4);
  CHECK(m.event_clock[0].unsynced == 0);  // the early gap: synced
  CHECK(m.event_clock[1].unsynced > 0);   // the cut: NTP unreachable
  // Every item lies inside the canvas.
  for (const auto& i : m.items) {
    if (auto* t = std::get_if<ChartText>(&i)) {
      CHECK(t->x >= 0);
      CHECK(t->x <= 1200);
      CHECK(t->y > 0);
      CHECK(t->y <= 675);
    }
  }
}

TEST_CASE("chart SVG is well-formed XML (xmllint) and PNG has the expected size", "[export][chart]") {
  auto m = three_day_chart();
  fs::path dir = samples_dir();
  std::string svg_path = (dir / "chart-3days.svg").string();
  std::string png_path = (dir / "chart-3days.png").string();
  {
    std::ofstream f(svg_path);
    write_svg(m, f);
  }
  std::string cmd = "xmllint --noout " + svg_path + " 2>&1";  // Debian package: libxml2-utils
  int rc = std::system(cmd.c_str());
  CHECK(WIFEXITED(rc));
  CHECK(WEXITSTATUS(rc) == 0);

  std::ostringstream png;
  CHECK(write_png(m, png).empty());
  std::string bytes = png.str();
  REQUIRE(bytes.size() > 24);
  CHECK(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(bytes.substr(12, 4) == "IHDR");
  CHECK(be32(bytes, 16) == 1200);
  CHECK(be32(bytes, 20) == 675);
  std::ofstream(png_path, std::ios::binary) << bytes;
}

TEST_CASE("chart over a short range and over no data", "[export][chart]") {
  std::int64_t from = 1781359200, to = from + 6 * 3600;
  auto meta = test::fixture_meta(from, to);
  auto rows = test::fixture_rows(from, to, from + 32 * 60, from + 4 * 3600 + 7 * 60);
  auto events = test::fixture_events(from + 32 * 60, from + 4 * 3600 + 7 * 60);
  std::vector<ClockTrustRow> clock;
  auto m = layout_chart(meta, source_of(rows), source_of(events), source_of(clock));
  CHECK(m.title.find("2026-06-13 14:00 to 2026-06-13 20:00 UTC") != std::string::npos);
  CHECK(has_text(m, "14:32\u201318:07 UTC"));
  CHECK(has_text(m, "Clock trust: not recorded"));
  std::ostringstream png;
  CHECK(write_png(m, png).empty());
  std::ofstream(samples_dir() / "chart-6hours.png", std::ios::binary) << png.str();
  std::ofstream svg(samples_dir() / "chart-6hours.svg");
  write_svg(m, svg);

  std::vector<TimelineRow> none;
  std::vector<Event> no_events;
  auto empty = layout_chart(meta, source_of(none), source_of(no_events), source_of(clock));
  CHECK(has_text(empty, "no measurements in this range"));
}
