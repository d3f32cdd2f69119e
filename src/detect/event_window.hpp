// An open or closed event window and the running figures (min/mean index, methods) behind it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/event.hpp"
#include "core/rollup.hpp"
#include "detect/baseline.hpp"
#include "detect/hysteresis.hpp"

namespace netvigil {

/// One event being built: the Event plus what its mean index and method are computed from.
struct EventWindow {
  Event event;
  double index_sum = 0;
  std::int64_t index_count = 0;
  std::array<std::uint64_t, kMethodCount> method_failures{};

  /// Adds one observed step's index to min_index / mean_index.
  void observe(double index);
  /// Removes one step observed earlier from the mean (a recovery run that turned out to lie
  /// after the window's end). The minimum is kept: steps of a better state have higher indexes.
  void unobserve(double index);
  /// Adds failures by method; event.method becomes the method with most failures (ties: the
  /// lower Method value; none when there is no failure with a method).
  void add_failures(const std::array<std::uint64_t, kMethodCount>& failures);
};

/// Everything the detector keeps per scope.
struct ScopeTrack {
  ScopeTrack(const BaselineParams& baseline_params, int enter_steps, int exit_steps)
      : baseline(baseline_params), machine(enter_steps, exit_steps) {}

  Baseline baseline;
  Rollup current;        ///< this step's rollup (merged when a scope appears twice)
  bool present = false;  ///< the scope has a rollup in this step
  Hysteresis machine;    ///< services: 0 = ok, 1 = blocked
  std::optional<EventWindow> window;
  std::array<std::uint64_t, kMethodCount> pending_failures{};  ///< over the current worse run
};

}  // namespace netvigil
