// PNG rendering of the chart primitives with cairo's image surface.
#include "export/png_export.hpp"

#include <cairo.h>

#include <memory>
#include <type_traits>

namespace netvigil {

namespace {

struct SurfaceFree { void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); } };
struct CairoFree { void operator()(cairo_t* c) const noexcept { cairo_destroy(c); } };

void set_color(cairo_t* cr, const std::string& hex, double alpha) {
  unsigned v = 0;
  if (hex.size() == 7) v = static_cast<unsigned>(std::stoul(hex.substr(1), nullptr, 16));
  cairo_set_source_rgba(cr, ((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0, alpha);
}

void path(cairo_t* cr, const std::vector<std::pair<double, double>>& pts) {
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (i == 0) cairo_move_to(cr, pts[i].first, pts[i].second);
    else cairo_line_to(cr, pts[i].first, pts[i].second);
  }
}

// cairo's write callback: must not throw across the C frame.
cairo_status_t write_to_stream(void* closure, const unsigned char* data, unsigned int length) noexcept {
  auto* os = static_cast<std::ostream*>(closure);
  try {
    os->write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(length));
    return *os ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
  } catch (...) {
    return CAIRO_STATUS_WRITE_ERROR;
  }
}

}  // namespace

std::string write_png(const ChartModel& chart, std::ostream& os) {
  std::unique_ptr<cairo_surface_t, SurfaceFree> surface(
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, chart.width, chart.height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return cairo_status_to_string(cairo_surface_status(surface.get()));
  std::unique_ptr<cairo_t, CairoFree> ctx(cairo_create(surface.get()));
  cairo_t* cr = ctx.get();
  for (const auto& item : chart.items) {
    std::visit(
        [cr](const auto& it) {
          using T = std::decay_t<decltype(it)>;
          if constexpr (std::is_same_v<T, ChartRect>) {
            cairo_rectangle(cr, it.x, it.y, it.w, it.h);
            set_color(cr, it.fill, it.opacity);
            if (it.stroke.empty()) {
              cairo_fill(cr);
            } else {
              cairo_fill_preserve(cr);
              set_color(cr, it.stroke, 1);
              cairo_set_line_width(cr, it.stroke_width);
              cairo_stroke(cr);
            }
          } else if constexpr (std::is_same_v<T, ChartLine>) {
            path(cr, it.points);
            set_color(cr, it.stroke, it.opacity);
            cairo_set_line_width(cr, it.width);
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
            const double dash[] = {4, 3};
            cairo_set_dash(cr, dash, it.dashed ? 2 : 0, 0);
            cairo_stroke(cr);
            cairo_set_dash(cr, nullptr, 0, 0);
          } else if constexpr (std::is_same_v<T, ChartArea>) {
            path(cr, it.points);
            cairo_close_path(cr);
            set_color(cr, it.fill, it.opacity);
            cairo_fill(cr);
          } else {
            cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                   it.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
            cairo_set_font_size(cr, it.size);
            cairo_text_extents_t ext;
            cairo_text_extents(cr, it.text.c_str(), &ext);
            double x = it.x;
            if (it.anchor == TextAnchor::middle) x -= ext.x_advance / 2;
            else if (it.anchor == TextAnchor::end) x -= ext.x_advance;
            set_color(cr, it.color, 1);
            cairo_move_to(cr, x, it.y);
            cairo_show_text(cr, it.text.c_str());
          }
        },
        item);
  }
  cairo_surface_flush(surface.get());
  cairo_status_t st = cairo_surface_write_to_png_stream(surface.get(), write_to_stream, &os);
  return st == CAIRO_STATUS_SUCCESS ? std::string() : std::string(cairo_status_to_string(st));
}

}  // namespace netvigil
