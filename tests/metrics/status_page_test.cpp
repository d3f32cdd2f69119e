// Status page rendering: escaping, gaps for missing data, event shading, UTC axis.
#include <catch2/catch.hpp>

#include <cmath>

#include "metrics/status_page.hpp"

using namespace netvigil;

namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

StatusSnapshot day() {
  StatusSnapshot s;
  s.generated_at = 1'790'000'000;  // 2026-09-21T14:13:20Z
  s.state = "intl_blackout";
  s.intl_index = 4.4;
  s.domestic_index = 97;
  for (std::int64_t t = s.generated_at - 24 * 3600; t <= s.generated_at; t += 300)
    s.series.push_back({t, 100, 100});
  return s;
}

}  // namespace

TEST_CASE("status page shows state, indexes and vantage labels", "[metrics][status]") {
  auto s = day();
  s.vantage.id = "tehran-home";
  s.vantage.country = "IR";
  const std::string h = render_status_page(s);
  CHECK(h.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(h.find("intl_blackout") != std::string::npos);
  CHECK(h.find(">4 %<") != std::string::npos);
  CHECK(h.find(">97 %<") != std::string::npos);
  CHECK(h.find("tehran-home") != std::string::npos);
  CHECK(h.find("2026-09-21T14:13:20Z") != std::string::npos);
  CHECK(h.find("<script") == std::string::npos);
  CHECK(h.find("No events in the last 24 hours.") != std::string::npos);
}

TEST_CASE("missing indexes read 'no data', not zero", "[metrics][status]") {
  StatusSnapshot s;
  const std::string h = render_status_page(s);
  CHECK(count(h, ">no data<") == 2);
  CHECK(h.find("warming_up") != std::string::npos);
}

TEST_CASE("text from the snapshot is escaped", "[metrics][status]") {
  auto s = day();
  s.vantage.id = "<script>alert('x')</script>";
  Event e;
  e.type = "service_interference";
  e.scope = "service:\"tg\"&co";
  e.start = s.generated_at - 600;
  s.events.push_back(e);
  const std::string h = render_status_page(s);
  CHECK(h.find("<script>") == std::string::npos);
  CHECK(h.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != std::string::npos);
  CHECK(h.find("service:&quot;tg&quot;&amp;co") != std::string::npos);
}

TEST_CASE("the timeline breaks its lines where data is missing", "[metrics][status]") {
  auto s = day();
  CHECK(count(render_timeline_svg(s), "<polyline") == 2);  // one per group
  for (std::size_t i = 100; i < 120; ++i) s.series[i].intl = std::nan("");
  CHECK(count(render_timeline_svg(s), "<polyline") == 3);  // intl split in two
}

TEST_CASE("event windows are shaded and ongoing ones run to the end", "[metrics][status]") {
  auto s = day();
  Event done;
  done.type = "full_blackout";
  done.scope = "international";
  done.start = s.generated_at - 6 * 3600;
  done.end = s.generated_at - 5 * 3600;
  Event ongoing;
  ongoing.type = "intl_blackout";
  ongoing.scope = "international";
  ongoing.start = s.generated_at - 1800;
  Event old;
  old.type = "degraded";
  old.start = s.generated_at - 30 * 3600;
  old.end = s.generated_at - 26 * 3600;
  s.events = {done, ongoing, old};
  const std::string svg = render_timeline_svg(s);
  CHECK(count(svg, "class=\"event\"") == 2);  // the one that ended before the window is not drawn
  // Plot spans x 56..944 over 24 h: the ongoing window (last 30 min) ends at the right edge.
  CHECK(svg.find("x=\"925.5\" y=\"20\" width=\"18.5\"") != std::string::npos);
  const std::string h = render_status_page(s);
  CHECK(count(h, "<b>ongoing</b>") == 1);
}

TEST_CASE("the time axis is labelled in UTC every 3 hours", "[metrics][status]") {
  const std::string svg = render_timeline_svg(day());
  for (const char* t : {">15:00<", ">18:00<", ">21:00<", ">00:00<", ">03:00<", ">06:00<",
                        ">09:00<", ">12:00<"})
    CHECK(svg.find(t) != std::string::npos);
  CHECK(svg.find("time in UTC") != std::string::npos);
}

TEST_CASE("SnapshotBox starts with a warming-up snapshot and returns what was set", "[metrics][status]") {
  SnapshotBox box;
  REQUIRE(box.get());
  CHECK(box.get()->state == "warming_up");
  auto s = std::make_shared<StatusSnapshot>();
  s->state = "normal";
  box.set(s);
  CHECK(box.get()->state == "normal");
  CHECK(box.get().get() == s.get());
}
