// The detector: per-step rollups in, connectivity index, states and event windows out.
//
// Method "nv-detect-1" (copied into the README; docs/detection.md explains the choices).
//
// Inputs, per step (default 60 s) and scope (src/core/rollup.hpp): attempts and successes
// (complete transactions only), failures by interference method, throughput and RTT.
// Deterministic and pure: no clock, no network, no storage. The same rollups in the same
// order give the same states and events, live or rebuilt (rebuild() below).
//
// 1. Ratio r_g = successes / attempts per group (local, isp, domestic, international) and per
//    "service:<id>". A group has data in a step when attempts >= min_attempts (1).
// 2. Baseline b_g = median of the last baseline_window (7 days) of per-step ratios, with
//    IODA's inpainting: a ratio outside [0.8, 2] × b enters the history as b instead, so an
//    outage cannot drag b down. Warm-up: b is trusted once the window holds warmup (1 h) of
//    values; until then only the absolute rules below classify and the state says
//    `warming_up`. Ratios below 0.3 never enter the warm-up history (a fresh install in the
//    middle of a cut does not learn the cut as normal).
// 3. New normal: the raw ratios are kept beside the inpainted ones. When their median has
//    been outside the band for half a window (i.e. the new level has held for about a whole
//    window, as IODA's "after 7 days a new level is normal"), it becomes the baseline —
//    unless it is below 0.3 absolute or below 0.5 × the old baseline (blackout level): such
//    a level is NEVER accepted, so a 14-day cut still reads as a cut on day 14.
// 4. Index_g = 100 × r_g / b_g capped at 100; before the baseline is established it is
//    computed against a nominal baseline of 1.0 (every attempt succeeds).
// 5. Own link (gap rule, checked first): local index < 50, or local index < 80 while the isp
//    index < 50 (gateway dead) → `local_outage`. The network is not observed in such a step:
//    nothing is concluded about domestic or international (until the local_outage window has
//    closed: stale failures right after the link returns prove nothing), pending runs are
//    dropped, and no baseline learns from it. A local_outage window is a gap, never a shutdown.
// 6. Network state of a step (severity order normal < degraded < intl_blackout < full):
//    absolute rules (any time, no baseline needed):
//      international ratio < 0.10 and domestic ratio < 0.10 → full_blackout
//      international ratio < 0.10 and domestic ratio >= 0.50 (or no domestic data)
//                                                           → intl_blackout
//    relative rules (after warm-up):
//      international index < 50 and domestic index < 50      → full_blackout
//      international index < 50 (domestic >= 50 or no data)   → intl_blackout
//      either index < 80 (or domestic < 50 alone)             → degraded
//    Blackout level is < 50 and degraded < 80 (IODA's active-probing critical / warning).
//    5 % random loss moves a 20-attempt ratio to ~0.95: far from either threshold.
// 7. Hysteresis: a worse state is entered after enter_steps (2) consecutive worse steps and
//    dated to the FIRST of them (start uncertainty: one step); a better state after exit_steps
//    (3) consecutive better steps, the window ending at the first of them. So a cut is
//    flagged 2 steps after the first failing step and recovery 3 steps after the first good
//    one. A window is a maximal run of one state: intl → full closes the intl window and opens
//    a full one at the same step. Steps with no data for international nor domestic
//    (`no_data`, e.g. the daemon was off) neither advance nor break runs; windows stay open
//    across gaps (their end is the first recovered step seen after it).
// 8. Service interference, per "service:<id>": blocked when the verdict ratio <= 0.2 while the
//    network is ok (international index >= 80, no blackout window open, own link up). Method
//    = the method with most failures during the window (ties: the lower Method value). In a
//    step where the network is not ok the service's runs are dropped (a blackout explains
//    the failure; it is not service blocking) but an open service window stays open.
// 9. Throttling, from "throughput:international": throughput < 30 % of its baseline while the
//    connect RTT stays <= 3 × its baseline and the international index >= 50. Before the
//    throughput baseline is established: throughput < 200 kbit/s and (if the domestic
//    throughput is known) < 30 % of the domestic throughput. Same hysteresis.
// 10. Events (src/core/event.hpp): start = first failing step, end = first recovered step,
//    detected_at = end of the step that committed it, start_uncertainty_s = one step,
//    min/mean index over the window's observed steps, intl/domestic index at detection.
//    Natural key: (type, scope, start). STOP mapping: full/intl blackout → Shutdown / Full
//    network; service_interference → Shutdown / Service-based, services_affected = {id};
//    throttling → Throttle / Full network; degraded and local_outage → no shutdown_type.
//    Scopes: intl_blackout "international", full_blackout and degraded "network",
//    local_outage "local", services "service:<id>", throttling "throughput:international".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/event.hpp"
#include "core/rollup.hpp"
#include "detect/baseline.hpp"
#include "detect/event_window.hpp"
#include "detect/hysteresis.hpp"

