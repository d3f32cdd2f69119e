// Synthetic per-step histories for detector tests: levels per group in, rollups out.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/rollup.hpp"
#include "detect/detector.hpp"

namespace netvigil::test {

/// Success levels (0..1) of one step; attempts are realistic per-minute counts.
struct Levels {
  double local = 1, isp = 1, domestic = 1, intl = 1;
  std::map<std::string, double> services;   ///< service id -> verdict success level
  Method service_method = Method::dns;       ///< method of failed verdicts
  std::int64_t intl_bps = -1;                ///< throughput:international (-1: none this step)
  std::int32_t intl_rtt_us = -1;
  std::int64_t dom_bps = -1;                 ///< throughput:domestic
};

inline constexpr std::uint32_t kLocalAttempts = 4;
inline constexpr std::uint32_t kIspAttempts = 4;
inline constexpr std::uint32_t kDomesticAttempts = 20;
inline constexpr std::uint32_t kIntlAttempts = 20;
inline constexpr std::uint32_t kServiceAttempts = 3;
inline constexpr std::int64_t kStep = 60;
inline constexpr std::int64_t kT0 = 1'764'000'000 - 1'764'000'000 % 86'400;  // a UTC midnight

inline Rollup group_rollup(std::int64_t t, const std::string& scope, std::uint32_t attempts,
                           std::uint32_t successes, Method method = Method::tcp_ip) {
  Rollup r;
  r.step_start = t;
  r.scope = scope;
  r.attempts = attempts;
  r.successes = successes;
  r.failures_by_method[static_cast<std::size_t>(method)] = attempts - successes;
  return r;
}

inline std::uint32_t successes_of(double level, std::uint32_t attempts) {
  return static_cast<std::uint32_t>(std::lround(level * attempts));
}

/// Rollups of one step with exact success counts (round(level × attempts)).
inline std::vector<Rollup> rollups_at(std::int64_t t, const Levels& l) {
  std::vector<Rollup> out;
  out.push_back(group_rollup(t, "local", kLocalAttempts, successes_of(l.local, kLocalAttempts)));
  out.push_back(group_rollup(t, "isp", kIspAttempts, successes_of(l.isp, kIspAttempts)));
  out.push_back(group_rollup(t, "domestic", kDomesticAttempts,
                             successes_of(l.domestic, kDomesticAttempts)));
  out.push_back(group_rollup(t, "international", kIntlAttempts,
                             successes_of(l.intl, kIntlAttempts)));
  for (const auto& [id, level] : l.services)
    out.push_back(group_rollup(t, "service:" + id, kServiceAttempts,
                               successes_of(level, kServiceAttempts), l.service_method));
  if (l.intl_bps >= 0) {
    Rollup r = group_rollup(t, "throughput:international", 1, 1);
    r.throughput_bps = l.intl_bps;
    r.rtt_us = l.intl_rtt_us;
    out.push_back(r);
  }
  if (l.dom_bps >= 0) {
    Rollup r = group_rollup(t, "throughput:domestic", 1, 1);
    r.throughput_bps = l.dom_bps;
    out.push_back(r);
  }
  return out;
}

/// Rollups of one step where every attempt fails independently with probability `loss`.
inline std::vector<Rollup> lossy_rollups_at(std::int64_t t, double loss, std::mt19937_64& rng) {
  std::bernoulli_distribution fail(loss);
  const auto draw = [&](const std::string& scope, std::uint32_t attempts) {
    std::uint32_t ok = 0;
    for (std::uint32_t i = 0; i < attempts; ++i) ok += fail(rng) ? 0u : 1u;
    return group_rollup(t, scope, attempts, ok);
  };
  return {draw("local", kLocalAttempts), draw("isp", kIspAttempts),
          draw("domestic", kDomesticAttempts), draw("international", kIntlAttempts)};
}

/// Test parameters: one-minute steps, 7-day window, 1-hour warm-up (the defaults).
inline DetectorParams default_params() { return DetectorParams{}; }

/// Runs `steps` steps from step number `first` through `d`, levels from `at(step_number)`;
/// returns every StepResult.
template <typename LevelsAt>
std::vector<StepResult> run(Detector& d, std::int64_t first, std::int64_t steps, LevelsAt at) {
  std::vector<StepResult> out;
  out.reserve(static_cast<std::size_t>(steps));
  for (std::int64_t i = first; i < first + steps; ++i)
    out.push_back(d.step(kT0 + i * kStep, rollups_at(kT0 + i * kStep, at(i))));
  return out;
}

inline std::int64_t at_step(std::int64_t i) { return kT0 + i * kStep; }

/// Every event a StepResult stream opened, updated or closed, final version by key.
inline std::map<EventKey, Event> collect(const std::vector<StepResult>& results) {
  std::map<EventKey, Event> events;
  for (const auto& r : results)
    for (const auto* list : {&r.opened, &r.updated, &r.closed})
      for (const auto& e : *list) events[event_key(e)] = e;
  return events;
}

inline int count_type(const std::map<EventKey, Event>& events, const std::string& type) {
  int n = 0;
  for (const auto& [k, e] : events) n += e.type == type ? 1 : 0;
  return n;
}

}  // namespace netvigil::test
