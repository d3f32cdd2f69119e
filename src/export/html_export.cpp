// HTML report: chart, plain-language event summaries, table, method, clock trust, verification.
#include "export/html_export.hpp"

#include "export/chart_layout.hpp"
#include "export/event_words.hpp"
#include "export/svg_export.hpp"
#include "export/text_format.hpp"

namespace netvigil {

namespace {

constexpr const char* kCss = R"(
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;color:#212529;max-width:1240px;margin:0 auto;padding:16px 20px 40px;line-height:1.45}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em;border-bottom:2px solid #0b7285;padding-bottom:3px}
.brand{color:#0b7285;font-weight:bold}.muted{color:#5c636a}.flag{color:#c92a2a;font-weight:bold}
.chart svg{width:100%;height:auto;border:1px solid #dee2e6}
div.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.8em;width:100%}th,td{border:1px solid #dee2e6;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f1f3f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
ul.summary li{margin:.5em 0}code,pre{background:#f1f3f5;padding:1px 4px;border-radius:3px;font-family:"DejaVu Sans Mono",monospace}
pre{padding:8px;overflow-x:auto}
)";

std::string when(std::int64_t t) { return utc_format(t, "%H:%M UTC on %-d %B %Y"); }

std::string pct(double v) { return fixed_number(v, 1) + " %"; }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

std::string ms(std::int64_t us) { return fixed_number(static_cast<double>(us) / 1000.0, 1) + " ms"; }

}  // namespace

std::string event_summary(const Event& e, const EventClockTrust& clock) {
  std::string end = e.end ? "recovered at " + when(*e.end) + " (" + human_duration(*e.end - e.start) + ")"
                          : "had not recovered when this report was made";
  std::string s;
  if (e.type == "intl_blackout") {
    s = "International connectivity fell to " + pct(e.min_index) + " of ordinary levels at " + when(e.start) +
        " and " + end + ", while domestic connectivity stayed at " + pct(e.domestic_index) + ".";
  } else if (e.type == "full_blackout") {
    s = "Connectivity, international and domestic, fell to " + pct(e.min_index) + " of ordinary levels at " +
        when(e.start) + " and " + end + ".";
  } else if (e.type == "degraded") {
    s = "Connectivity was degraded from " + when(e.start) + " (lowest " + pct(e.min_index) +
        " of ordinary levels) and " + end + ".";
  } else if (e.type == "local_outage") {
    s = "The vantage point's own link was down from " + when(e.start) +
        (e.end ? " until " + when(*e.end) + " (" + human_duration(*e.end - e.start) + ")" : " and still is") +
        ": a gap in the record, not evidence of a national event.";
  } else if (e.type == "service_interference") {
    s = (e.service.empty() ? std::string("A service") : e.service) + " was blocked from " + when(e.start) +
        (e.end ? " until " + when(*e.end) + " (" + human_duration(*e.end - e.start) + ")" : " and still was at the end of this report") +
        ".";
  } else if (e.type == "throttling") {
    s = "Throughput was throttled from " + when(e.start) + " and " + end + ".";
  } else {
    s = event_type_label(e.type) + " from " + when(e.start) + "; " + end + ".";
  }
  if (!e.services_affected.empty()) s += " Services affected: " + join(e.services_affected) + ".";
  if (e.method != Method::none) s += " Method: " + method_words(e.method) + ".";
  if (clock.unsynced > 0)
    s += " Caution: the clock was unsynchronised during part of this window (max error " + ms(clock.max_error_us) + ").";
  return s;
}

void write_html(const ExportMeta& meta, const Source<TimelineRow>& timeline, const Source<Event>& events,
                const Source<ClockTrustRow>& clock, std::ostream& os, const std::string& file_name,
                Progress* progress) {
  ChartModel chart = layout_chart(meta, timeline, events, clock, progress);
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
     << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
     << "<meta name=\"generator\" content=\"netvigil " << xml_escape(meta.software_version) << "\">\n"
     << "<title>" << xml_escape(chart.title) << "</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n";
  os << "<p class=\"brand\">netvigil report</p>\n<h1>" << xml_escape(chart.title) << "</h1>\n"
     << "<p class=\"muted\">Vantage <b>" << xml_escape(meta.vantage.id) << "</b> (country "
     << xml_escape(meta.vantage.country) << ", " << xml_escape(meta.vantage.asn) << ", "
     << xml_escape(meta.vantage.network_type) << ", time zone " << xml_escape(meta.vantage.timezone)
     << "). Range " << iso_utc(meta.from) << " to " << iso_utc(meta.to) << ", step " << meta.step_s
     << " s. All times are UTC.</p>\n";
  os << "<div class=\"chart\">\n";
  write_svg(chart, os, false);
  os << "</div>\n";

  os << "<h2>What happened</h2>\n";
  if (chart.events.empty()) {
    os << "<p>No blackout, cut or interference window was detected in this range.</p>\n";
  } else {
    os << "<ul class=\"summary\">\n";
    for (std::size_t i = 0; i < chart.events.size(); ++i)
      os << "<li>" << xml_escape(event_summary(chart.events[i], chart.event_clock[i])) << "</li>\n";
    os << "</ul>\n";
  }

  os << "<h2>Events</h2>\n<div class=\"scroll\"><table>\n<tr><th>id</th><th>type</th><th>scope</th><th>service</th><th>method</th>"
        "<th>start (UTC)</th><th>end (UTC)</th><th>duration</th><th>min index</th><th>intl index</th>"
        "<th>domestic index</th><th>shutdown type</th><th>extent</th><th>services affected</th>"
        "<th>start uncertainty</th><th>clock during window</th></tr>\n";
  for (std::size_t i = 0; i < chart.events.size(); ++i) {
    const Event& e = chart.events[i];
    const EventClockTrust& c = chart.event_clock[i];
    std::string clock_cell = c.samples == 0 ? "not recorded"
                             : c.unsynced == 0 ? "synchronised (max error " + ms(c.max_error_us) + ")"
                                               : "UNSYNCHRONISED in " + std::to_string(c.unsynced) + " of " +
                                                     std::to_string(c.samples) + " sweeps (max error " +
                                                     ms(c.max_error_us) + ")";
    os << "<tr><td class=\"num\">" << e.id << "</td><td>" << xml_escape(event_type_label(e.type)) << "</td><td>"
       << xml_escape(e.scope) << "</td><td>" << xml_escape(e.service) << "</td><td>"
       << xml_escape(method_words(e.method)) << "</td><td>" << iso_utc(e.start) << "</td><td>"
       << (e.end ? iso_utc(*e.end) : "ongoing") << "</td><td>"
       << (e.end ? human_duration(*e.end - e.start) : "") << "</td><td class=\"num\">" << pct(e.min_index)
       << "</td><td class=\"num\">" << pct(e.intl_index) << "</td><td class=\"num\">" << pct(e.domestic_index)
       << "</td><td>" << xml_escape(e.shutdown_type) << "</td><td>" << xml_escape(e.extent) << "</td><td>"
       << xml_escape(join(e.services_affected)) << "</td><td class=\"num\">" << e.start_uncertainty_s
       << " s</td><td" << (c.unsynced ? " class=\"flag\"" : "") << ">" << xml_escape(clock_cell) << "</td></tr>\n";
  }
  os << "</table></div>\n";

  os << "<h2>Method</h2>\n<p>The connectivity index is the share of measurements that completed, as a percentage "
        "of the ordinary share for this vantage point: <b>index = 100 &#215; success ratio &#247; baseline, "
        "capped at 100 %</b>. A poisoned DNS answer, a block page or a reset handshake counts as a failure.</p>\n"
     << "<p>Baseline: " << xml_escape(meta.baseline_definition.empty() ? "not stated" : meta.baseline_definition)
     << "</p>\n<p>Detector method version <code>" << xml_escape(meta.method_version) << "</code>, netvigil "
     << xml_escape(meta.software_version) << ". Parameters:</p>\n<pre>"
     << xml_escape(meta.baseline_parameters.dump(2, ' ', false, nlohmann::json::error_handler_t::replace))
     << "</pre>\n<p>One vantage point cannot tell with certainty a national event from a failure of its own "
        "network; the own-link (local) group marks such gaps, which are never reported as national events.</p>\n";

  os << "<h2>Clock trust</h2>\n<p" << (chart.clock.unsynced ? " class=\"flag\"" : "") << ">"
     << xml_escape(chart.clock_summary) << "</p>\n<p class=\"muted\">During an international cut NTP servers are "
        "usually unreachable; the clock's synchronisation state and maximum error are recorded with every sweep "
        "so the timestamps above can be weighed.</p>\n";

  std::string name = file_name.empty() ? std::string("REPORT.html") : file_name;
  os << "<h2>How to verify this file</h2>\n<p>If this report was published with a detached signature (<code>"
     << xml_escape(name) << ".sig</code>), anyone can check that it was not changed after it was signed:</p>\n"
     << "<pre>netvigil verify " << xml_escape(name) << " --key PUBLISHER.pub\nnetvigil verify "
     << xml_escape(name) << " --fingerprint SHA256_FINGERPRINT</pre>\n"
     << "<p>Pin the publisher's key (the fingerprint they publish) to check authorship; without a pinned key the "
        "verifier checks only integrity, not who signed. Changing a single byte makes verification fail.";
  if (!meta.chain_head.empty())
    os << " The daemon's hash chain over its per-minute records ended at <code>" << xml_escape(meta.chain_head)
       << "</code> when this report was made.";
  os << "</p>\n<p class=\"muted\">Made with netvigil " << xml_escape(meta.software_version)
     << " \u2014 open measurement from one vantage point. Not affiliated with NetBlocks or any other "
        "observatory.</p>\n</body>\n</html>\n";
}

}  // namespace netvigil
