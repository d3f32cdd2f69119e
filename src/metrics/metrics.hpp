// The Prometheus metrics catalogue: every netvigil_ family, its series cached per probe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "core/failure.hpp"
#include "core/measurement.hpp"
#include "core/vocabulary.hpp"
#include "metrics/probe_series.hpp"

namespace netvigil {

/// The daemon states, in the order of the one-hot netvigil_state series.
inline constexpr std::array<std::string_view, 6> kStates{
    "warming_up", "normal", "degraded", "intl_blackout", "full_blackout", "local_outage"};

/// Measurement phases as named in the `phase` label of netvigil_probe_duration_seconds.
inline constexpr std::array<std::string_view, 5> kPhases{"resolve", "connect", "tls", "first_byte",
                                                         "total"};

/// Cumulative store health as the store counts it; Metrics turns totals into counter steps.
struct StoreFigures {
  std::uint64_t write_errors_total = 0;
  std::uint64_t dropped_total = 0;       ///< measurements dropped (buffer full, write failed)
  std::uint64_t buffered = 0;            ///< measurements waiting for the next transaction
  std::int64_t last_write_unix_s = 0;    ///< last successful commit; 0 = never (series stays unset)
  std::uint64_t busy_retries_total = 0;  ///< commits retried because another process held the lock
};

/// Owns the registry and every series. Families are created at construction; the per-probe
/// series live in a compact ProbeSeries table (register_probes() keeps it in step with the
/// config); lazily created series (events, groups, services) are created once and cached. Label
/// values are always catalog slugs, closed vocabularies or operator labels — never an address or
/// free text.
///
/// Threading: every mutating method is called from the loop thread only. collectable()'s
/// Collect() may run concurrently on the HTTP threads (prometheus-cpp families and the
/// probe table lock internally; values are atomics).
class Metrics {
 public:
  /// Creates every family, netvigil_build_info{version} and netvigil_vantage_info.
  explicit Metrics(const Vantage& vantage, std::string_view version = NETVIGIL_VERSION);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// Everything to serve: the probe table's families, then the registry's (thread-safe).
  std::shared_ptr<prometheus::Collectable> collectable() const { return exposition_; }

  /// (Re)register the configured probes: series of new probes are created, series of probes
  /// no longer configured are removed, existing ones (and their counters) are kept.
  /// `services` are the configured service ids whose netvigil_service_blocked series exist
  /// once a verdict is set; verdict measurements (kind service) use the service id as probe id.
  void register_probes(const std::vector<ProbeSpec>& probes,
                       const std::vector<ServiceSpec>& services);

  /// Hot path: update the probe's series from one measurement. A probe that was never
  /// registered is registered on the fly from the measurement's header (once).
  void observe(const Measurement& m);

  /// Per group success ratio (0..1) and connectivity index (% of ordinary levels).
  void set_group(Group g, double success_ratio, double index_percent);
  /// One-hot state; an unknown name sets every series to 0 and returns false.
  bool set_state(std::string_view state);
  /// A service's verdict: `method` none = not blocked (every method series 0).
  void set_service_blocked(std::string_view service, Method method);
  /// An event window's series; `start_unix_s` is its first failing step.
  void set_event(std::string_view type, std::string_view scope, std::string_view service,
                 bool active, std::int64_t start_unix_s);
  void set_store_health(const StoreFigures& h);
  void inc_store_write_errors(double n = 1);
  void inc_dropped(double n = 1);
  /// Scheduler: the last observed start lag and the probes now running.
  void set_scheduler(double lag_seconds, std::size_t in_flight);
  /// A run skipped because the previous one was still in flight or the in-flight cap was hit.
  void inc_skipped(double n = 1);
  /// Whether the last config load succeeded: 1 from start, 0 after a refused SIGHUP reload.
  void set_config_reload(bool ok);

 private:
  using EventKey = std::tuple<std::string, std::string, std::string>;
  struct EventSeries {
    prometheus::Gauge* active = nullptr;
    prometheus::Gauge* start = nullptr;
  };

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ProbeSeries> probe_series_;
  std::shared_ptr<prometheus::Collectable> exposition_;
  prometheus::Family<prometheus::Histogram>& probe_duration_;
  prometheus::Family<prometheus::Gauge>& group_ratio_;
  prometheus::Family<prometheus::Gauge>& group_index_;
  prometheus::Family<prometheus::Gauge>& state_;
  prometheus::Family<prometheus::Gauge>& service_blocked_;
  prometheus::Family<prometheus::Gauge>& event_active_;
  prometheus::Family<prometheus::Gauge>& event_start_;

  // [kind][phase]
  std::array<std::array<prometheus::Histogram*, kPhases.size()>, 6> durations_{};
  std::array<prometheus::Gauge*, kGroupCount> ratio_by_group_{};
  std::array<prometheus::Gauge*, kGroupCount> index_by_group_{};
  std::array<prometheus::Gauge*, kStates.size()> state_series_{};
  // service id → one gauge per method (index = Method value, [0] unused)
  std::map<std::string, std::array<prometheus::Gauge*, kMethodCount>, std::less<>> services_;
  std::map<EventKey, EventSeries> events_;

  prometheus::Counter* store_write_errors_ = nullptr;
  prometheus::Counter* store_busy_retries_ = nullptr;
  prometheus::Gauge* store_buffered_ = nullptr;
  prometheus::Counter* dropped_ = nullptr;
  prometheus::Gauge* store_last_write_ = nullptr;
  prometheus::Family<prometheus::Gauge>* store_last_write_family_ = nullptr;
  prometheus::Gauge* scheduler_lag_ = nullptr;
  prometheus::Counter* skipped_ = nullptr;
  prometheus::Gauge* in_flight_ = nullptr;
  prometheus::Gauge* reload_success_ = nullptr;
  StoreFigures last_store_{};
};

/// Seconds since the epoch from a certificate's notAfter as probes record it: a number
/// (unix seconds), ISO 8601 "2026-11-26T14:00:00Z", or OpenSSL's "Nov 26 14:00:00 2026 GMT".
/// Returns 0 when it cannot be read.
std::int64_t cert_not_after_unix(const nlohmann::json& value);

}  // namespace netvigil
