// The drawing primitives of a chart: computed once by the layout, rendered by SVG and cairo.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/event.hpp"

namespace netvigil {

/// Colours are "#rrggbb"; opacity separately.
struct ChartRect {
  double x = 0, y = 0, w = 0, h = 0;
  std::string fill = "#ffffff";
  double opacity = 1;
  std::string stroke;  ///< "" for none
  double stroke_width = 0;
};

struct ChartLine {
  std::vector<std::pair<double, double>> points;
  std::string stroke = "#000000";
  double width = 1;
  double opacity = 1;
  bool dashed = false;
};

/// A filled polygon (the min–max band of a series).
struct ChartArea {
  std::vector<std::pair<double, double>> points;
  std::string fill = "#000000";
  double opacity = 0.2;
};

enum class TextAnchor { start, middle, end };

/// One line of text; y is the baseline.
struct ChartText {
  double x = 0, y = 0;
  std::string text;  ///< UTF-8
  double size = 12;
  bool bold = false;
  TextAnchor anchor = TextAnchor::start;
  std::string color = "#222222";
};

using ChartItem = std::variant<ChartRect, ChartLine, ChartArea, ChartText>;

/// Clock trust during one event window.
struct EventClockTrust {
  std::uint64_t samples = 0;
  std::uint64_t unsynced = 0;
  std::int64_t max_error_us = 0;
};

/// What the layout computed: the items in drawing order, plus the facts the HTML report reuses.
struct ChartModel {
  int width = 1200;
  int height = 675;
  std::string title;                ///< also the SVG <title>
  std::vector<ChartItem> items;     ///< in drawing order
  std::vector<Event> events;        ///< events overlapping the range, by start
  std::vector<EventClockTrust> event_clock;  ///< parallel to `events`
  EventClockTrust clock;            ///< over the whole range
  std::string clock_summary;        ///< one sentence, also in the footer
  std::uint64_t timeline_rows = 0;
};

}  // namespace netvigil
