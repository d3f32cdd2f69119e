// The per-probe Prometheus series, kept as one compact row per probe.
#include "metrics/probe_series.hpp"

#include <algorithm>
#include <set>

namespace netvigil {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

// Labels in name order, as prometheus-cpp serializes them.
std::vector<ClientMetric::Label> probe_labels(const std::string& id, ProbeKind kind, Group group,
                                              const std::string& service) {
  return {{"group", std::string(to_string(group))},
          {"kind", std::string(to_string(kind))},
          {"probe", id},
          {"service", service}};
}

}  // namespace

ProbeSeries::Row& ProbeSeries::fresh(Rows& rows, std::string_view id, ProbeKind kind, Group group,
                                     std::string_view service) {
  Row row;
  row.kind = kind;
  row.group = group;
  row.service = std::string(service);
  return rows.insert_or_assign(std::string(id), std::move(row)).first->second;
}

void ProbeSeries::sync(const std::vector<Labels>& wanted) {
  std::set<std::string_view> ids;
  for (const auto& w : wanted) ids.insert(w.id);
  std::lock_guard lock(mu_);
  for (auto it = rows_.begin(); it != rows_.end();)
    it = ids.count(it->first) ? std::next(it) : rows_.erase(it);
  for (const auto& w : wanted) {
    auto it = rows_.find(w.id);
    if (it != rows_.end() && it->second.kind == w.kind && it->second.group == w.group &&
        it->second.service == w.service)
      continue;
    fresh(rows_, w.id, w.kind, w.group, w.service);
  }
}

void ProbeSeries::observe(std::string_view id, ProbeKind kind, Group group,
                          std::string_view service, bool ok, Failure failure,
                          std::int64_t cert_not_after_unix) {
  std::lock_guard lock(mu_);
  auto it = rows_.find(id);
  Row& row = it != rows_.end() ? it->second : fresh(rows_, id, kind, group, service);
  row.success = ok;
  ++row.runs;
  if (failure != Failure::none) {
    auto f = std::find_if(row.failures.begin(), row.failures.end(),
                          [&](const auto& c) { return c.first == failure; });
    if (f == row.failures.end()) {
      row.failures.emplace_back(failure, 0);
      f = std::prev(row.failures.end());
    }
    ++f->second;
  }
  if (cert_not_after_unix > 0) row.cert_not_after = cert_not_after_unix;
}

std::size_t ProbeSeries::size() const {
  std::lock_guard lock(mu_);
  return rows_.size();
}

std::vector<MetricFamily> ProbeSeries::Collect() const {
  MetricFamily success =
      family("netvigil_probe_success",
             "1 if the probe's last run was a complete transaction, else 0", MetricType::Gauge);
  MetricFamily runs = family("netvigil_probe_runs_total", "Probe runs completed, successful or not",
                             MetricType::Counter);
  MetricFamily failures = family("netvigil_probe_failures_total",
                                 "Failed probe runs by OONI failure code", MetricType::Counter);
  MetricFamily cert =
      family("netvigil_tls_cert_expiry_timestamp_seconds",
             "notAfter of the certificate the probe last saw, unix seconds", MetricType::Gauge);
  {
    std::lock_guard lock(mu_);
    success.metric.reserve(rows_.size());
    runs.metric.reserve(rows_.size());
    for (const auto& [id, row] : rows_) {
      ClientMetric m;
      m.label = probe_labels(id, row.kind, row.group, row.service);
      m.counter.value = static_cast<double>(row.runs);
      runs.metric.push_back(m);
      m.counter.value = 0;
      m.gauge.value = row.success ? 1 : 0;
      success.metric.push_back(std::move(m));
      for (const auto& [code, count] : row.failures) {
        ClientMetric f;
        f.label = {{"failure", std::string(to_string(code))}, {"probe", id}};
        f.counter.value = static_cast<double>(count);
        failures.metric.push_back(std::move(f));
      }
      if (row.cert_not_after > 0) {
        ClientMetric c;
        c.label = {{"probe", id}};
        c.gauge.value = static_cast<double>(row.cert_not_after);
        cert.metric.push_back(std::move(c));
      }
    }
  }
  std::vector<MetricFamily> out;
  for (auto* f : {&success, &runs, &failures, &cert})
    if (!f->metric.empty()) out.push_back(std::move(*f));
  return out;
}

}  // namespace netvigil
