// The Prometheus metrics catalogue: families at construction, series cached per probe.
#include "metrics/metrics.hpp"

#include <cstdio>
#include <iterator>

namespace netvigil {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// 1 ms .. 30 s: loopback answers in the lowest buckets, a generic_timeout_error in the last.
const prometheus::Histogram::BucketBoundaries kDurationBuckets{
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30};

constexpr std::array<ProbeKind, 6> kKinds{ProbeKind::dns,     ProbeKind::tcp,
                                          ProbeKind::tls,     ProbeKind::http,
                                          ProbeKind::service, ProbeKind::throughput};
constexpr std::array<Group, kGroupCount> kGroups{Group::local, Group::isp, Group::domestic,
                                                 Group::international};

std::string str(std::string_view s) {
  return std::string(s);
}

// What /metrics serves: the probe table's families first, then the registry's.
class Exposition final : public prometheus::Collectable {
 public:
  Exposition(std::shared_ptr<ProbeSeries> probes, std::shared_ptr<prometheus::Registry> registry)
      : probes_(std::move(probes)), registry_(std::move(registry)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    auto out = probes_->Collect();
    auto rest = registry_->Collect();
    out.insert(out.end(), std::make_move_iterator(rest.begin()),
               std::make_move_iterator(rest.end()));
    return out;
  }

 private:
  std::shared_ptr<ProbeSeries> probes_;
  std::shared_ptr<prometheus::Registry> registry_;
};

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t to_unix(int y, int mon, int d, int h, int mi, int s) {
  if (mon < 1 || mon > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
      s > 60)
    return 0;
  return days_from_civil(y, static_cast<unsigned>(mon), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + s;
}

}  // namespace

std::int64_t cert_not_after_unix(const nlohmann::json& v) {
  if (v.is_number()) return v.get<std::int64_t>();
  if (!v.is_string()) return 0;
  const std::string s = v.get<std::string>();
  int y = 0, mon = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mon, &d, &h, &mi, &sec) == 6 ||
      std::sscanf(s.c_str(), "%4d-%2d-%2d %2d:%2d:%2d", &y, &mon, &d, &h, &mi, &sec) == 6)
    return to_unix(y, mon, d, h, mi, sec);
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char month[4] = {};
  if (std::sscanf(s.c_str(), "%3s %d %d:%d:%d %d", month, &d, &h, &mi, &sec, &y) == 6) {
    for (std::size_t i = 0; i < kMonths.size(); ++i)
      if (kMonths[i] == month) return to_unix(y, static_cast<int>(i) + 1, d, h, mi, sec);
  }
  return 0;
}

