// SVG rendering of the chart primitives.
#include "export/svg_export.hpp"

#include <type_traits>

#include "export/text_format.hpp"

namespace netvigil {

namespace {

std::string n(double v) { return fixed_number(v, 1); }

std::string points(const std::vector<std::pair<double, double>>& pts) {
  std::string s;
  for (const auto& [x, y] : pts) {
    if (!s.empty()) s += ' ';
    s += n(x) + "," + n(y);
  }
  return s;
}

}  // namespace

void write_svg(const ChartModel& chart, std::ostream& os, bool standalone) {
  if (standalone) os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // Inline SVG in HTML5 needs no namespace; leaving it out keeps the report free of any URL.
  os << "<svg" << (standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : "") << " version=\"1.1\" width=\"" << chart.width
     << "\" height=\"" << chart.height << "\" viewBox=\"0 0 " << chart.width << ' ' << chart.height
     << "\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" role=\"img\">\n<title>"
     << xml_escape(chart.title) << "</title>\n";
  for (const auto& item : chart.items) {
    std::visit(
        [&os](const auto& it) {
          using T = std::decay_t<decltype(it)>;
          if constexpr (std::is_same_v<T, ChartRect>) {
            os << "<rect x=\"" << n(it.x) << "\" y=\"" << n(it.y) << "\" width=\"" << n(it.w)
               << "\" height=\"" << n(it.h) << "\" fill=\"" << it.fill << "\"";
            if (it.opacity < 1) os << " fill-opacity=\"" << fixed_number(it.opacity, 2) << "\"";
            if (!it.stroke.empty())
              os << " stroke=\"" << it.stroke << "\" stroke-width=\"" << n(it.stroke_width) << "\"";
            os << "/>\n";
          } else if constexpr (std::is_same_v<T, ChartLine>) {
            os << "<polyline fill=\"none\" stroke=\"" << it.stroke << "\" stroke-width=\""
               << fixed_number(it.width, 2) << "\" stroke-linejoin=\"round\"";
            if (it.opacity < 1) os << " stroke-opacity=\"" << fixed_number(it.opacity, 2) << "\"";
            if (it.dashed) os << " stroke-dasharray=\"4 3\"";
            os << " points=\"" << points(it.points) << "\"/>\n";
          } else if constexpr (std::is_same_v<T, ChartArea>) {
            os << "<polygon stroke=\"none\" fill=\"" << it.fill << "\" fill-opacity=\""
               << fixed_number(it.opacity, 2) << "\" points=\"" << points(it.points) << "\"/>\n";
          } else {
            const char* anchor = it.anchor == TextAnchor::start    ? "start"
                                 : it.anchor == TextAnchor::middle ? "middle"
                                                                   : "end";
            os << "<text x=\"" << n(it.x) << "\" y=\"" << n(it.y) << "\" font-size=\""
               << fixed_number(it.size, 1) << "\" fill=\"" << it.color << "\" text-anchor=\"" << anchor
               << "\"" << (it.bold ? " font-weight=\"bold\"" : "") << ">" << xml_escape(it.text)
               << "</text>\n";
          }
        },
        item);
  }
  os << "</svg>\n";
}

}  // namespace netvigil
