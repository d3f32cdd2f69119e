// Offline recomputation of every event window from stored rollups.
#include <algorithm>
#include <map>

#include "detect/detector.hpp"

namespace netvigil {

std::vector<Event> rebuild(const DetectorParams& params, const RollupSource& source) {
  Detector detector(params);
  std::map<EventKey, Event> events;
  const auto apply = [&events](const StepResult& r) {
    for (const auto* list : {&r.opened, &r.updated, &r.closed})
      for (const auto& e : *list) events[event_key(e)] = e;
  };
  std::vector<Rollup> batch;
  std::optional<std::int64_t> current;
  Rollup r;
  while (source(r)) {
    if (current && r.step_start != *current) {
      apply(detector.step(*current, batch));
      batch.clear();
    }
    current = r.step_start;
    batch.push_back(r);
  }
  if (current) apply(detector.step(*current, batch));

  std::vector<Event> out;
  out.reserve(events.size());
  for (auto& [key, e] : events) out.push_back(std::move(e));
  std::stable_sort(out.begin(), out.end(), [](const Event& a, const Event& b) {
    return std::tie(a.start, a.type, a.scope) < std::tie(b.start, b.type, b.scope);
  });
  return out;
}

}  // namespace netvigil