Metrics::Metrics(const Vantage& vantage, std::string_view version)
    : registry_(std::make_shared<prometheus::Registry>()),
      probe_series_(std::make_shared<ProbeSeries>()),
      exposition_(std::make_shared<Exposition>(probe_series_, registry_)),
      probe_duration_(BuildHistogram()
                          .Name("netvigil_probe_duration_seconds")
                          .Help("Duration of each measurement phase, per probe kind")
                          .Register(*registry_)),
      group_ratio_(BuildGauge()
                       .Name("netvigil_group_success_ratio")
                       .Help("Share of successful measurements in the last detector step")
                       .Register(*registry_)),
      group_index_(BuildGauge()
                       .Name("netvigil_connectivity_index_percent")
                       .Help("Connectivity index: 100 * ratio / rolling 7-day median baseline, "
                             "capped at 100 (% of ordinary levels)")
                       .Register(*registry_)),
      state_(BuildGauge()
                 .Name("netvigil_state")
                 .Help("Detector state, one-hot: 1 for the current state")
                 .Register(*registry_)),
      service_blocked_(BuildGauge()
                           .Name("netvigil_service_blocked")
                           .Help("1 if the service is blocked by this interference method")
                           .Register(*registry_)),
      event_active_(BuildGauge()
                        .Name("netvigil_event_active")
                        .Help("1 while a detected event window lasts, 0 after it ended")
                        .Register(*registry_)),
      event_start_(BuildGauge()
                       .Name("netvigil_event_start_timestamp_seconds")
                       .Help("Start of the event window (first failing step), unix seconds")
                       .Register(*registry_)) {
  BuildGauge()
      .Name("netvigil_build_info")
      .Help("netvigil build; always 1")
      .Register(*registry_)
      .Add({{"version", str(version)}})
      .Set(1);
  BuildGauge()
      .Name("netvigil_vantage_info")
      .Help("Operator-chosen labels of this vantage point; always 1")
      .Register(*registry_)
      .Add({{"vantage", vantage.id},
            {"country", vantage.country},
            {"asn", vantage.asn},
            {"network_type", vantage.network_type}})
      .Set(1);

  for (std::size_t k = 0; k < kKinds.size(); ++k)
    for (std::size_t p = 0; p < kPhases.size(); ++p)
      durations_[k][p] = &probe_duration_.Add(
          {{"kind", str(to_string(kKinds[k]))}, {"phase", str(kPhases[p])}}, kDurationBuckets);
  for (std::size_t i = 0; i < kStates.size(); ++i)
    state_series_[i] = &state_.Add({{"state", str(kStates[i])}});
  state_series_[0]->Set(1);

  store_write_errors_ = &BuildCounter()
                             .Name("netvigil_store_write_errors_total")
                             .Help("Failed SQLite write transactions")
                             .Register(*registry_)
                             .Add({});
  store_busy_retries_ =
      &BuildCounter()
           .Name("netvigil_store_busy_retries_total")
           .Help("Write transactions retried because another process held the database lock")
           .Register(*registry_)
           .Add({});
  store_buffered_ = &BuildGauge()
                         .Name("netvigil_store_buffered_measurements")
                         .Help("Measurements waiting for the next write transaction")
                         .Register(*registry_)
                         .Add({});
  dropped_ = &BuildCounter()
                  .Name("netvigil_measurements_dropped_total")
                  .Help("Measurements lost before they reached the database")
                  .Register(*registry_)
                  .Add({});
  store_last_write_family_ = &BuildGauge()
                                  .Name("netvigil_store_last_write_timestamp_seconds")
                                  .Help("Time of the last successful write transaction")
                                  .Register(*registry_);
  scheduler_lag_ = &BuildGauge()
                        .Name("netvigil_scheduler_lag_seconds")
                        .Help("How late the last probe run started against its schedule")
                        .Register(*registry_)
                        .Add({});
  skipped_ = &BuildCounter()
                  .Name("netvigil_scheduler_skipped_total")
                  .Help("Probe runs skipped: previous run still in flight or in-flight cap hit")
                  .Register(*registry_)
                  .Add({});
  in_flight_ = &BuildGauge()
                    .Name("netvigil_probes_in_flight")
                    .Help("Probe runs in progress")
                    .Register(*registry_)
                    .Add({});
  reload_success_ = &BuildGauge()
                         .Name("netvigil_config_reload_success")
                         .Help(
                             "1 if the last config load (start or SIGHUP) succeeded, 0 if "
                             "the last reload was refused and the old config kept")
                         .Register(*registry_)
                         .Add({});
  reload_success_->Set(1);  // the daemon only starts with a config that loaded
}

void Metrics::register_probes(const std::vector<ProbeSpec>& probes,
                              const std::vector<ServiceSpec>& services) {
  std::vector<ProbeSeries::Labels> wanted;
  wanted.reserve(probes.size() + services.size());
  for (const auto& p : probes) wanted.push_back({p.id, p.kind, p.group, p.service});
  for (const auto& s : services) wanted.push_back({s.id, ProbeKind::service, s.group, s.id});
  probe_series_->sync(wanted);
  for (auto it = services_.begin(); it != services_.end();) {
    bool keep = false;
    for (const auto& s : services) keep = keep || s.id == it->first;
    if (keep) {
      ++it;
      continue;
    }
    for (std::size_t m = 1; m < it->second.size(); ++m) service_blocked_.Remove(it->second[m]);
    it = services_.erase(it);
  }
}