namespace netvigil {

struct Config;

/// Every tunable of the detector; defaults are method nv-detect-1 (see the file comment).
struct DetectorParams {
  std::int64_t step_s = 60;
  std::int64_t baseline_window_steps = 7 * 24 * 60;
  std::int64_t warmup_steps = 60;
  std::uint32_t min_attempts = 1;  ///< attempts for a group's step to count as data
  double degraded_index = 80;
  double blackout_index = 50;
  double abs_cut_ratio = 0.10;     ///< absolute rule: ratio below = cut, no baseline needed
  double abs_up_ratio = 0.50;      ///< absolute rule: domestic ratio at least = up
  double local_down_index = 50;    ///< local below = own link down
  double local_weak_index = 80;    ///< local below while isp < isp_down_index = gateway dead
  double isp_down_index = 50;
  double inpaint_low = 0.8;
  double inpaint_high = 2.0;
  double new_normal_floor_ratio = 0.30;  ///< absolute floor for accepting a new level
  int enter_steps = 2;
  int exit_steps = 3;
  double service_blocked_ratio = 0.20;
  double service_network_ok_index = 80;
  double throttle_fraction = 0.30;
  double throttle_cap_bps = 200'000;
  double throttle_rtt_factor = 3.0;
  double throttle_network_ok_index = 50;
  std::string method_version = "nv-detect-1";
  std::string network_type;  ///< vantage label copied into events
};

/// Parameters from the loaded config (detector step, window and warm-up; vantage network type).
DetectorParams detector_params_from(const Config& config);

/// The overall state of one step, as reported.
enum class DetectorState : std::uint8_t {
  no_data, warming_up, normal, degraded, intl_blackout, full_blackout, local_outage
};
std::string_view to_string(DetectorState s) noexcept;

/// One scope at one step.
struct ScopeStatus {
  std::string scope;
  bool has_data = false;
  std::uint32_t attempts = 0;
  double ratio = 0;
  double baseline = 0;
  bool baseline_established = false;
  double index = 100;  ///< 100 × ratio / baseline (nominal 1.0 before warm-up), capped at 100
};

struct ServiceStatus {
  std::string service;  ///< the id (scope without "service:")
  bool has_data = false;
  bool blocked = false;  ///< an interference window is open
  Method method = Method::none;
  double index = 100;
};

struct ThrottleStatus {
  bool has_data = false;
  bool throttled = false;  ///< a throttling window is open
  std::int64_t throughput_bps = -1;
  double throughput_baseline_bps = 0;
  std::int32_t rtt_us = -1;
  double rtt_baseline_us = 0;
  double index = 100;
};

/// What one step produced.
struct StepResult {
  std::int64_t step_start = 0;
  DetectorState state = DetectorState::no_data;
  double intl_index = 100;
  double domestic_index = 100;
  std::vector<ScopeStatus> scopes;  ///< groups first (local, isp, domestic, international)
  std::vector<ServiceStatus> services;
  ThrottleStatus throttle;
  std::vector<Event> opened;   ///< windows committed at this step (end unset)
  std::vector<Event> updated;  ///< open windows whose figures changed at this step
  std::vector<Event> closed;   ///< windows that ended at this step (end set)
};

/// Turns per-step rollups into states and event windows. Not thread-safe; copyable (a copy
/// continues independently).
class Detector {
 public:
  explicit Detector(DetectorParams params);

  /// Advances one step. Call once per step in time order; steps may be skipped (no data).
  /// A step_start not after the previous one is ignored (returns state no_data, no events).
  StepResult step(std::int64_t step_start, const std::vector<Rollup>& rollups_of_this_step);
  /// The windows open now.
  std::vector<Event> open_events() const;
  const DetectorParams& params() const noexcept { return params_; }

 private:
  struct Ctx;

  ScopeTrack& track(const std::string& scope);
  void step_local(Ctx& c, StepResult& out);
  void step_network(Ctx& c, StepResult& out);
  void step_services(Ctx& c, StepResult& out);
  void step_throttle(Ctx& c, StepResult& out);
  void feed_baselines(const Ctx& c);
  Event make_event(const std::string& type, const std::string& scope, std::int64_t start,
                   const Ctx& c) const;

  DetectorParams params_;
  std::optional<std::int64_t> last_step_;
  std::map<std::string, ScopeTrack> tracks_;  // every scope seen, by name
  Hysteresis local_machine_;
  Hysteresis network_machine_;
  Hysteresis throttle_machine_;
  std::optional<EventWindow> local_window_;
  std::optional<EventWindow> network_window_;
  std::optional<EventWindow> throttle_window_;
  Baseline rtt_baseline_;  // connect RTT of "throughput:international"
};

/// The natural key of an event window: (type, scope, start).
using EventKey = std::tuple<std::string, std::string, std::int64_t>;
inline EventKey event_key(const Event& e) { return {e.type, e.scope, e.start}; }

/// Source of stored rollups in (step_start, scope) order: fills `out` and returns true, or
/// returns false at the end.
using RollupSource = std::function<bool(Rollup& out)>;

/// Recomputes every window from stored rollups: the events a live Detector fed the same
/// rollups would have produced (open windows have no end), ordered by (start, type, scope).
std::vector<Event> rebuild(const DetectorParams& params, const RollupSource& source);

}  // namespace netvigil
