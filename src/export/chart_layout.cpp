// Chart layout: folds streamed rows into pixel bins and places every mark and label once.
#include "export/chart_layout.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "export/event_words.hpp"
#include "export/local_time.hpp"
#include "export/text_format.hpp"

namespace netvigil {

namespace {

constexpr const char* kIntlColor = "#c2255c";
constexpr const char* kDomColor = "#1971c2";
constexpr const char* kInk = "#212529";
constexpr const char* kMuted = "#5c636a";
constexpr const char* kGrid = "#dee2e6";
constexpr const char* kBrand = "#0b7285";
constexpr const char* kClockBad = "#e8590c";
constexpr double kDomWidth = 5.0;
constexpr double kIntlWidth = 2.2;

struct Bin {
  double sum = 0, sum_t = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::uint32_t n = 0;
};

struct Frame {
  double left, right, top, bottom;
  std::int64_t from, span;
  double x(double t) const { return left + (t - static_cast<double>(from)) / static_cast<double>(span) * (right - left); }
  double y(double pct) const { return bottom - std::clamp(pct, 0.0, 100.0) / 100.0 * (bottom - top); }
};

bool full_height(const std::string& type) { return type != "service_interference"; }

ChartText text(double x, double y, std::string s, double size, TextAnchor a = TextAnchor::start,
               const char* color = kInk, bool bold = false) {
  return ChartText{x, y, std::move(s), size, bold, a, color};
}

// Greedy word wrap by estimated width, at most `max_lines` (the last one ends in "…" if cut).
std::vector<std::string> wrap(const std::string& s, double size, double width, std::size_t max_lines) {
  std::vector<std::string> lines(1);
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    std::string word = s.substr(i, j - i);
    std::string candidate = lines.back().empty() ? word : lines.back() + " " + word;
    if (text_width_estimate(candidate, size) > width && !lines.back().empty()) {
      if (lines.size() == max_lines) {
        lines.back() += " \u2026";
        return lines;
      }
      lines.push_back(word);
    } else {
      lines.back() = candidate;
    }
    i = j + 1;
  }
  return lines;
}

std::int64_t tick_step(std::int64_t span) {
  static const std::int64_t kSteps[] = {60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
                                        86400, 172800, 604800, 1209600, 2592000, 7776000};
  for (std::int64_t s : kSteps)
    if (span / s <= 12) return s;
  return 31536000;
}

std::string two(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

// Fold one series into bins and emit band (if pixels hold several rows) and line segments.
void draw_series(ChartModel& m, const Frame& f, const std::vector<Bin>& bins, std::int64_t step_s,
                 const char* color, double width) {
  std::vector<std::vector<std::size_t>> segments;
  std::size_t last = std::numeric_limits<std::size_t>::max();
  double last_t = 0;
  for (std::size_t i = 0; i < bins.size(); ++i) {
    if (bins[i].n == 0) continue;
    double t = bins[i].sum_t / bins[i].n;
    bool gap = last == std::numeric_limits<std::size_t>::max() ||
               (i - last > 1 && t - last_t > 2.5 * static_cast<double>(step_s));
    if (gap) segments.emplace_back();
    segments.back().push_back(i);
    last = i;
    last_t = t;
  }
  auto px = [&](std::size_t i) { return f.x(bins[i].sum_t / bins[i].n + static_cast<double>(step_s) / 2); };
  for (const auto& seg : segments) {
    bool band = std::any_of(seg.begin(), seg.end(), [&](std::size_t i) { return bins[i].n > 1 && bins[i].max > bins[i].min; });
    if (band && seg.size() > 1) {
      ChartArea a;
      a.fill = color;
      a.opacity = 0.18;
      for (std::size_t i : seg) a.points.emplace_back(px(i), f.y(bins[i].max));
      for (auto it = seg.rbegin(); it != seg.rend(); ++it) a.points.emplace_back(px(*it), f.y(bins[*it].min));
      m.items.push_back(std::move(a));
    }
    ChartLine l;
    l.stroke = color;
    l.width = width;
    for (std::size_t i : seg) l.points.emplace_back(px(i), f.y(bins[i].sum / bins[i].n));
    if (l.points.size() == 1) {  // a lone point: draw a short tick so it is visible
      auto p = l.points[0];
      l.points = {{p.first - 1.5, p.second}, {p.first + 1.5, p.second}};
    }
    m.items.push_back(std::move(l));
  }
}

std::string clock_sentence(const EventClockTrust& c) {
  std::string err = fixed_number(static_cast<double>(c.max_error_us) / 1000.0, 1) + " ms";
  if (c.samples == 0) return "Clock trust: not recorded for this range.";
  if (c.unsynced == 0) return "Clock synchronised throughout (max error " + err + ").";
  return "Clock UNSYNCHRONISED in " + std::to_string(c.unsynced) + " of " + std::to_string(c.samples) +
         " sweeps (max error " + err + "): times may be off by that much.";
}

}  // namespace

double text_width_estimate(const std::string& s, double size) {
  std::size_t cps = 0;
  for (unsigned char c : s) cps += (c & 0xC0) != 0x80;
  return static_cast<double>(cps) * size * 0.6;
}

ChartModel layout_chart(const ExportMeta& meta, const Source<TimelineRow>& timeline,
                        const Source<Event>& events, const Source<ClockTrustRow>& clock,
                        Progress* progress, int width, int height) {
  ChartModel m;
  m.width = width;
  m.height = height;
  const double W = width, H = height;
  const std::int64_t span = std::max<std::int64_t>(meta.to - meta.from, std::max<std::int64_t>(meta.step_s, 1));
  const std::int64_t step_s = std::max<std::int64_t>(meta.step_s, 1);
  Frame f{92, W - 30, 108, H - 190, meta.from, span};
  const std::size_t nbins = static_cast<std::size_t>(std::max(1.0, f.right - f.left));
  auto bin_of = [&](std::int64_t t) {
    double b = static_cast<double>(t - meta.from) / static_cast<double>(span) * static_cast<double>(nbins);
    return static_cast<std::size_t>(std::clamp(b, 0.0, static_cast<double>(nbins - 1)));
  };
  auto in_range = [&](std::int64_t a, std::int64_t b) { return b > meta.from && a < meta.from + span; };

  // Events (few): those overlapping the range, by start.
  Event ev;
  while (events(ev))
    if (in_range(ev.start, ev.end.value_or(meta.from + span))) m.events.push_back(ev);
  std::sort(m.events.begin(), m.events.end(), [](const Event& a, const Event& b) { return a.start < b.start; });
  m.event_clock.resize(m.events.size());

  // Clock trust: per pixel (unsynced marks), per event, overall.
  std::vector<std::uint8_t> unsynced_bins(nbins, 0);
  ClockTrustRow c;
  while (clock(c)) {
    if (c.t < meta.from || c.t >= meta.from + span) continue;
    auto add = [&](EventClockTrust& e) {
      ++e.samples;
      if (!c.synced) ++e.unsynced;
      e.max_error_us = std::max(e.max_error_us, c.max_error_us);
    };
    add(m.clock);
    if (!c.synced) unsynced_bins[bin_of(c.t)] = 1;
    for (std::size_t i = 0; i < m.events.size(); ++i)
      if (c.t >= m.events[i].start && c.t < m.events[i].end.value_or(meta.from + span)) add(m.event_clock[i]);
  }
  m.clock_summary = clock_sentence(m.clock);

  // Timeline: international and domestic index folded into pixel bins.
  std::vector<Bin> intl(nbins), dom(nbins);
  TimelineRow row;
  while (timeline(row)) {
    ++m.timeline_rows;
    if (progress) progress->tick();
    if (row.step_start < meta.from || row.step_start >= meta.from + span) continue;
    std::size_t b = bin_of(row.step_start);
    for (auto [name, bins] : {std::pair{"international", &intl}, std::pair{"domestic", &dom}}) {
      const GroupPoint* p = row.group(name);
      if (!p || !std::isfinite(p->index)) continue;
      Bin& x = (*bins)[b];
      double v = std::clamp(p->index, 0.0, 100.0);
      x.sum += v;
      x.sum_t += static_cast<double>(row.step_start);
      x.min = std::min(x.min, v);
      x.max = std::max(x.max, v);
      ++x.n;
    }
  }
  if (progress) progress->finish();

  // Title, brand mark, subtitle.
  const bool whole_days = meta.from % 86400 == 0 && span % 86400 == 0;
  const bool by_day = span >= 3 * 86400 || whole_days;
  std::string fmt = by_day ? "%Y-%m-%d" : "%Y-%m-%d %H:%M";
  std::string where = meta.vantage.id + (meta.vantage.country.empty() ? "" : ", " + meta.vantage.country);
  m.title = "netvigil \u00b7 network connectivity \u2013 " + where + ": " + utc_format(meta.from, fmt.c_str()) +
            " to " + utc_format(meta.from + span - (by_day ? 1 : 0), fmt.c_str()) + " UTC";
  m.items.push_back(ChartRect{0, 0, W, H, "#ffffff", 1, "", 0});
  m.items.push_back(ChartRect{0, 0, W, 6, kBrand, 1, "", 0});
  m.items.push_back(ChartRect{24, 22, 46, 28, kBrand, 1, "", 0});
  m.items.push_back(text(47, 42, "nv", 17, TextAnchor::middle, "#ffffff", true));
  double title_size = std::min(22.0, (W - 110) / (1.08 * text_width_estimate(m.title, 1)));
  m.items.push_back(text(82, 44, m.title, title_size, TextAnchor::start, kInk, true));
  std::string tz = zone_known(meta.vantage.timezone) ? meta.vantage.timezone : "UTC";
  LocalTime lt0 = local_time(tz, meta.from);
  m.items.push_back(text(82, 70,
                         "International and domestic connectivity as % of ordinary levels, measured from "
                         "inside the network. Lower axis: local time (" + tz + ", " +
                             utc_offset_label(lt0.offset_s) + ").",
                         13, TextAnchor::start, kMuted));

  // Plot area and event shading.
  m.items.push_back(ChartRect{f.left, f.top, f.right - f.left, f.bottom - f.top, "#fcfcfd", 1, kGrid, 1});
  for (const auto& e : m.events) {
    if (!full_height(e.type)) continue;
    double x0 = f.x(static_cast<double>(std::max(e.start, meta.from)));
    double x1 = f.x(static_cast<double>(std::min(e.end.value_or(meta.from + span), meta.from + span)));
    m.items.push_back(ChartRect{x0, f.top, std::max(1.0, x1 - x0), f.bottom - f.top, event_color(e.type), 0.16, "", 0});
    for (double x : {x0, x1}) m.items.push_back(ChartLine{{{x, f.top}, {x, f.bottom}}, event_color(e.type), 1, 0.7, true});
  }
  for (int pct = 0; pct <= 100; pct += 20) {
    double y = f.y(pct);
    m.items.push_back(ChartLine{{{f.left, y}, {f.right, y}}, kGrid, 1, 1, pct != 0 && pct != 100});
    m.items.push_back(text(f.left - 8, y + 4, std::to_string(pct) + " %", 12, TextAnchor::end, kMuted));
  }

  // Domestic wide underneath, international narrow on top: where both sit at the same level
  // (usually 100 %) both stay visible instead of one hiding the other.
  draw_series(m, f, dom, step_s, kDomColor, kDomWidth);
  draw_series(m, f, intl, step_s, kIntlColor, kIntlWidth);

  // Service interference: thin bars along the top of the plot, one lane per service.
  std::vector<std::string> lanes;
  for (const auto& e : m.events) {
    if (full_height(e.type)) continue;
    auto it = std::find(lanes.begin(), lanes.end(), e.service);
    std::size_t lane = static_cast<std::size_t>(it - lanes.begin());
    if (it == lanes.end()) lanes.push_back(e.service);
    if (lane >= 4) continue;
    double x0 = f.x(static_cast<double>(std::max(e.start, meta.from)));
    double x1 = f.x(static_cast<double>(std::min(e.end.value_or(meta.from + span), meta.from + span)));
    m.items.push_back(ChartRect{x0, f.top - 7 - 6 * static_cast<double>(lane), std::max(2.0, x1 - x0), 4,
                                event_color(e.type), 0.85, "", 0});
  }

  // Unsynchronised clock under the axis.
  for (std::size_t i = 0; i < nbins; ++i)
    if (unsynced_bins[i])
      m.items.push_back(ChartRect{f.left + static_cast<double>(i), f.bottom + 2, 1.5, 5, kClockBad, 1, "", 0});

  // Axes: UTC ticks with dates, local time below.
  m.items.push_back(ChartLine{{{f.left, f.bottom}, {f.right, f.bottom}}, kMuted, 1, 1, false});
  const std::int64_t ts = tick_step(span);
  std::string last_date;
  m.items.push_back(text(f.left - 8, f.bottom + 22, "UTC", 12, TextAnchor::end, kInk, true));
  m.items.push_back(text(f.left - 8, f.bottom + 58, utc_offset_label(lt0.offset_s), 11, TextAnchor::end, kMuted, true));
  for (std::int64_t t = (meta.from + ts - 1) / ts * ts; t <= meta.from + span; t += ts) {
    double x = f.x(static_cast<double>(t));
    m.items.push_back(ChartLine{{{x, f.bottom}, {x, f.bottom + 6}}, kMuted, 1, 1, false});
    if (x - f.left > 6 && f.right - x > 6)
      m.items.push_back(ChartLine{{{x, f.top}, {x, f.bottom}}, kGrid, 0.6, 0.7, true});
    std::string main = ts < 86400 ? utc_format(t, "%H:%M") : utc_format(t, "%d %b");
    std::string date = ts < 86400 ? utc_format(t, "%d %b %Y") : utc_format(t, "%Y");
    // Labels at the ends are anchored inwards so they neither clip nor hit the axis captions.
    TextAnchor a = x - f.left < 30 ? TextAnchor::start : f.right - x < 40 ? TextAnchor::end : TextAnchor::middle;
    double lx = a == TextAnchor::start ? x - 2 : a == TextAnchor::end ? x + 2 : x;
    m.items.push_back(text(lx, f.bottom + 22, main, 12, a, kInk));
    if (date != last_date) {
      m.items.push_back(text(lx, f.bottom + 38, date, 11, a, kMuted));
      last_date = date;
    }
    LocalTime lt = local_time(tz, t);
    m.items.push_back(text(lx, f.bottom + 58, two(lt.hour) + ":" + two(lt.minute), 11, a, kMuted));
  }

  // Event labels in up to three lanes, each on a white box so lines stay readable.
  std::vector<std::vector<std::pair<double, double>>> used(3);
  const double label_top = f.top + 0.28 * (f.bottom - f.top);
  for (const auto& e : m.events) {
    if (!full_height(e.type)) continue;
    std::vector<std::string> lines{event_type_label(e.type), event_span_utc(e.start, e.end),
                                   (e.end ? human_duration(*e.end - e.start) : std::string("ongoing")) +
                                       " \u00b7 min " + fixed_number(e.min_index, 1) + " %"};
    double w = 0;
    for (const auto& l : lines) w = std::max(w, text_width_estimate(l, 12));
    w += 10;
    double x0 = std::max(f.left + 2, f.x(static_cast<double>(std::max(e.start, meta.from))) + 3);
    if (x0 + w > f.right - 2) x0 = std::max(f.left + 2, f.right - 2 - w);
    for (std::size_t lane = 0; lane < used.size(); ++lane) {
      bool clash = std::any_of(used[lane].begin(), used[lane].end(),
                               [&](auto r) { return x0 < r.second + 4 && x0 + w > r.first - 4; });
      if (clash) continue;
      used[lane].emplace_back(x0, x0 + w);
      double y = label_top + 56 * static_cast<double>(lane);
      m.items.push_back(ChartRect{x0, y, w, 50, "#ffffff", 0.85, event_color(e.type), 1});
      for (std::size_t i = 0; i < lines.size(); ++i)
        m.items.push_back(text(x0 + 5, y + 15 + 15 * static_cast<double>(i), lines[i], 12, TextAnchor::start,
                               i == 0 ? kInk : kMuted, i == 0));
      break;
    }
  }
  bool any_data = std::any_of(intl.begin(), intl.end(), [](const Bin& b) { return b.n > 0; }) ||
                  std::any_of(dom.begin(), dom.end(), [](const Bin& b) { return b.n > 0; });
  if (!any_data)
    m.items.push_back(text((f.left + f.right) / 2, (f.top + f.bottom) / 2, "no measurements in this range", 18,
                           TextAnchor::middle, kMuted, true));

  // Legend.
  double lx = f.left, ly = f.bottom + 84;
  auto room = [&](const std::string& label) {
    if (lx + 40 + text_width_estimate(label, 12) > f.right) {
      lx = f.left;
      ly += 20;
    }
  };
  auto legend_line = [&](const char* color, const std::string& label, double line_width) {
    room(label);
    m.items.push_back(ChartLine{{{lx, ly - 4}, {lx + 22, ly - 4}}, color, line_width, 1, false});
    m.items.push_back(text(lx + 28, ly, label, 12));
    lx += 40 + text_width_estimate(label, 12);
  };
  auto legend_box = [&](const std::string& color, double opacity, const std::string& label) {
    room(label);
    m.items.push_back(ChartRect{lx, ly - 11, 18, 12, color, opacity, color, 1});
    m.items.push_back(text(lx + 24, ly, label, 12));
    lx += 36 + text_width_estimate(label, 12);
  };
  legend_line(kIntlColor, "International index", kIntlWidth);
  legend_line(kDomColor, "Domestic index", kDomWidth);
  std::vector<std::string> types;
  for (const auto& e : m.events)
    if (std::find(types.begin(), types.end(), e.type) == types.end()) types.push_back(e.type);
  for (const auto& t : types) legend_box(event_color(t), full_height(t) ? 0.3 : 0.85, event_type_label(t));
  if (m.clock.unsynced > 0) legend_box(kClockBad, 1, "Clock unsynchronised");

  // Footer: formula, vantage and method, clock trust; brand line.
  std::string formula = meta.baseline_definition.empty()
                            ? "Index = 100 \u00d7 success ratio \u00f7 baseline, capped at 100 %."
                            : "Baseline and index: " + meta.baseline_definition;
  std::string vantage = "Vantage " + meta.vantage.id;
  std::string labels;
  for (const auto& s : {meta.vantage.country, meta.vantage.asn, meta.vantage.network_type})
    if (!s.empty()) labels += (labels.empty() ? "" : ", ") + s;
  if (!labels.empty()) vantage += " (" + labels + ")";
  vantage += " \u00b7 method " + (meta.method_version.empty() ? std::string("unknown") : meta.method_version) +
             " \u00b7 netvigil " + meta.software_version + " \u00b7 " + m.clock_summary;
  double fy = ly + 26;
  for (const auto& l : wrap(formula, 11.5, W - 60, 2)) {
    m.items.push_back(text(30, fy, l, 11.5, TextAnchor::start, kMuted));
    fy += 16;
  }
  for (const auto& l : wrap(vantage, 11.5, W - 60, 2)) {
    m.items.push_back(text(30, fy, l, 11.5, TextAnchor::start, m.clock.unsynced ? kClockBad : kMuted));
    fy += 16;
  }
  m.items.push_back(text(W - 24, H - 10,
                         "netvigil \u2014 open measurement from one vantage point; method and data published with this chart",
                         11, TextAnchor::end, kBrand, true));
  return m;
}

}  // namespace netvigil
