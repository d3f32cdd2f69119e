// The per-probe Prometheus series, kept as one compact row per probe.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/failure.hpp"
#include "core/vocabulary.hpp"

namespace netvigil {

/// netvigil_probe_success, netvigil_probe_runs_total, netvigil_probe_failures_total and
/// netvigil_tls_cert_expiry_timestamp_seconds for every probe. A prometheus-cpp series costs
/// ~400 B (its label std::map and the family's index) per probe and family, 1.2 KB a probe in
/// all; a row here is ~150 B, a failure code 16 B, and label sets exist only while a scrape
/// collects them. The output is what prometheus-cpp families would give: labels in name
/// order, success and runs from registration, a failure series from its code's first failure,
/// the certificate series from the first certificate seen.
///
/// Threading: the loop thread mutates; Collect() runs on the HTTP threads. One mutex guards
/// the rows; observe() holds it for a map lookup and a few stores.
class ProbeSeries final : public prometheus::Collectable {
 public:
  struct Labels {
    std::string id;
    ProbeKind kind = ProbeKind::tcp;
    Group group = Group::international;
    std::string service;
  };

  /// The configured probes: rows of other ids go, rows whose kind, group or service changed
  /// start again from zero under the new labels, the rest keep their counters.
  void sync(const std::vector<Labels>& wanted);

  /// One measurement's outcome. An id never registered is added with these labels (once).
  /// `failure` none = not a failure; `cert_not_after_unix` 0 = no certificate seen.
  void observe(std::string_view id, ProbeKind kind, Group group, std::string_view service, bool ok,
               Failure failure, std::int64_t cert_not_after_unix);

  /// Rows held (tests, benchmarks).
  std::size_t size() const;

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Row {
    ProbeKind kind = ProbeKind::tcp;
    Group group = Group::international;
    bool success = false;
    std::string service;
    std::uint64_t runs = 0;
    std::int64_t cert_not_after = 0;                          ///< 0 = no series yet
    std::vector<std::pair<Failure, std::uint64_t>> failures;  ///< in first-seen order
  };
  using Rows = std::map<std::string, Row, std::less<>>;
  static Row& fresh(Rows& rows, std::string_view id, ProbeKind kind, Group group,
                    std::string_view service);

  mutable std::mutex mu_;
  Rows rows_;
};

}  // namespace netvigil
