// The detector's step: group indexes, own-link gap rule, network state, services, throttling.
#include "detect/detector.hpp"

#include <algorithm>
#include <array>

#include "config/config.hpp"
#include "detect/detector_internal.hpp"

namespace netvigil {

using namespace detector_internal;

std::string_view to_string(DetectorState s) noexcept {
  switch (s) {
    case DetectorState::no_data: return "no_data";
    case DetectorState::warming_up: return "warming_up";
    case DetectorState::normal: return "normal";
    case DetectorState::degraded: return "degraded";
    case DetectorState::intl_blackout: return "intl_blackout";
    case DetectorState::full_blackout: return "full_blackout";
    case DetectorState::local_outage: return "local_outage";
  }
  return "?";
}

DetectorParams detector_params_from(const Config& config) {
  DetectorParams p;
  const auto step_ms = std::max<std::int64_t>(1000, config.detector.step.count());
  p.step_s = step_ms / 1000;
  const auto window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.detector.baseline_window).count();
  p.baseline_window_steps = std::max<std::int64_t>(1, window_ms / step_ms);
  p.warmup_steps = std::clamp<std::int64_t>(config.detector.warmup.count() / step_ms, 1,
                                            p.baseline_window_steps);
  p.network_type = config.vantage.network_type;
  return p;
}


Detector::Detector(DetectorParams params)
    : params_(std::move(params)),
      local_machine_(params_.enter_steps, params_.exit_steps),
      network_machine_(params_.enter_steps, params_.exit_steps),
      throttle_machine_(params_.enter_steps, params_.exit_steps),
      rtt_baseline_(BaselineParams{params_.baseline_window_steps, params_.warmup_steps,
                                   params_.inpaint_low, params_.inpaint_high, 0.0, 0.0}) {}

ScopeTrack& Detector::track(const std::string& scope) {
  auto it = tracks_.find(scope);
  if (it != tracks_.end()) return it->second;
  BaselineParams bp{params_.baseline_window_steps, params_.warmup_steps, params_.inpaint_low,
                    params_.inpaint_high, params_.new_normal_floor_ratio,
                    params_.blackout_index / 100.0};
  if (starts_with(scope, kThroughputPrefix)) {
    bp.floor_abs = 0.0;  // bits/s: no absolute floor, but a throttled level is never normal
    bp.floor_rel = params_.throttle_fraction;
  }
  return tracks_.emplace(scope, ScopeTrack(bp, params_.enter_steps, params_.exit_steps))
      .first->second;
}

Event Detector::make_event(const std::string& type, const std::string& scope, std::int64_t start,
                           const Ctx& c) const {
  Event e;
  e.type = type;
  e.scope = scope;
  e.start = start;
  e.detected_at = c.step_start + params_.step_s;
  e.start_uncertainty_s = params_.step_s;
  e.intl_index = c.intl_index;
  e.domestic_index = c.dom_index;
  e.method_version = params_.method_version;
  e.network_type = params_.network_type;
  if (type == "full_blackout" || type == "intl_blackout") {
    e.shutdown_type = "Shutdown";
    e.extent = "Full network";
  } else if (type == "service_interference") {
    e.shutdown_type = "Shutdown";
    e.extent = "Service-based";
  } else if (type == "throttling") {
    e.shutdown_type = "Throttle";
    e.extent = "Full network";
  }
  return e;
}


StepResult Detector::step(std::int64_t step_start, const std::vector<Rollup>& rollups) {
  StepResult out;
  out.step_start = step_start;
  if (last_step_ && step_start <= *last_step_) return out;
  last_step_ = step_start;

  Ctx c;
  c.step_start = step_start;
  c.k = floor_div(step_start, params_.step_s);
  for (auto& [name, t] : tracks_) {
    t.present = false;
    t.current = Rollup{};
  }
  for (const auto& r : rollups) {
    auto& t = track(r.scope);
    if (!t.present) {
      t.current = r;
      t.present = true;
      continue;
    }
    t.current.attempts += r.attempts;
    t.current.successes += r.successes;
    for (std::size_t i = 0; i < r.failures_by_method.size(); ++i)
      t.current.failures_by_method[i] += r.failures_by_method[i];
    if (r.throughput_bps >= 0) t.current.throughput_bps = r.throughput_bps;
    if (r.rtt_us >= 0) t.current.rtt_us = r.rtt_us;
  }
  for (auto& [name, t] : tracks_) t.baseline.advance_to(c.k);
  rtt_baseline_.advance_to(c.k);

  for (std::size_t i = 0; i < kGroupScopes.size(); ++i) {
    auto it = tracks_.find(std::string(kGroupScopes[i]));
    if (it == tracks_.end() || !it->second.present) continue;
    const auto& t = it->second;
    if (t.current.attempts < std::max<std::uint32_t>(1, params_.min_attempts)) continue;
    auto& g = c.g[i];
    g.has = true;
    g.ratio = t.current.ratio();
    const double base = t.baseline.established() ? t.baseline.value() : 1.0;
    g.index = base > 0 ? cap_index(100.0 * g.ratio / base) : 100.0;
  }
  c.intl_index = c.g[kInternational].has ? c.g[kInternational].index : -1;
  c.dom_index = c.g[kDomestic].has ? c.g[kDomestic].index : -1;

  step_local(c, out);
  step_network(c, out);
  step_services(c, out);
  step_throttle(c, out);

  out.intl_index = c.intl_index;
  out.domestic_index = c.dom_index;
  for (int pass = 0; pass < 2; ++pass) {  // groups first, in their fixed order
    for (std::size_t i = 0; pass == 0 && i < kGroupScopes.size(); ++i) {
      auto it = tracks_.find(std::string(kGroupScopes[i]));
      if (it == tracks_.end()) continue;
      const auto& t = it->second;
      out.scopes.push_back({it->first, c.g[i].has, t.current.attempts, c.g[i].ratio,
                            t.baseline.value(), t.baseline.established(), c.g[i].index});
    }
    for (const auto& [name, t] : tracks_) {
      if (pass == 0 || std::find(kGroupScopes.begin(), kGroupScopes.end(), name) !=
                           kGroupScopes.end())
        continue;
      const bool has = t.present && t.current.attempts > 0;
      const double base = t.baseline.established() ? t.baseline.value() : 1.0;
      const double index = has && !starts_with(name, kThroughputPrefix) && base > 0
                               ? cap_index(100.0 * t.current.ratio() / base)
                               : -1;
      out.scopes.push_back({name, has, t.current.attempts, has ? t.current.ratio() : 0,
                            t.baseline.value(), t.baseline.established(), index});
    }
  }

  // Reported with the baselines the step was judged by; they learn from it only now.
  auto intl = tracks_.find("international");
  const bool warming = intl == tracks_.end() || !intl->second.baseline.established();
  feed_baselines(c);
  const bool no_data = !c.g[kInternational].has && !c.g[kDomestic].has;
  if (local_machine_.state() == 1) {
    out.state = DetectorState::local_outage;
  } else if (no_data && !c.local_down) {
    out.state = DetectorState::no_data;
  } else {
    switch (network_machine_.state()) {
      case kDegraded: out.state = DetectorState::degraded; break;
      case kIntl: out.state = DetectorState::intl_blackout; break;
      case kFull: out.state = DetectorState::full_blackout; break;
      default: out.state = warming ? DetectorState::warming_up : DetectorState::normal;
    }
  }
  return out;
}

