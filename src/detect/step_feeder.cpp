// Step grouping and event merging shared by rebuild, replays and exports.
#include "detect/step_feeder.hpp"

#include <algorithm>

namespace netvigil {

void StepFeeder::push(const Rollup& r) {
  if (current_ && r.step_start != *current_) {
    on_step_(detector_.step(*current_, batch_));
    batch_.clear();
  }
  current_ = r.step_start;
  batch_.push_back(r);
}

void StepFeeder::finish() {
  if (current_) on_step_(detector_.step(*current_, batch_));
  batch_.clear();
  current_.reset();
}

void EventCollector::add(const StepResult& r) {
  for (const auto* list : {&r.opened, &r.updated, &r.closed})
    for (const auto& e : *list) events_[event_key(e)] = e;
}

std::vector<Event> EventCollector::events() const {
  std::vector<Event> out;
  out.reserve(events_.size());
  for (const auto& [key, e] : events_) out.push_back(e);
  std::stable_sort(out.begin(), out.end(), [](const Event& a, const Event& b) {
    return std::tie(a.start, a.type, a.scope) < std::tie(b.start, b.type, b.scope);
  });
  return out;
}

}  // namespace netvigil
