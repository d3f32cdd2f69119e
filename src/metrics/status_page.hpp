// The status page at `/`: an immutable snapshot published by the loop, rendered as HTML+SVG.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/event.hpp"

namespace netvigil {

/// One detector step of the timeline; NaN = no data for that group at that step.
struct StatusPoint {
  std::int64_t t = 0;  ///< unix seconds (UTC)
  double intl = std::numeric_limits<double>::quiet_NaN();
  double domestic = std::numeric_limits<double>::quiet_NaN();
};

/// What the status page shows. Plain data: the loop builds it, the HTTP threads read it.
struct StatusSnapshot {
  std::int64_t generated_at = 0;  ///< unix seconds
  std::string state = "warming_up";
  double intl_index = std::numeric_limits<double>::quiet_NaN();
  double domestic_index = std::numeric_limits<double>::quiet_NaN();
  std::vector<Event> events;        ///< active ones (no end) and those of the last 24 h
  std::vector<StatusPoint> series;  ///< the last 24 h, increasing t
  Vantage vantage;                  ///< labels only (id, country, asn, network_type)
  std::string version;
};

/// The loop publishes a new immutable snapshot with set(); HTTP threads take it with get().
class SnapshotBox {
 public:
  void set(std::shared_ptr<const StatusSnapshot> s) {
    std::lock_guard lock(mutex_);
    current_ = std::move(s);
  }
  /// Never null: an empty warming-up snapshot until the first set().
  std::shared_ptr<const StatusSnapshot> get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const StatusSnapshot> current_ = std::make_shared<const StatusSnapshot>();
};

/// A complete HTML document (no JavaScript, no external resources): state, indexes,
/// events table and a 24 h inline SVG timeline on a UTC axis. Every text is escaped.
std::string render_status_page(const StatusSnapshot& s);

/// The 24 h timeline alone, as an <svg> element (gaps where there is no data, event
/// windows shaded).
std::string render_timeline_svg(const StatusSnapshot& s);

/// HTML-escape & < > " '.
std::string html_escape(std::string_view text);

}  // namespace netvigil