void Detector::step_local(Ctx& c, StepResult& out) {
  const auto& local = c.g[kLocal];
  if (!local.has) return;  // no local probe ran: no conclusion about the own link
  const auto& isp = c.g[kIsp];
  const bool gateway_dead =
      local.index < params_.local_weak_index && isp.has && isp.index < params_.isp_down_index;
  c.local_down = local.index < params_.local_down_index || gateway_dead;
  const Observation obs{c.step_start, c.local_down ? 1 : 0, {local.index, 0}};
  const auto index_of = [](int, const std::array<double, 2>& v) { return v[0]; };
  if (auto t = local_machine_.observe(obs)) {
    apply_transition(local_window_, *t, index_of,
                     [&] { return make_event("local_outage", "local", t->run_start, c); }, out);
  } else if (local_window_) {
    local_window_->observe(local.index);
    out.updated.push_back(local_window_->event);
  }
}

void Detector::step_network(Ctx& c, StepResult& out) {
  // Own link down, or back for fewer than exit_steps steps: a gap, never evidence about the
  // network (right after the link returns, probes still fail on stale timeouts and caches).
  if (c.local_down || local_machine_.state() == 1) {
    network_machine_.reset_runs();
    return;
  }
  const auto& in = c.g[kInternational];
  const auto& dom = c.g[kDomestic];
  if (!in.has && !dom.has) return;  // no data: runs neither advance nor break

  int severity = kNormal;
  auto intl = tracks_.find("international");
  const bool warming = intl == tracks_.end() || !intl->second.baseline.established();
  if (in.has && in.ratio < params_.abs_cut_ratio) {
    // Absolute rules: valid with no baseline at all (a fresh install during a cut).
    severity = (dom.has && dom.ratio < params_.abs_cut_ratio) ? kFull : kIntl;
  } else if (!warming) {
    const bool intl_low = in.has && in.index < params_.blackout_index;
    const bool dom_low = dom.has && dom.index < params_.blackout_index;
    if (intl_low) {
      severity = dom_low ? kFull : kIntl;
    } else if (dom_low || (in.has && in.index < params_.degraded_index) ||
               (dom.has && dom.index < params_.degraded_index)) {
      severity = kDegraded;
    }
  }
  c.network_observed = true;
  const Observation obs{c.step_start, severity, {in.has ? in.index : 100, dom.has ? dom.index : 100}};
  if (auto t = network_machine_.observe(obs)) {
    const auto scope_of = [](int s) { return s == kIntl ? "international" : "network"; };
    apply_transition(network_window_, *t, network_window_index,
                     [&] { return make_event(network_type_name(t->to), scope_of(t->to),
                                             t->run_start, c); },
                     out);
  } else if (network_window_) {
    network_window_->observe(network_window_index(network_machine_.state(), obs.values));
    out.updated.push_back(network_window_->event);
  }
}

void Detector::feed_baselines(const Ctx& c) {
  if (c.local_down) return;  // nothing seen through a dead own link is "ordinary"
  for (auto& [name, t] : tracks_) {
    if (!t.present) continue;
    if (starts_with(name, kThroughputPrefix)) {
      if (t.current.throughput_bps >= 0)
        t.baseline.add(c.k, static_cast<double>(t.current.throughput_bps));
      if (name == kThroughputIntl && t.current.rtt_us >= 0)
        rtt_baseline_.add(c.k, static_cast<double>(t.current.rtt_us));
    } else if (t.current.attempts >= std::max<std::uint32_t>(1, params_.min_attempts)) {
      t.baseline.add(c.k, t.current.ratio());
    }
  }
}

std::vector<Event> Detector::open_events() const {
  std::vector<Event> out;
  if (local_window_) out.push_back(local_window_->event);
  if (network_window_) out.push_back(network_window_->event);
  for (const auto& [name, t] : tracks_)
    if (t.window) out.push_back(t.window->event);
  if (throttle_window_) out.push_back(throttle_window_->event);
  return out;
}

}  // namespace netvigil
