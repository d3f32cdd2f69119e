// Per-step detector output collected into timeline rows.
#include "detect/timeline_builder.hpp"

#include <algorithm>
#include <array>

namespace netvigil {
namespace {

TimelineCell state_cell(DetectorState s) {
  switch (s) {
    case DetectorState::no_data: return TimelineCell::gap;
    case DetectorState::warming_up: return TimelineCell::warming_up;
    case DetectorState::normal: return TimelineCell::normal;
    case DetectorState::degraded: return TimelineCell::degraded;
    case DetectorState::intl_blackout: return TimelineCell::intl_blackout;
    case DetectorState::full_blackout: return TimelineCell::full_blackout;
    case DetectorState::local_outage: return TimelineCell::local_outage;
  }
  return TimelineCell::gap;
}

TimelineCell blocked_cell(Method m) {
  switch (m) {
    case Method::tcp_ip: return TimelineCell::blocked_tcp_ip;
    case Method::tls: return TimelineCell::blocked_tls;
    case Method::http_blockpage: return TimelineCell::blocked_http_blockpage;
    case Method::http_failure: return TimelineCell::blocked_http_failure;
    default: return TimelineCell::blocked_dns;
  }
}

constexpr std::array<const char*, 5> kOrder{"state", "international", "domestic", "isp", "local"};

std::size_t rank(const std::string& label) {
  for (std::size_t i = 0; i < kOrder.size(); ++i)
    if (label == kOrder[i]) return i;
  if (label == "throttling") return 1000;
  return 100;  // services, alphabetical among themselves
}

}  // namespace

TimelineBuilder::TimelineBuilder(std::int64_t from, std::int64_t to, std::int64_t step_s)
    : from_(from),
      step_s_(std::max<std::int64_t>(1, step_s)),
      steps_(static_cast<std::size_t>(std::max<std::int64_t>(0, (to - from + step_s_ - 1) / step_s_))) {}

std::vector<TimelineCell>& TimelineBuilder::row(const std::string& label) {
  for (auto& r : rows_)
    if (r.label == label) return r.cells;
  rows_.push_back({label, std::vector<TimelineCell>(steps_, TimelineCell::gap)});
  return rows_.back().cells;
}

void TimelineBuilder::add(const StepResult& r) {
  if (r.step_start < from_) return;
  const auto i = static_cast<std::size_t>((r.step_start - from_) / step_s_);
  if (i >= steps_) return;
  row("state")[i] = state_cell(r.state);
  for (const auto& s : r.scopes) {
    if (s.scope.rfind("service:", 0) == 0 || s.scope.rfind("throughput:", 0) == 0) continue;
    TimelineCell c = TimelineCell::gap;
    if (r.state == DetectorState::local_outage && s.scope != "local") {
      c = TimelineCell::local_outage;
    } else if (s.has_data) {
      c = s.index < 50 ? TimelineCell::down
          : s.index < 80 ? TimelineCell::degraded
                         : TimelineCell::normal;
    }
    row(s.scope)[i] = c;
  }
  for (const auto& s : r.services) {
    const bool clash = rank(s.service) != 100;  // a service named like a group row
    row(clash ? "service:" + s.service : s.service)[i] = s.blocked    ? blocked_cell(s.method)
                        : s.has_data ? TimelineCell::normal
                                     : TimelineCell::gap;
  }
  if (r.throttle.has_data || r.throttle.throttled) {
    row("throttling")[i] = r.throttle.throttled ? TimelineCell::throttled : TimelineCell::normal;
  }
}

Timeline TimelineBuilder::timeline() const {
  Timeline t;
  t.from = from_;
  t.step_s = step_s_;
  t.rows = rows_;
  std::stable_sort(t.rows.begin(), t.rows.end(), [](const TimelineRow& a, const TimelineRow& b) {
    const auto ra = rank(a.label), rb = rank(b.label);
    return ra != rb ? ra < rb : (ra == 100 && a.label < b.label);
  });
  return t;
}

}  // namespace netvigil
