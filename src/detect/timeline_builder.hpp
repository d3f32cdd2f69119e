// Per-step detector output collected into the rows of a terminal timeline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "detect/detector.hpp"

namespace netvigil {

/// What one step of one row shows (glyphs and colours: timeline_render.hpp).
enum class TimelineCell : std::uint8_t {
  gap,            ///< no data
  normal,
  warming_up,     ///< overall row: no baseline yet, nothing wrong by the absolute rules
  local_outage,   ///< own link down (a gap in what the network did)
  degraded,       ///< index < 80
  throttled,
  blocked_dns, blocked_tcp_ip, blocked_tls, blocked_http_blockpage, blocked_http_failure,
  down,           ///< a group at blackout level (index < 50)
  intl_blackout,
  full_blackout,
};

/// One row: a label and one cell per step, cells[i] for step `from + i × step_s`.
struct TimelineRow {
  std::string label;
  std::vector<TimelineCell> cells;
};

/// The rows of a time range.
struct Timeline {
  std::int64_t from = 0;  ///< unix s, start of the first step
  std::int64_t step_s = 60;
  std::vector<TimelineRow> rows;
};

/// Collects StepResults of [from, to) into rows: "state" (the overall state), then the groups
/// (international, domestic, isp, local), one row per service, and "throttling". Steps never
/// added (rebuild skips steps without rollups) are gaps.
class TimelineBuilder {
 public:
  TimelineBuilder(std::int64_t from, std::int64_t to, std::int64_t step_s);
  /// Adds one step; steps outside [from, to) are ignored.
  void add(const StepResult& result);
  /// The rows, in the order above; rows never seen are left out.
  Timeline timeline() const;

 private:
  std::vector<TimelineCell>& row(const std::string& label);

  std::int64_t from_;
  std::int64_t step_s_;
  std::size_t steps_;
  std::vector<TimelineRow> rows_;
};

}  // namespace netvigil
