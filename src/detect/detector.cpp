// The detector's step: group indexes, own-link gap rule, network state, services, throttling.
#include "detect/detector.hpp"

#include <algorithm>
#include <array>

#include "config/config.hpp"

namespace netvigil {
namespace {

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
const std::string kThroughputIntl = "throughput:international";
const std::string kThroughputDomestic = "throughput:domestic";

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

double cap_index(double v) { return std::clamp(v, 0.0, 100.0); }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

const char* network_type_name(int severity) {
  switch (severity) {
    case kDegraded: return "degraded";
    case kIntl: return "intl_blackout";
    case kFull: return "full_blackout";
    default: return "";
  }
}

// The index an event window of a network state is measured by.
double network_window_index(int severity, const std::array<double, 2>& v) {
  switch (severity) {
    case kIntl: return v[0];
    case kFull: return std::max(v[0], v[1]);  // "at most X % on either"
    default: return std::min(v[0], v[1]);
  }
}

std::array<std::uint64_t, kMethodCount> widen(const std::array<std::uint32_t, kMethodCount>& a) {
  std::array<std::uint64_t, kMethodCount> out{};
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i];
  return out;
}

}  // namespace

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

// Applies a committed transition to a window: the run moves out of the old window (it lies
// after its end) and, if the new state has a window, into the new one.
template <typename IndexOf, typename Open>
static void apply_transition(std::optional<EventWindow>& window, const Transition& t,
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
  if (c.local_down) {  // own link down: a gap, never evidence about the network
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
