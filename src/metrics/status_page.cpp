// Rendering the status page: HTML tables and a hand-drawn SVG timeline, no JavaScript.
#include "metrics/status_page.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace netvigil {
namespace {

constexpr double kWidth = 960, kHeight = 300;
constexpr double kLeft = 56, kRight = 944, kTop = 20, kBottom = 250;
constexpr std::int64_t kSpan = 24 * 3600;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string utc(std::int64_t t, const char* f) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, f, &tm);
  return buf;
}

std::string index_text(double v) { return std::isnan(v) ? "no data" : fmt("%.0f %%", v); }

std::string_view state_colour(std::string_view state) {
  if (state == "normal") return "#2e7d32";
  if (state == "degraded") return "#f9a825";
  if (state == "intl_blackout") return "#ef6c00";
  if (state == "full_blackout") return "#c62828";
  if (state == "local_outage") return "#6a1b9a";
  return "#757575";
}

std::string_view event_colour(std::string_view type) {
  if (type == "full_blackout") return "#c62828";
  if (type == "intl_blackout") return "#ef6c00";
  if (type == "local_outage") return "#6a1b9a";
  return "#f9a825";
}

std::int64_t end_of(const StatusSnapshot& s) {
  std::int64_t end = s.generated_at;
  if (!s.series.empty()) end = std::max(end, s.series.back().t);
  return end;
}

double x_of(std::int64_t t, std::int64_t from) {
  const double f = static_cast<double>(t - from) / static_cast<double>(kSpan);
  return kLeft + std::clamp(f, 0.0, 1.0) * (kRight - kLeft);
}

double y_of(double v) {
  return kBottom - std::clamp(v, 0.0, 100.0) / 100.0 * (kBottom - kTop);
}

// One <polyline> per run of points with data, so a gap stays a gap (no data ≠ zero).
std::string lines(const StatusSnapshot& s, std::int64_t from, double StatusPoint::*field,
                  std::string_view colour, std::string_view width) {
  std::string out, pts;
  auto flush = [&] {
    if (!pts.empty())
      out += "<polyline fill=\"none\" stroke=\"" + std::string(colour) +
             "\" stroke-width=\"" + std::string(width) + "\" points=\"" + pts + "\"/>\n";
    pts.clear();
  };
  for (const auto& p : s.series) {
    const double v = p.*field;
    if (p.t < from || std::isnan(v)) {
      flush();
      continue;
    }
    pts += fmt("%.1f", x_of(p.t, from)) + "," + fmt("%.1f", y_of(v)) + " ";
  }
  flush();
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_timeline_svg(const StatusSnapshot& s) {
  const std::int64_t end = end_of(s);
  const std::int64_t from = end - kSpan;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", kWidth) +
                    "\" height=\"" + fmt("%.0f", kHeight) + "\" viewBox=\"0 0 " +
                    fmt("%.0f", kWidth) + " " + fmt("%.0f", kHeight) +
                    "\" role=\"img\" aria-label=\"Connectivity, last 24 hours (UTC)\" "
                    "font-family=\"sans-serif\" font-size=\"12\">\n"
                    "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  for (const auto& e : s.events) {
    const std::int64_t stop = e.end.value_or(end);
    if (stop < from) continue;
    const double x0 = x_of(e.start, from), x1 = x_of(stop, from);
    svg += "<rect class=\"event\" x=\"" + fmt("%.1f", x0) + "\" y=\"" + fmt("%.0f", kTop) +
           "\" width=\"" + fmt("%.1f", std::max(1.0, x1 - x0)) + "\" height=\"" +
           fmt("%.0f", kBottom - kTop) + "\" fill=\"" + std::string(event_colour(e.type)) +
           "\" fill-opacity=\"0.18\"><title>" + html_escape(e.type) + " " +
           html_escape(e.scope) + "</title></rect>\n";
  }
  for (int pct = 0; pct <= 100; pct += 25) {
    const double y = y_of(pct);
    svg += "<line x1=\"" + fmt("%.0f", kLeft) + "\" x2=\"" + fmt("%.0f", kRight) + "\" y1=\"" +
           fmt("%.1f", y) + "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\"#dddddd\"/>\n";
    svg += "<text x=\"" + fmt("%.0f", kLeft - 6) + "\" y=\"" + fmt("%.1f", y + 4) +
           "\" text-anchor=\"end\">" + std::to_string(pct) + "%</text>\n";
  }
  // Hour ticks every 3 h, aligned to UTC hours.
  for (std::int64_t t = (from / 10800 + 1) * 10800; t <= end; t += 10800) {
    const double x = x_of(t, from);
    svg += "<line x1=\"" + fmt("%.1f", x) + "\" x2=\"" + fmt("%.1f", x) + "\" y1=\"" +
           fmt("%.0f", kTop) + "\" y2=\"" + fmt("%.0f", kBottom + 4) +
           "\" stroke=\"#eeeeee\"/>\n<text x=\"" + fmt("%.1f", x) + "\" y=\"" +
           fmt("%.0f", kBottom + 18) + "\" text-anchor=\"middle\">" + utc(t, "%H:%M") +
           "</text>\n";
  }
  // The export chart's colours (orange is the intl_blackout shading here); domestic wide
  // underneath, international narrow on top, so equal levels do not hide one series.
  svg += lines(s, from, &StatusPoint::domestic, "#1971c2", "4.5");
  svg += lines(s, from, &StatusPoint::intl, "#c2255c", "2");
  svg += "<text x=\"" + fmt("%.0f", kLeft) + "\" y=\"" + fmt("%.0f", kHeight - 8) +
         "\" fill=\"#c2255c\">&#9632; international</text>\n<text x=\"" +
         fmt("%.0f", kLeft + 120) + "\" y=\"" + fmt("%.0f", kHeight - 8) +
         "\" fill=\"#1971c2\">&#9632; domestic</text>\n<text x=\"" + fmt("%.0f", kRight) +
         "\" y=\"" + fmt("%.0f", kHeight - 8) +
         "\" text-anchor=\"end\" fill=\"#555555\">% of ordinary levels · time in UTC · "
         "gaps = no data</text>\n</svg>\n";
  return svg;
}

