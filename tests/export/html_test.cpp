// HTML report: self-contained (no external references), summaries, table, clock flag, verify.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "export/html_export.hpp"
#include "export_fixture.hpp"

using namespace netvigil;

namespace {
constexpr std::int64_t kFrom = 1781308800;  // 2026-06-13T00:00:00Z
constexpr std::int64_t kTo = kFrom + 2 * 86400;
constexpr std::int64_t kCut = kFrom + 52320;  // 14:32
constexpr std::int64_t kCutEnd = kCut + 30 * 3600 + 33 * 60;
}  // namespace

TEST_CASE("HTML report is self-contained and tells each event in plain words", "[export][html]") {
  auto meta = test::fixture_meta(kFrom, kTo);
  auto rows = test::fixture_rows(kFrom, kTo, kCut, kCutEnd);
  auto events = test::fixture_events(kCut, kCutEnd);
  std::vector<ClockTrustRow> clock;
  for (std::int64_t t = kFrom; t < kTo; t += 60)
    clock.push_back({t, !(t >= kCut + 600 && t < kCut + 7200), t >= kCut ? 640'000 : 3'000});
  std::ostringstream os;
  write_html(meta, source_of(rows), source_of(events), source_of(clock), os, "iran-2026-06-13.html");
  std::string html = os.str();
  std::ofstream(std::filesystem::temp_directory_path() / "netvigil-export-samples" / "report.html") << html;

  // No external requests: no URL at all, no scripts, stylesheets or images to fetch.
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(!std::regex_search(html, std::regex(R"((src|href)\s*=)", std::regex::icase)));

  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("</svg>") != std::string::npos);
  CHECK(html.find("<style>") != std::string::npos);
  CHECK(html.find("International connectivity fell to 3 % of ordinary levels at 14:32 UTC on 13 June 2026 "
                  "and recovered at 21:05 UTC on 14 June 2026 (30 h 33 min), while domestic connectivity "
                  "stayed at 98.5 %. Services affected: telegram, whatsapp.") != std::string::npos);
  CHECK(html.find("telegram was blocked from 14:37 UTC on 13 June 2026 and still was at the end of this "
                  "report. Services affected: telegram. Method: DNS poisoning.") != std::string::npos);
  CHECK(html.find("Caution: the clock was unsynchronised during part of this window (max error 640 ms)") !=
        std::string::npos);
  CHECK(html.find("UNSYNCHRONISED in 110 of") != std::string::npos);
  CHECK(html.find("netvigil verify iran-2026-06-13.html --key PUBLISHER.pub") != std::string::npos);
  CHECK(html.find("only integrity, not who signed") != std::string::npos);
  CHECK(html.find("nv-detect-1") != std::string::npos);
  CHECK(html.find("median of the per-minute success ratio") != std::string::npos);
  CHECK(html.find("&quot;window_s&quot;: 604800") != std::string::npos);
  CHECK(html.find("broadband, &quot;home&quot;") == std::string::npos);  // network type lives in the event, not shown raw
  CHECK(html.rfind("</html>\n") == html.size() - 8);
}

TEST_CASE("event summaries for each event type", "[export][html]") {
  Event e;
  e.type = "full_blackout";
  e.start = kCut;
  e.min_index = 1.26;
  CHECK(event_summary(e, {}) == "Connectivity, international and domestic, fell to 1.3 % of ordinary levels at "
                                "14:32 UTC on 13 June 2026 and had not recovered when this report was made.");
  e.type = "local_outage";
  e.end = kCut + 600;
  CHECK(event_summary(e, {}).find("a gap in the record, not evidence of a national event") != std::string::npos);
  e.type = "throttling";
  CHECK(event_summary(e, {}).find("Throughput was throttled") == 0);
}
