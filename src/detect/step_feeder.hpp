// Groups a time-ordered stream of rollups into steps and feeds them to a Detector.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "detect/detector.hpp"

namespace netvigil {

/// Push rollups in (step_start, scope) order; each completed step goes through the detector
/// and its StepResult to `on_step`. Call finish() after the last rollup.
class StepFeeder {
 public:
  StepFeeder(Detector& detector, std::function<void(const StepResult&)> on_step)
      : detector_(detector), on_step_(std::move(on_step)) {}
  void push(const Rollup& r);
  void finish();

 private:
  Detector& detector_;
  std::function<void(const StepResult&)> on_step_;
  std::vector<Rollup> batch_;
  std::optional<std::int64_t> current_;
};

/// Merges the opened/updated/closed events of successive steps into one record per window
/// (keyed by type, scope, start), ordered by (start, type, scope).
class EventCollector {
 public:
  void add(const StepResult& r);
  std::vector<Event> events() const;

 private:
  std::map<EventKey, Event> events_;
};

}  // namespace netvigil
