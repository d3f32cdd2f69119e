// The detector's service-interference and throttling layers.
#include "detect/detector_internal.hpp"

namespace netvigil {

using namespace detector_internal;

void Detector::step_services(Ctx& c, StepResult& out) {
  const bool network_ok = !c.local_down && local_machine_.state() == 0 &&
                          c.g[kInternational].has &&
                          c.intl_index >= params_.service_network_ok_index &&
                          network_machine_.state() < kIntl;
  const auto index_of = [](int, const std::array<double, 2>& v) { return v[0]; };
  for (auto& [name, t] : tracks_) {
    if (!starts_with(name, kServicePrefix)) continue;
    const std::string id = name.substr(kServicePrefix.size());
    ServiceStatus status{id, t.present && t.current.attempts > 0, false, Method::none, -1};
    if (status.has_data) {
      const double base = t.baseline.established() ? t.baseline.value() : 1.0;
      status.index = base > 0 ? cap_index(100.0 * t.current.ratio() / base) : 100.0;
      if (!network_ok) {
        // A blackout or a degraded international link explains the failure: neither open
        // nor close a service window on such a step.
        t.machine.reset_runs();
        t.pending_failures = {};
      } else {
        const bool blocked = t.current.ratio() <= params_.service_blocked_ratio;
        const auto failures = widen(t.current.failures_by_method);
        if (t.machine.state() == 0) {
          if (!blocked) t.pending_failures = {};
          if (blocked && t.machine.worse_run() == 0) t.pending_failures = {};
          if (blocked)
            for (std::size_t i = 0; i < failures.size(); ++i) t.pending_failures[i] += failures[i];
        }
        const Observation obs{c.step_start, blocked ? 1 : 0, {status.index, 0}};
        if (auto tr = t.machine.observe(obs)) {
          apply_transition(t.window, *tr, index_of, [&] {
            Event e = make_event("service_interference", name, tr->run_start, c);
            e.service = id;
            e.services_affected = {id};
            return e;
          }, out);
          if (t.window) {
            t.window->add_failures(t.pending_failures);
            out.opened.back() = t.window->event;
          }
          t.pending_failures = {};
        } else if (t.window) {
          t.window->observe(status.index);
          t.window->add_failures(failures);
          out.updated.push_back(t.window->event);
        }
      }
    }
    status.blocked = t.window.has_value();
    status.method = t.window ? t.window->event.method : Method::none;
    out.services.push_back(std::move(status));
  }
}

void Detector::step_throttle(Ctx& c, StepResult& out) {
  auto it = tracks_.find(kThroughputIntl);
  if (it == tracks_.end()) return;
  auto& t = it->second;
  auto& st = out.throttle;
  st.throughput_baseline_bps = t.baseline.value();
  st.rtt_baseline_us = rtt_baseline_.value();
  st.has_data = t.present && t.current.throughput_bps >= 0;
  st.throttled = throttle_window_.has_value();
  if (!st.has_data) return;
  st.throughput_bps = t.current.throughput_bps;
  st.rtt_us = t.current.rtt_us;

  const bool network_ok = !c.local_down && local_machine_.state() == 0 &&
                          c.g[kInternational].has &&
                          c.intl_index >= params_.throttle_network_ok_index &&
                          network_machine_.state() < kIntl;
  const auto tput = static_cast<double>(t.current.throughput_bps);
  bool throttled = false;
  if (t.baseline.established()) {
    const double base = t.baseline.value();
    st.index = base > 0 ? cap_index(100.0 * tput / base) : 100.0;
    const bool rtt_flat = t.current.rtt_us < 0 || !rtt_baseline_.established() ||
                          t.current.rtt_us <= params_.throttle_rtt_factor * rtt_baseline_.value();
    throttled = tput < params_.throttle_fraction * base && rtt_flat;
  } else {
    // Warm-up: the domestic download is the reference; an absolute cap guards against a
    // slow domestic target making every international download look throttled.
    auto dom = tracks_.find(kThroughputDomestic);
    const bool dom_known = dom != tracks_.end() && dom->second.present &&
                           dom->second.current.throughput_bps > 0;
    const double ref = dom_known ? static_cast<double>(dom->second.current.throughput_bps)
                                 : params_.throttle_cap_bps;
    st.index = cap_index(100.0 * tput / ref);
    throttled = tput < params_.throttle_cap_bps &&
                (!dom_known || tput < params_.throttle_fraction * ref);
  }
  if (!network_ok) {
    throttle_machine_.reset_runs();
    return;
  }
  const Observation obs{c.step_start, throttled ? 1 : 0, {st.index, 0}};
  const auto index_of = [](int, const std::array<double, 2>& v) { return v[0]; };
  if (auto tr = throttle_machine_.observe(obs)) {
    apply_transition(throttle_window_, *tr, index_of,
                     [&] { return make_event("throttling", kThroughputIntl, tr->run_start, c); },
                     out);
  } else if (throttle_window_) {
    throttle_window_->observe(st.index);
    out.updated.push_back(throttle_window_->event);
  }
  st.throttled = throttle_window_.has_value();
}

}  // namespace netvigil
