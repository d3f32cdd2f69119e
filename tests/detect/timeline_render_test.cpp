// The terminal timeline: rows, bucketing, UTC axis, legend, colour only when asked.
#include <sstream>

#include <catch2/catch.hpp>

#include "detect/timeline_render.hpp"
#include "synthetic.hpp"

using namespace netvigil;
using namespace netvigil::test;

namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Terminal columns of a UTF-8 line without escapes (every glyph used is one column wide).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// A day with an international cut 12:00–14:00 and a blocked messenger 16:00–18:00 (DNS).
Timeline day_timeline() {
  Detector d(default_params());
  TimelineBuilder b(at_step(0), at_step(24 * 60), 60);
  for (std::int64_t i = 0; i < 24 * 60; ++i) {
    Levels l;
    l.services["telegram"] = (i >= 16 * 60 && i < 18 * 60) ? 0.0 : 1.0;
    if (i >= 12 * 60 && i < 14 * 60) l.intl = 0;
    if (i >= 20 * 60 && i < 21 * 60) continue;  // an hour with no rollups at all: a gap
    b.add(d.step(at_step(i), rollups_at(at_step(i), l)));
  }
  return b.timeline();
}

}  // namespace

TEST_CASE("timeline: one row per group and service, fitted to the width", "[detect]") {
  const auto tl = day_timeline();
  REQUIRE(tl.rows.size() == 6);
  CHECK(tl.rows[0].label == "state");
  CHECK(tl.rows[1].label == "international");
  CHECK(tl.rows[4].label == "local");
  CHECK(tl.rows[5].label == "telegram");

  const auto text = render_timeline(tl, TimelineStyle{80, false});
  INFO(text);
  CHECK(lines_of(text)[8].rfind(std::string(14, ' ') + "11-24", 0) == 0);  // midnight tick
  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 1 + 6 + 2 + 1);  // title, rows, axis and labels, legend
  CHECK(lines[0].find("2025-11-24 00:00 to 2025-11-25 00:00 UTC") != std::string::npos);
  CHECK(lines[0].find("(1 column = 30 min)") != std::string::npos);  // 1440 steps / 66 columns
  for (std::size_t i = 1; i <= 7; ++i) CHECK(columns(lines[i]) == 14 + 48);
  CHECK(text.find("\x1b[") == std::string::npos);

  // Column k covers 30 minutes from k × 30 min: the cut fills columns 24..27.
  const auto cell = [&](std::size_t row, std::size_t col) {
    std::string s;
    std::size_t seen = 0;
    for (std::size_t i = 0; i < lines[row].size(); ++i) {
      const bool start = (static_cast<unsigned char>(lines[row][i]) & 0xC0) != 0x80;
      if (start) ++seen;
      if (seen == 14 + col + 1) s += lines[row][i];
    }
    return s;
  };
  CHECK(cell(1, 23) == "█");
  CHECK(cell(1, 24) == "✕");
  CHECK(cell(1, 27) == "✕");
  // Rows show the state as judged at each step: recovery is declared at 14:02 (third good
  // step), so the 14:00–14:30 column still holds blackout steps.
  CHECK(cell(1, 28) == "✕");
  CHECK(cell(1, 29) == "█");
  CHECK(cell(2, 24) == "✕");  // international group row at blackout level
  CHECK(cell(3, 24) == "█");  // domestic unaffected
  CHECK(cell(6, 32) == "D");  // telegram blocked by DNS 16:00
  CHECK(cell(1, 40) == " ");  // 20:00–21:00 no data
  CHECK(cell(1, 41) == " ");
  CHECK(cell(1, 0) == "·");   // warming up in the first hour

  CHECK(lines[8].find("06:00") != std::string::npos);
  CHECK(lines[8].find("UTC") != std::string::npos);
  CHECK(lines[9].find("international blackout") != std::string::npos);
  CHECK(lines[9].find("blocked: dns") != std::string::npos);
  CHECK(lines[9].find("full blackout") == std::string::npos);  // legend lists what is drawn
}

TEST_CASE("timeline: a column shows the worst step it covers", "[detect]") {
  Timeline tl;
  tl.from = at_step(0);
  tl.rows.push_back({"state", std::vector<TimelineCell>(100, TimelineCell::normal)});
  tl.rows[0].cells[55] = TimelineCell::full_blackout;  // one step among 100
  const auto text = render_timeline(tl, TimelineStyle{30, false});
  CHECK(text.find("✖") != std::string::npos);
  CHECK(text.find("(1 column = 5 min)") != std::string::npos);  // 100 steps into 24 columns
}

TEST_CASE("timeline: ANSI colour only when asked", "[detect]") {
  const auto tl = day_timeline();
  const auto text = render_timeline(tl, TimelineStyle{100, true});
  CHECK(text.find("\x1b[35m✕") != std::string::npos);
  CHECK(text.find("\x1b[0m") != std::string::npos);
  const auto lines = lines_of(text);
  CHECK(lines.size() == 10);
}
