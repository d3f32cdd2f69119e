// Per-step rollups: attempts, successes, failures by method, median RTT, mean throughput.
#include "store/rollup_builder.hpp"

#include <algorithm>
#include <stdexcept>

namespace netvigil {

std::string rollup_scope(const Measurement& m) {
  if (m.kind == ProbeKind::service) return m.service.empty() ? std::string() : "service:" + m.service;
  if (m.kind == ProbeKind::throughput) return "throughput:" + std::string(to_string(m.group));
  if (!m.service.empty()) return {};
  return std::string(to_string(m.group));
}

RollupBuilder::RollupBuilder(std::chrono::milliseconds step, std::chrono::milliseconds grace)
    : step_ms_(step.count()), grace_ms_(grace.count()) {
  if (step_ms_ <= 0 || step_ms_ % 1000 != 0)
    throw std::invalid_argument("rollup step must be a positive whole number of seconds");
  if (grace_ms_ < 0) grace_ms_ = 0;
}

void RollupBuilder::add(const Measurement& m) {
  std::string scope = rollup_scope(m);
  if (scope.empty()) return;
  const std::int64_t t = m.started_unix_ms;
  const std::int64_t start = (t >= 0 ? t / step_ms_ : (t - step_ms_ + 1) / step_ms_) * step_ms_;
  if (start < closed_before_ms_) {
    // Far behind what is closed: the wall clock was stepped back, not a slow probe. Reopen
    // from there; the repeated steps are stored again and the chain records them in order.
    if (closed_before_ms_ - start <= 2 * step_ms_ + grace_ms_) {
      ++late_;
      return;
    }
    closed_before_ms_ = start;
  }
  Acc& a = open_[start][scope];
  ++a.r.attempts;
  if (m.ok) {
    ++a.r.successes;
    if (m.phases.connect_us >= 0) a.connect_us.push_back(m.phases.connect_us);
    if (m.kind == ProbeKind::throughput && m.phases.total_us > 0 && m.bytes > 0) {
      a.bps_sum += m.bytes * 8 * 1'000'000 / m.phases.total_us;
      ++a.bps_n;
    }
  } else {
    auto i = static_cast<std::size_t>(m.method);
    if (i >= a.r.failures_by_method.size()) i = 0;
    ++a.r.failures_by_method[i];
  }
}

RollupStep RollupBuilder::finish(std::int64_t start_ms, std::map<std::string, Acc>& scopes) const {
  RollupStep step;
  step.step_start = start_ms / 1000;
  step.step_s = static_cast<std::int32_t>(step_ms_ / 1000);
  for (auto& [scope, a] : scopes) {
    if (a.r.attempts == 0) continue;
    Rollup r = a.r;
    r.step_start = step.step_start;
    r.scope = scope;
    if (!a.connect_us.empty()) {
      auto& v = a.connect_us;
      std::sort(v.begin(), v.end());
      auto n = v.size();
      // Median; for an even count the mean of the two middle values.
      r.rtt_us = n % 2 ? v[n / 2] : static_cast<std::int32_t>((std::int64_t{v[n / 2 - 1]} + v[n / 2]) / 2);
    }
    if (a.bps_n > 0) r.throughput_bps = a.bps_sum / a.bps_n;
    step.rollups.push_back(std::move(r));
  }
  return step;
}

std::vector<RollupStep> RollupBuilder::close_due(std::int64_t now_unix_ms) {
  std::vector<RollupStep> out;
  while (!open_.empty()) {
    auto it = open_.begin();
    if (it->first + step_ms_ + grace_ms_ > now_unix_ms) break;
    RollupStep s = finish(it->first, it->second);
    closed_before_ms_ = std::max(closed_before_ms_, it->first + step_ms_);
    open_.erase(it);
    if (!s.rollups.empty()) out.push_back(std::move(s));
  }
  // Steps that can no longer receive anything are closed even when nothing arrived in them,
  // so a measurement stamped far in the past (a clock step) is counted as late.
  const std::int64_t horizon = now_unix_ms - grace_ms_;
  const std::int64_t closed_edge = (horizon >= 0 ? horizon / step_ms_ : (horizon - step_ms_ + 1) / step_ms_) * step_ms_;
  closed_before_ms_ = std::max(closed_before_ms_, std::min(closed_edge, open_.empty() ? closed_edge : open_.begin()->first));
  return out;
}

std::vector<RollupStep> RollupBuilder::close_all() {
  std::vector<RollupStep> out;
  for (auto& [start, scopes] : open_) {
    RollupStep s = finish(start, scopes);
    closed_before_ms_ = std::max(closed_before_ms_, start + step_ms_);
    if (!s.rollups.empty()) out.push_back(std::move(s));
  }
  open_.clear();
  return out;
}

}  // namespace netvigil
