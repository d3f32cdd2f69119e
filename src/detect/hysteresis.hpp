// Enter-fast / leave-slow state machine over ordered severities, remembering the pending run.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace netvigil {

/// One observed step: its start and up to two index values the caller wants back on commit.
struct Observation {
  std::int64_t step_start = 0;
  int severity = 0;
  std::array<double, 2> values{};
};

/// A committed change of state.
struct Transition {
  int from = 0;
  int to = 0;
  std::int64_t run_start = 0;        ///< first step of the run that caused the change
  std::vector<Observation> run;      ///< the observed steps of that run, oldest first
};

/// Hysteresis over integer severities (0 = nothing to report, higher = worse).
///
/// A step whose severity is above the committed one extends the "worse" run; after
/// `enter_steps` consecutive worse steps the state becomes that of the latest step. A step
/// below extends the "better" run; after `exit_steps` consecutive better steps the state
/// becomes that of the latest step. An equal step ends both runs. reset_runs() ends both runs
/// without changing the state (a gap: a run never continues across it).
class Hysteresis {
 public:
  Hysteresis(int enter_steps, int exit_steps, int initial = 0);

  /// Feeds one observed step; returns the transition if the committed state changes.
  std::optional<Transition> observe(const Observation& obs);
  void reset_runs() noexcept;
  int state() const noexcept { return state_; }
  /// Length of the current worse run (0 when none).
  int worse_run() const noexcept { return worse_; }

 private:
  int enter_;
  int exit_;
  int state_;
  int worse_ = 0;
  int better_ = 0;
  std::deque<Observation> run_;  // the current run (worse or better), at most max(enter, exit)
};

}  // namespace netvigil
