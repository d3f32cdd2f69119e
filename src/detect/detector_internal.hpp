// Internals shared by the detector's source files: severities, scope names, the step context.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "detect/detector.hpp"

namespace netvigil::detector_internal {

// Severities of the network machine; the order is the "worse" order of the hysteresis.
constexpr int kNormal = 0;
constexpr int kDegraded = 1;
constexpr int kIntl = 2;
constexpr int kFull = 3;

constexpr std::array<std::string_view, kGroupCount> kGroupScopes{"local", "isp", "domestic",
                                                                  "international"};
constexpr std::size_t kLocal = 0;
constexpr std::size_t kIsp = 1;
constexpr std::size_t kDomestic = 2;
constexpr std::size_t kInternational = 3;
constexpr std::string_view kServicePrefix = "service:";
constexpr std::string_view kThroughputPrefix = "throughput:";
inline const std::string kThroughputIntl = "throughput:international";
inline const std::string kThroughputDomestic = "throughput:domestic";

inline bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

inline double cap_index(double v) { return std::clamp(v, 0.0, 100.0); }

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

inline const char* network_type_name(int severity) {
  switch (severity) {
    case kDegraded: return "degraded";
    case kIntl: return "intl_blackout";
    case kFull: return "full_blackout";
    default: return "";
  }
}

// The index an event window of a network state is measured by.
inline double network_window_index(int severity, const std::array<double, 2>& v) {
  switch (severity) {
    case kIntl: return v[0];
    case kFull: return std::max(v[0], v[1]);  // "at most X % on either"
    default: return std::min(v[0], v[1]);
  }
}

inline std::array<std::uint64_t, kMethodCount> widen(const std::array<std::uint32_t, kMethodCount>& a) {
  std::array<std::uint64_t, kMethodCount> out{};
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i];
  return out;
}


// Applies a committed transition to a window: the run moves out of the old window (it lies
// after its end) and, if the new state has a window, into the new one.
template <typename IndexOf, typename Open>
void apply_transition(std::optional<EventWindow>& window, const Transition& t,
                             IndexOf index_of, Open open, StepResult& out) {
  if (window) {
    // The run's last step is the current one, which the old window has not observed.
    for (std::size_t i = 0; i + 1 < t.run.size(); ++i)
      window->unobserve(index_of(t.from, t.run[i].values));
    window->event.end = t.run_start;
    out.closed.push_back(window->event);
    window.reset();
  }
  if (t.to != 0) {
    window.emplace();
    window->event = open();
    for (const auto& obs : t.run) window->observe(index_of(t.to, obs.values));
    out.opened.push_back(window->event);
  }
}

}  // namespace netvigil::detector_internal

namespace netvigil {

struct Detector::Ctx {
  struct Group {
    bool has = false;
    double ratio = 0;
    double index = -1;
  };
  std::int64_t step_start = 0;
  std::int64_t k = 0;  // step number
  std::array<Group, kGroupCount> g{};
  bool local_down = false;        // this step's own link is down
  bool network_observed = false;  // the network machine saw this step
  double intl_index = -1;         // -1: no data
  double dom_index = -1;
};

}  // namespace netvigil