std::string render_status_page(const StatusSnapshot& s) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"60\">"
      "<title>netvigil status</title><style>"
      "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1000px}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
      "text-align:left}.state{display:inline-block;padding:4px 12px;color:#fff;"
      "border-radius:4px;font-weight:bold}.big{font-size:1.6em;font-weight:bold}"
      "</style></head><body>\n<h1>netvigil</h1>\n";
  h += "<p>Vantage <b>" + html_escape(s.vantage.id) + "</b>";
  if (!s.vantage.country.empty()) h += " · " + html_escape(s.vantage.country);
  if (!s.vantage.asn.empty()) h += " · " + html_escape(s.vantage.asn);
  if (!s.vantage.network_type.empty()) h += " · " + html_escape(s.vantage.network_type);
  if (!s.version.empty()) h += " · netvigil " + html_escape(s.version);
  h += "</p>\n<p>State: <span class=\"state\" style=\"background:" +
       std::string(state_colour(s.state)) + "\">" + html_escape(s.state) + "</span>";
  if (s.generated_at > 0) h += " as of " + utc(s.generated_at, "%Y-%m-%dT%H:%M:%SZ");
  h += "</p>\n<table><tr><th>International index</th><th>Domestic index</th></tr><tr>"
       "<td class=\"big\">" +
       index_text(s.intl_index) + "</td><td class=\"big\">" + index_text(s.domestic_index) +
       "</td></tr></table>\n";
  h += "<h2>Last 24 hours (UTC)</h2>\n" + render_timeline_svg(s);
  h += "<h2>Events</h2>\n";
  if (s.events.empty()) {
    h += "<p>No events in the last 24 hours.</p>\n";
  } else {
    h += "<table><tr><th>type</th><th>scope</th><th>service</th><th>method</th>"
         "<th>start (UTC)</th><th>end (UTC)</th></tr>\n";
    for (const auto& e : s.events) {
      h += "<tr><td>" + html_escape(e.type) + "</td><td>" + html_escape(e.scope) + "</td><td>" +
           html_escape(e.service) + "</td><td>" +
           html_escape(e.method == Method::none ? "" : to_string(e.method)) + "</td><td>" +
           utc(e.start, "%Y-%m-%d %H:%M") + "</td><td>" +
           (e.end ? utc(*e.end, "%Y-%m-%d %H:%M") : std::string("<b>ongoing</b>")) +
           "</td></tr>\n";
    }
    h += "</table>\n";
  }
  h += "<p><a href=\"/metrics\">metrics</a> · <a href=\"/healthz\">health</a></p>\n"
       "</body></html>\n";
  return h;
}

}  // namespace netvigil
