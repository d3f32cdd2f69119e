// One place where measurements become rows, metrics, rollups and detector steps.
#include "daemon/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>

#include "metrics/metrics.hpp"
#include "store/clock_trust.hpp"
#include "store/measurement_store.hpp"
#include "store/store_reader.hpp"

namespace netvigil {
namespace {

constexpr std::size_t kEvidencePerScope = 20;  // measurement ids kept as an event's evidence

std::string scope_of(const Measurement& m) {
  if (m.kind == ProbeKind::service) return "service:" + m.service;
  if (m.kind == ProbeKind::throughput) return "throughput:" + std::string(to_string(m.group));
  if (!m.service.empty()) return "endpoint:" + m.service;
  return std::string(to_string(m.group));
}

std::string window_key(const Event& e) {
  return e.type + "|" + e.scope + "|" + std::to_string(e.start);
}

std::string percent(double v) {
  if (std::isnan(v) || v < 0) return "–";  // no data yet
  return std::to_string(static_cast<int>(std::lround(v))) + " %";
}

}  // namespace

Recorder::Recorder(const Config& config, MeasurementStore& store, Metrics& metrics,
                   Detector& detector, SnapshotBox& snapshots)
    : vantage_(config.vantage),
      store_(store),
      metrics_(metrics),
      detector_(detector),
      snapshots_(snapshots),
      rollups_(config.detector.step, config.schedule.timeout + std::chrono::seconds(2)),
      db_path_(config.database),
      window_(config.detector.baseline_window) {}

void Recorder::set_config(const Config& config) {
  vantage_ = config.vantage;
}

void Recorder::record(Measurement m) {
  const std::int64_t id = store_.enqueue(m);
  metrics_.observe(m);
  rollups_.add(m);
  if (!m.ok && id != 0) {
    auto& ids = recent_failures_[scope_of(m)];
    ids.push_back(id);
    if (ids.size() > kEvidencePerScope) ids.pop_front();
  }
}

void Recorder::close_due_steps(std::int64_t now_unix_ms) {
  auto steps = rollups_.close_due(now_unix_ms);
  if (steps.empty()) return;
  for (auto& step : steps) {
    apply_step(step, true);
    store_.enqueue_rollups(std::move(step));
  }
  store_.enqueue_clock(read_clock_trust());
  publish_snapshot();
}

void Recorder::apply_step(const RollupStep& step, bool live) {
  StepResult r = detector_.step(step.step_start, step.rollups);
  if (r.state == DetectorState::no_data) return;
  last_ = r;
  have_last_ = true;
  for (const auto& s : r.scopes) {
    if (!s.has_data) continue;
    if (auto g = group_from(s.scope)) metrics_.set_group(*g, s.ratio, s.index);
  }
  metrics_.set_state(to_string(r.state));
  for (const auto& s : r.services)
    if (s.has_data) metrics_.set_service_blocked(s.service, s.blocked ? s.method : Method::none);

  for (auto& e : r.opened) apply_event(std::move(e), true);
  for (auto& e : r.updated) apply_event(std::move(e), true);
  for (auto& e : r.closed) apply_event(std::move(e), false);

  series_.push_back({step.step_start, r.intl_index, r.domestic_index});
  while (!series_.empty() && series_.front().t < step.step_start - 24 * 3600) series_.pop_front();
  (void)live;
}

void Recorder::apply_event(Event e, bool active) {
  // Evidence: the recent failed measurements of the event's scope (for a group event, the
  // group's own probes; for a service, its endpoints and verdicts).
  auto add_ids = [&](const std::string& scope) {
    auto it = recent_failures_.find(scope);
    if (it == recent_failures_.end()) return;
    for (auto id : it->second)
      if (std::find(e.evidence.begin(), e.evidence.end(), id) == e.evidence.end())
        e.evidence.push_back(id);
  };
  add_ids(e.scope);
  if (!e.service.empty()) add_ids("endpoint:" + e.service);
  if (e.type == "full_blackout") add_ids("domestic");
  if (e.type == "intl_blackout" || e.type == "full_blackout") add_ids("international");
  if (e.network_type.empty()) e.network_type = vantage_.network_type;

  const std::string key = window_key(e);
  metrics_.set_event(e.type, e.scope, e.service, active, e.start);
  if (active)
    active_[key] = e;
  else
    active_.erase(key);
  store_.upsert_event(std::move(e));
}

void Recorder::warm_up_from_store() {
  try {
    StoreReader reader(db_path_);
    const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    const std::int64_t from =
        now_s - std::chrono::duration_cast<std::chrono::seconds>(window_).count();
    RollupStep current;
    bool have = false;
    std::size_t steps = 0;
    reader.rollups(from, now_s + 1, [&](const Rollup& r) {
      if (have && r.step_start != current.step_start) {
        apply_step(current, false);
        ++steps;
        current.rollups.clear();
      }
      current.step_start = r.step_start;
      current.rollups.push_back(r);
      have = true;
    });
    if (have) {
      apply_step(current, false);
      ++steps;
    }
    if (steps > 0) std::cerr << "netvigil: detector resumed from " << steps << " stored steps\n";
  } catch (const std::exception& e) {
    std::cerr << "netvigil: no stored history to resume from (" << e.what() << ")\n";
  }
  publish_snapshot();
}

void Recorder::publish_store_health() {
  const auto& h = store_.health();
  StoreFigures f;
  f.write_errors_total = h.write_errors.load(std::memory_order_relaxed);
  f.dropped_total = h.dropped.load(std::memory_order_relaxed);
  f.buffered = h.buffered.load(std::memory_order_relaxed);
  f.busy_retries_total = h.busy_retries.load(std::memory_order_relaxed);
  f.last_write_unix_s = h.last_success_unix_ms.load(std::memory_order_relaxed) / 1000;
  metrics_.set_store_health(f);
  // The store's thread does not log; its health counters are turned into lines here.
  const auto batches = h.batches.load(std::memory_order_relaxed);
  if (f.write_errors_total > logged_write_errors_ && !store_failing_) {
    store_failing_ = true;
    failing_batches_ = batches;
    std::cerr << "netvigil: store: cannot write to " << db_path_ << " ("
              << (h.disk_error.load(std::memory_order_relaxed) ? "disk full or I/O error"
                                                               : "database error")
              << ", SQLite code " << h.last_error_code.load(std::memory_order_relaxed)
              << "); keeping the newest " << f.buffered << " measurements in memory and retrying"
              << std::endl;
  } else if (store_failing_ && f.write_errors_total == logged_write_errors_ &&
             batches > failing_batches_ && f.buffered == 0) {
    store_failing_ = false;
    std::cerr << "netvigil: store: writing again; buffered measurements written out ("
              << f.dropped_total << " dropped in total)" << std::endl;
  }
  logged_write_errors_ = f.write_errors_total;
  // Another process holding the write lock (a sqlite3 shell in a transaction): rows wait.
  if (f.busy_retries_total > logged_busy_retries_ && !store_locked_) {
    store_locked_ = true;
    std::cerr << "netvigil: store: " << db_path_
              << " is locked by another process; measurements wait in memory (" << f.buffered
              << " so far) and the write is retried" << std::endl;
  } else if (store_locked_ && f.busy_retries_total == logged_busy_retries_ && f.buffered == 0) {
    store_locked_ = false;
    std::cerr << "netvigil: store: lock released; waiting measurements written" << std::endl;
  }
  logged_busy_retries_ = f.busy_retries_total;
}

void Recorder::publish_snapshot() {
  auto s = std::make_shared<StatusSnapshot>();
  s->generated_at = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  if (have_last_) {
    s->state = std::string(to_string(last_.state));
    s->intl_index = last_.intl_index;
    s->domestic_index = last_.domestic_index;
  }
  for (const auto& [k, e] : active_) s->events.push_back(e);
  s->series.assign(series_.begin(), series_.end());
  s->vantage = vantage_;
  s->version = NETVIGIL_VERSION;
  snapshots_.set(std::move(s));
}

std::string Recorder::status_line() const {
  if (!have_last_) return "warming up: no step closed yet";
  std::string line = std::string(to_string(last_.state)) + " · international " +
                     percent(last_.intl_index) + " · domestic " + percent(last_.domestic_index);
  if (!active_.empty()) line += " · " + std::to_string(active_.size()) + " active events";
  return line;
}

}  // namespace netvigil