void Metrics::observe(const Measurement& m) {
  std::int64_t cert = 0;
  if (m.evidence.is_object()) {
    auto it = m.evidence.find("cert_not_after");
    if (it != m.evidence.end()) cert = cert_not_after_unix(*it);
  }
  probe_series_->observe(m.probe_id, m.kind, m.group, m.service, m.ok,
                         m.failure.failed() ? m.failure.code : Failure::none, cert);
  const auto kind = static_cast<std::size_t>(m.kind);
  if (kind < durations_.size()) {
    const std::array<std::int32_t, kPhases.size()> us{m.phases.resolve_us, m.phases.connect_us,
                                                      m.phases.tls_us, m.phases.first_byte_us,
                                                      m.phases.total_us};
    for (std::size_t p = 0; p < us.size(); ++p)
      if (us[p] >= 0) durations_[kind][p]->Observe(static_cast<double>(us[p]) / 1e6);
  }
}

void Metrics::set_group(Group g, double success_ratio, double index_percent) {
  const auto i = static_cast<std::size_t>(g);
  if (i >= kGroups.size()) return;
  if (!ratio_by_group_[i]) {
    ratio_by_group_[i] = &group_ratio_.Add({{"group", str(to_string(g))}});
    index_by_group_[i] = &group_index_.Add({{"group", str(to_string(g))}});
  }
  ratio_by_group_[i]->Set(success_ratio);
  index_by_group_[i]->Set(index_percent);
}

bool Metrics::set_state(std::string_view state) {
  bool known = false;
  for (std::size_t i = 0; i < kStates.size(); ++i) {
    const bool on = kStates[i] == state;
    known = known || on;
    state_series_[i]->Set(on ? 1 : 0);
  }
  return known;
}

void Metrics::set_service_blocked(std::string_view service, Method method) {
  auto it = services_.find(service);
  if (it == services_.end()) {
    std::array<prometheus::Gauge*, kMethodCount> g{};
    for (std::size_t m = 1; m < g.size(); ++m)
      g[m] = &service_blocked_.Add(
          {{"service", str(service)}, {"method", str(to_string(static_cast<Method>(m)))}});
    it = services_.emplace(str(service), g).first;
  }
  for (std::size_t m = 1; m < it->second.size(); ++m)
    it->second[m]->Set(static_cast<std::size_t>(method) == m ? 1 : 0);
}

void Metrics::set_event(std::string_view type, std::string_view scope, std::string_view service,
                        bool active, std::int64_t start_unix_s) {
  EventKey key{str(type), str(scope), str(service)};
  auto it = events_.find(key);
  if (it == events_.end()) {
    const prometheus::Labels labels{
        {"type", str(type)}, {"scope", str(scope)}, {"service", str(service)}};
    it = events_.emplace(key, EventSeries{&event_active_.Add(labels), &event_start_.Add(labels)})
             .first;
  }
  it->second.active->Set(active ? 1 : 0);
  it->second.start->Set(static_cast<double>(start_unix_s));
}

void Metrics::set_store_health(const StoreFigures& h) {
  if (h.write_errors_total > last_store_.write_errors_total)
    store_write_errors_->Increment(
        static_cast<double>(h.write_errors_total - last_store_.write_errors_total));
  if (h.busy_retries_total > last_store_.busy_retries_total)
    store_busy_retries_->Increment(
        static_cast<double>(h.busy_retries_total - last_store_.busy_retries_total));
  if (h.dropped_total > last_store_.dropped_total)
    dropped_->Increment(static_cast<double>(h.dropped_total - last_store_.dropped_total));
  store_buffered_->Set(static_cast<double>(h.buffered));
  if (h.last_write_unix_s > 0) {
    if (!store_last_write_) store_last_write_ = &store_last_write_family_->Add({});
    store_last_write_->Set(static_cast<double>(h.last_write_unix_s));
  }
  last_store_ = h;
}

void Metrics::inc_store_write_errors(double n) {
  store_write_errors_->Increment(n);
}
void Metrics::inc_dropped(double n) {
  dropped_->Increment(n);
}

void Metrics::set_scheduler(double lag_seconds, std::size_t in_flight) {
  scheduler_lag_->Set(lag_seconds);
  in_flight_->Set(static_cast<double>(in_flight));
}

void Metrics::inc_skipped(double n) {
  skipped_->Increment(n);
}
void Metrics::set_config_reload(bool ok) {
  reload_success_->Set(ok ? 1 : 0);
}

}  // namespace netvigil
