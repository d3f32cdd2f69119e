// Enter-fast / leave-slow state machine over ordered severities.
#include "detect/hysteresis.hpp"

#include <algorithm>

namespace netvigil {

Hysteresis::Hysteresis(int enter_steps, int exit_steps, int initial)
    : enter_(std::max(1, enter_steps)), exit_(std::max(1, exit_steps)), state_(initial) {}

void Hysteresis::reset_runs() noexcept {
  worse_ = 0;
  better_ = 0;
  run_.clear();
}

std::optional<Transition> Hysteresis::observe(const Observation& obs) {
  if (obs.severity == state_) {
    reset_runs();
    return std::nullopt;
  }
  const bool worse = obs.severity > state_;
  if (worse ? worse_ == 0 : better_ == 0) run_.clear();  // a new run begins
  if (worse) {
    ++worse_;
    better_ = 0;
  } else {
    ++better_;
    worse_ = 0;
  }
  run_.push_back(obs);
  const int needed = worse ? enter_ : exit_;
  if ((worse ? worse_ : better_) < needed) return std::nullopt;

  Transition t;
  t.from = state_;
  t.to = obs.severity;
  t.run_start = run_.front().step_start;
  t.run.assign(run_.begin(), run_.end());
  state_ = obs.severity;
  reset_runs();
  return t;
}

}  // namespace netvigil
