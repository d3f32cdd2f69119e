// Running figures of an event window.
#include "detect/event_window.hpp"

#include <algorithm>

namespace netvigil {

void EventWindow::observe(double index) {
  if (index_count == 0 || index < event.min_index) event.min_index = index;
  index_sum += index;
  ++index_count;
  event.mean_index = index_sum / static_cast<double>(index_count);
}

void EventWindow::unobserve(double index) {
  if (index_count == 0) return;
  index_sum -= index;
  --index_count;
  event.mean_index = index_count == 0 ? event.min_index : index_sum / static_cast<double>(index_count);
}

void EventWindow::add_failures(const std::array<std::uint64_t, kMethodCount>& failures) {
  for (std::size_t i = 0; i < failures.size(); ++i) method_failures[i] += failures[i];
  std::size_t best = 0;
  for (std::size_t i = 1; i < method_failures.size(); ++i)
    if (method_failures[i] > 0 && (best == 0 || method_failures[i] > method_failures[best]))
      best = i;
  event.method = static_cast<Method>(best);
}

}  // namespace netvigil
