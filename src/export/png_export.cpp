// PNG rendering of the chart primitives with cairo's image surface. libcairo is loaded on
// first use (dlopen), not linked: it brings pixman, fontconfig, freetype, libpng and the X11
// client libraries (~1.7 MB of resident pages) that the daemon and every other command never
// need.
#include "export/png_export.hpp"

#include <cairo.h>
#include <dlfcn.h>

#include <memory>
#include <type_traits>

namespace netvigil {

namespace {

// clang-format off
#define NV_CAIRO_FUNCTIONS(X)                                                        \
  X(image_surface_create) X(surface_status) X(status_to_string) X(create)            \
  X(destroy) X(surface_destroy) X(set_source_rgba) X(move_to) X(line_to)             \
  X(rectangle) X(fill) X(fill_preserve) X(set_line_width) X(stroke) X(set_line_join) \
  X(set_dash) X(close_path) X(select_font_face) X(set_font_size) X(text_extents)     \
  X(show_text) X(surface_flush) X(surface_write_to_png_stream)
// clang-format on

// The cairo functions this file calls, resolved from libcairo.so.2 once.
struct Cairo {
#define NV_CAIRO_MEMBER(name) decltype(&::cairo_##name) name = nullptr;
  NV_CAIRO_FUNCTIONS(NV_CAIRO_MEMBER)
#undef NV_CAIRO_MEMBER
  std::string error;  ///< "" when every function was found
};

Cairo load_cairo() {
  Cairo c;
  void* lib = dlopen("libcairo.so.2", RTLD_NOW | RTLD_LOCAL);  // kept loaded for the process
  if (!lib) {
    const char* e = dlerror();
    c.error = std::string("PNG export needs libcairo.so.2 (Debian package libcairo2): ") +
              (e ? e : "not found");
    return c;
  }
#define NV_CAIRO_LOAD(name)                                                \
  c.name = reinterpret_cast<decltype(c.name)>(dlsym(lib, "cairo_" #name)); \
  if (!c.name && c.error.empty()) c.error = "libcairo.so.2 has no cairo_" #name;
  NV_CAIRO_FUNCTIONS(NV_CAIRO_LOAD)
#undef NV_CAIRO_LOAD
  return c;
}

const Cairo& cairo() {
  static const Cairo c = load_cairo();
  return c;
}

struct SurfaceFree {
  void operator()(cairo_surface_t* s) const noexcept { cairo().surface_destroy(s); }
};
struct CairoFree {
  void operator()(cairo_t* c) const noexcept { cairo().destroy(c); }
};

void set_color(const Cairo& c, cairo_t* cr, const std::string& hex, double alpha) {
  unsigned v = 0;
  if (hex.size() == 7) v = static_cast<unsigned>(std::stoul(hex.substr(1), nullptr, 16));
  c.set_source_rgba(cr, ((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0,
                    alpha);
}

void path(const Cairo& c, cairo_t* cr, const std::vector<std::pair<double, double>>& pts) {
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (i == 0)
      c.move_to(cr, pts[i].first, pts[i].second);
    else
      c.line_to(cr, pts[i].first, pts[i].second);
  }
}

// cairo's write callback: must not throw across the C frame.
cairo_status_t write_to_stream(void* closure, const unsigned char* data,
                               unsigned int length) noexcept {
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
  const Cairo& c = cairo();
  if (!c.error.empty()) return c.error;
  std::unique_ptr<cairo_surface_t, SurfaceFree> surface(
      c.image_surface_create(CAIRO_FORMAT_ARGB32, chart.width, chart.height));
  if (c.surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return c.status_to_string(c.surface_status(surface.get()));
  std::unique_ptr<cairo_t, CairoFree> ctx(c.create(surface.get()));
  cairo_t* cr = ctx.get();
  for (const auto& item : chart.items) {
    std::visit(
        [&c, cr](const auto& it) {
          using T = std::decay_t<decltype(it)>;
          if constexpr (std::is_same_v<T, ChartRect>) {
            c.rectangle(cr, it.x, it.y, it.w, it.h);
            set_color(c, cr, it.fill, it.opacity);
            if (it.stroke.empty()) {
              c.fill(cr);
            } else {
              c.fill_preserve(cr);
              set_color(c, cr, it.stroke, 1);
              c.set_line_width(cr, it.stroke_width);
              c.stroke(cr);
            }
          } else if constexpr (std::is_same_v<T, ChartLine>) {
            path(c, cr, it.points);
            set_color(c, cr, it.stroke, it.opacity);
            c.set_line_width(cr, it.width);
            c.set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
            const double dash[] = {4, 3};
            c.set_dash(cr, dash, it.dashed ? 2 : 0, 0);
            c.stroke(cr);
            c.set_dash(cr, nullptr, 0, 0);
          } else if constexpr (std::is_same_v<T, ChartArea>) {
            path(c, cr, it.points);
            c.close_path(cr);
            set_color(c, cr, it.fill, it.opacity);
            c.fill(cr);
          } else {
            c.select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               it.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
            c.set_font_size(cr, it.size);
            cairo_text_extents_t ext;
            c.text_extents(cr, it.text.c_str(), &ext);
            double x = it.x;
            if (it.anchor == TextAnchor::middle)
              x -= ext.x_advance / 2;
            else if (it.anchor == TextAnchor::end)
              x -= ext.x_advance;
            set_color(c, cr, it.color, 1);
            c.move_to(cr, x, it.y);
            c.show_text(cr, it.text.c_str());
          }
        },
        item);
  }
  c.surface_flush(surface.get());
  cairo_status_t st = c.surface_write_to_png_stream(surface.get(), write_to_stream, &os);
  return st == CAIRO_STATUS_SUCCESS ? std::string() : std::string(c.status_to_string(st));
}

}  // namespace netvigil
