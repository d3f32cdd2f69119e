// Terminal drawing of a Timeline: glyph rows, UTC axis, legend.
#include "detect/timeline_render.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <vector>

namespace netvigil {
namespace {

constexpr std::size_t kCellKinds = static_cast<std::size_t>(TimelineCell::full_blackout) + 1;

// Severity when several steps share a column: the worst is drawn so short events stay visible.
int severity(TimelineCell c) {
  switch (c) {
    case TimelineCell::gap: return 0;
    case TimelineCell::normal: return 1;
    case TimelineCell::warming_up: return 2;
    case TimelineCell::local_outage: return 3;
    case TimelineCell::degraded: return 4;
    case TimelineCell::throttled: return 5;
    case TimelineCell::down: return 7;
    case TimelineCell::intl_blackout: return 8;
    case TimelineCell::full_blackout: return 9;
    default: return 6;  // blocked_*
  }
}

std::string_view ansi(TimelineCell c) {
  switch (c) {
    case TimelineCell::gap: return "";
    case TimelineCell::normal: return "\x1b[32m";
    case TimelineCell::warming_up: return "\x1b[34m";
    case TimelineCell::local_outage: return "\x1b[90m";
    case TimelineCell::degraded: return "\x1b[33m";
    case TimelineCell::throttled: return "\x1b[36m";
    case TimelineCell::intl_blackout: return "\x1b[35m";
    case TimelineCell::down:
    case TimelineCell::full_blackout: return "\x1b[31m";
    default: return "\x1b[91m";
  }
}

std::string format_utc(std::int64_t t, const char* fmt) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

std::string duration_text(std::int64_t s) {
  if (s % 86400 == 0) return std::to_string(s / 86400) + " d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + " h";
  if (s % 60 == 0) return std::to_string(s / 60) + " min";
  return std::to_string(s) + " s";
}

}  // namespace

std::string_view timeline_glyph(TimelineCell c) noexcept {
  switch (c) {
    case TimelineCell::gap: return " ";
    case TimelineCell::normal: return "█";
    case TimelineCell::warming_up: return "·";
    case TimelineCell::local_outage: return "░";
    case TimelineCell::degraded: return "▒";
    case TimelineCell::throttled: return "▁";
    case TimelineCell::blocked_dns: return "D";
    case TimelineCell::blocked_tcp_ip: return "T";
    case TimelineCell::blocked_tls: return "S";
    case TimelineCell::blocked_http_blockpage: return "B";
    case TimelineCell::blocked_http_failure: return "H";
    case TimelineCell::down: return "✕";
    case TimelineCell::intl_blackout: return "✕";
    case TimelineCell::full_blackout: return "✖";
  }
  return "?";
}

std::string_view timeline_name(TimelineCell c) noexcept {
  switch (c) {
    case TimelineCell::gap: return "no data";
    case TimelineCell::normal: return "normal";
    case TimelineCell::warming_up: return "warming up";
    case TimelineCell::local_outage: return "own link down (gap)";
    case TimelineCell::degraded: return "degraded <80%";
    case TimelineCell::throttled: return "throttled";
    case TimelineCell::blocked_dns: return "blocked: dns";
    case TimelineCell::blocked_tcp_ip: return "blocked: tcp_ip";
    case TimelineCell::blocked_tls: return "blocked: tls";
    case TimelineCell::blocked_http_blockpage: return "blocked: http_blockpage";
    case TimelineCell::blocked_http_failure: return "blocked: http_failure";
    case TimelineCell::down: return "group <50%";
    case TimelineCell::intl_blackout: return "international blackout";
    case TimelineCell::full_blackout: return "full blackout";
  }
  return "?";
}

std::string render_timeline(const Timeline& tl, const TimelineStyle& style) {
  std::size_t steps = 0;
  std::size_t label_w = 5;
  for (const auto& r : tl.rows) {
    steps = std::max(steps, r.cells.size());
    label_w = std::max(label_w, std::min<std::size_t>(24, r.label.size()));
  }
  const std::int64_t step_s = std::max<std::int64_t>(1, tl.step_s);
  const std::size_t avail = static_cast<std::size_t>(
      std::max<std::int64_t>(10, style.width - static_cast<std::int64_t>(label_w) - 1));
  // A column is the shortest "round" duration that fits the range, so ticks fall on columns.
  static constexpr std::array<std::int64_t, 22> kColumns{
      1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600,
      43200, 86400, 172800, 604800};
  const std::size_t needed = steps == 0 ? 1 : (steps + avail - 1) / avail;
  std::size_t per_col = needed;
  for (std::int64_t d : kColumns) {
    if (d % step_s == 0 && static_cast<std::size_t>(d / step_s) >= needed) {
      per_col = static_cast<std::size_t>(d / step_s);
      break;
    }
  }
  const std::size_t cols = steps == 0 ? 0 : (steps + per_col - 1) / per_col;
  const std::int64_t col_s = static_cast<std::int64_t>(per_col) * step_s;
  const std::int64_t to = tl.from + static_cast<std::int64_t>(steps) * step_s;

  std::string out = "netvigil timeline  " + format_utc(tl.from, "%Y-%m-%d %H:%M") + " to " +
                    format_utc(to, "%Y-%m-%d %H:%M") + " UTC  (1 column = " +
                    duration_text(col_s) + ")\n";
  std::array<bool, kCellKinds> used{};
  used[static_cast<std::size_t>(TimelineCell::normal)] = true;
  const std::string pad(label_w + 1, ' ');

  for (const auto& r : tl.rows) {
    std::string label = r.label.substr(0, label_w);
    label.resize(label_w, ' ');
    out += label + ' ';
    std::string_view open_color;
    for (std::size_t c = 0; c < cols; ++c) {
      TimelineCell worst = TimelineCell::gap;
      for (std::size_t s = c * per_col; s < std::min(steps, (c + 1) * per_col); ++s)
        if (s < r.cells.size() && severity(r.cells[s]) > severity(worst)) worst = r.cells[s];
      used[static_cast<std::size_t>(worst)] = true;
      if (style.color && ansi(worst) != open_color) {
        out += open_color.empty() ? "" : "\x1b[0m";
        out += ansi(worst);
        open_color = ansi(worst);
      }
      out += timeline_glyph(worst);
    }
    if (!open_color.empty()) out += "\x1b[0m";
    out += '\n';
  }

  // Axis: the smallest tick interval whose labels (5 characters) do not touch.
  static constexpr std::array<std::int64_t, 15> kTicks{
      60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
      1209600, 2592000};
  std::int64_t tick = kTicks.back();
  for (std::int64_t t : kTicks)
    if (t >= col_s && t / col_s >= 7) {
      tick = t;
      break;
    }
  std::vector<std::string> axis_glyphs(cols, "─");
  std::string labels(cols + 8, ' ');
  std::size_t next_free = 0;
  for (std::int64_t t = (tl.from + tick - 1) / tick * tick; t < to; t += tick) {
    const auto c = static_cast<std::size_t>((t - tl.from) / col_s);
    if (c >= cols) break;
    axis_glyphs[c] = "┬";
    const bool midnight = t % 86400 == 0;
    const std::string text = format_utc(t, (midnight || tick >= 86400) ? "%m-%d" : "%H:%M");
    if (c >= next_free && c + text.size() <= labels.size()) {
      labels.replace(c, text.size(), text);
      next_free = c + text.size() + 1;
    }
  }
  out += pad;
  for (const auto& g : axis_glyphs) out += g;
  out += '\n';
  while (!labels.empty() && labels.back() == ' ') labels.pop_back();
  out += pad + labels + "  UTC\n";

  std::string legend;
  for (std::size_t i = 0; i < kCellKinds; ++i) {
    if (!used[i]) continue;
    const auto c = static_cast<TimelineCell>(i);
    if (!legend.empty()) legend += "  ";
    if (style.color && !ansi(c).empty()) {
      legend += std::string(ansi(c)) + std::string(timeline_glyph(c)) + "\x1b[0m";
    } else {
      legend += c == TimelineCell::gap ? "' '" : std::string(timeline_glyph(c));
    }
    legend += ' ';
    legend += timeline_name(c);
  }
  out += legend + '\n';
  return out;
}

}  // namespace netvigil
