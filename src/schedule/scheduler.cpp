// Periodic jobs on loop timers; a FIFO of runs waiting for an in-flight slot.
#include "schedule/scheduler.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "loop/event_loop.hpp"
#include "schedule/service_verdict.hpp"

namespace netvigil {

Scheduler::Scheduler(ProbeEnv& env, const Config& config, Sink sink, RunnerLookup lookup)
    : env_(env),
      config_(config),
      sink_(std::move(sink)),
      lookup_(std::move(lookup)),
      table_(config.schedule.jitter),
      alive_(std::make_shared<bool>(true)) {
  build_jobs();
}

Scheduler::~Scheduler() {
  *alive_ = false;
  if (timer_) env_.loop->cancel_timer(timer_);
}

void Scheduler::build_jobs() {
  std::map<std::string, std::size_t> service_job;
  for (const auto& cat : config_.catalogs) {
    for (const auto& svc : cat.services) {
      Job j;
      j.service = &svc;
      j.interval = config_.schedule.interval;
      service_job[svc.id] = jobs_.size();
      jobs_.push_back(std::move(j));
    }
  }
  for (const auto& cat : config_.catalogs) {
    for (const auto& p : cat.probes) {
      if (!p.service.empty()) {
        auto it = service_job.find(p.service);
        if (it != service_job.end()) jobs_[it->second].endpoints.push_back(&p);
        continue;
      }
      Job j;
      j.probe = &p;
      j.interval = p.interval.value_or(config_.schedule.interval);
      jobs_.push_back(std::move(j));
    }
  }
}

void Scheduler::start() {
  running_ = true;
  const auto origin = env_.loop->now();
  for (const auto& j : jobs_) table_.add(j.interval, origin);
  arm();
}

void Scheduler::stop() {
  running_ = false;
  if (timer_) env_.loop->cancel_timer(timer_);
  timer_ = 0;
  ready_.clear();
}

void Scheduler::arm() {
  if (timer_) env_.loop->cancel_timer(timer_);
  timer_ = 0;
  if (!running_ || table_.size() == 0) return;
  timer_ = env_.loop->add_timer(table_.next_wakeup(), [this] {
    timer_ = 0;
    on_wakeup();
  });
}

void Scheduler::on_wakeup() {
  const auto now = env_.loop->now();
  std::uint64_t skipped = 0;
  for (std::size_t i : table_.take_due(now, skipped)) {
    if (jobs_[i].in_flight) {
      ++stats_.skipped;  // the previous run has not finished: never pile up
      continue;
    }
    enqueue_job(i, now);
  }
  stats_.skipped += skipped;
  pump();
  arm();
}

void Scheduler::enqueue_job(std::size_t i, SteadyTime due) {
  Job& j = jobs_[i];
  j.in_flight = true;
  if (j.probe) {
    ready_.push_back(Unit{j.probe, nullptr, due, i});
    return;
  }
  auto run = std::make_shared<ServiceRun>();
  run->remaining = j.endpoints.size();
  run->started_unix_ms = env_.clock->unix_ms();
  if (j.endpoints.empty()) {
    finish_unit(Unit{nullptr, run, due, i}, Measurement{});
    return;
  }
  for (const auto* ep : j.endpoints) ready_.push_back(Unit{ep, run, due, i});
}

void Scheduler::pump() {
  const std::size_t cap = std::max<std::size_t>(1, config_.schedule.max_in_flight);
  while (stats_.in_flight < cap && !ready_.empty()) {
    Unit u = std::move(ready_.front());
    ready_.pop_front();
    start_unit(std::move(u));
  }
}

void Scheduler::start_unit(Unit unit) {
  const auto now = env_.loop->now();
  const double lag = std::chrono::duration<double>(now - unit.due).count();
  stats_.last_lag_s = lag;
  stats_.max_lag_s = std::max(stats_.max_lag_s, lag);
  ++stats_.started;
  ++stats_.in_flight;

  const ProbeSpec& spec = *unit.spec;
  const auto timeout = spec.timeout.value_or(config_.schedule.timeout);
  Measurement header = start_measurement(spec, *env_.clock);
  ProbeRunner runner = lookup_(spec.kind);

  // The run ends exactly once: by the runner's done, or by our guard if a runner ever
  // overran its deadline (then its late answer is ignored).
  auto finished = std::make_shared<bool>(false);
  auto alive = alive_;
  auto guard = std::make_shared<EventLoop::TimerId>(0);
  auto complete = [this, unit, finished, alive, guard, header](Measurement m) {
    if (!*alive || *finished) return;
    *finished = true;
    if (*guard) env_.loop->cancel_timer(*guard);
    m.probe_id = header.probe_id;
    m.kind = header.kind;
    m.group = header.group;
    m.service = header.service;
    m.started_unix_ms = header.started_unix_ms;
    finish_unit(unit, std::move(m));
  };
  *guard = env_.loop->add_timer_after(timeout + std::chrono::seconds(2), [complete, header] {
    Measurement m = header;
    m.ok = false;
    m.failure = FailureInfo{Failure::generic_timeout_error, Operation::none, {}};
    complete(std::move(m));
  });
  if (!runner) {
    Measurement m = header;
    m.failure = unknown_failure(Operation::none, "no runner for this kind");
    env_.loop->post([complete, m] { complete(m); });
    return;
  }
  runner(env_, spec, timeout, complete);
}

void Scheduler::finish_unit(const Unit& unit, Measurement m) {
  if (unit.spec) {
    --stats_.in_flight;
    ++stats_.finished;
  }
  Job& job = jobs_[unit.job];
  bool job_done = true;
  if (unit.service) {
    auto& run = *unit.service;
    if (unit.spec) {
      sink_(m);  // endpoints are data too
      run.results.emplace_back(unit.spec, std::move(m));
      --run.remaining;
    }
    job_done = run.remaining == 0;
    if (job_done) {
      std::vector<EndpointResult> results;
      for (const auto& [spec, em] : run.results) results.push_back({spec, &em});
      sink_(evaluate_service(*job.service, results, run.started_unix_ms));
    }
  } else {
    sink_(std::move(m));
  }
  if (job_done) {
    job.in_flight = false;
    if (once_pending_ > 0 && --once_pending_ == 0 && once_done_) {
      auto cb = std::move(once_done_);
      once_done_ = nullptr;
      env_.loop->post(cb);
    }
  }
  pump();
}

void Scheduler::run_once(std::function<void()> all_done) {
  once_done_ = std::move(all_done);
  once_pending_ = 0;
  const auto now = env_.loop->now();
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    if (jobs_[i].in_flight) continue;
    ++once_pending_;
  }
  if (once_pending_ == 0) {
    if (once_done_) env_.loop->post(std::exchange(once_done_, nullptr));
    return;
  }
  for (std::size_t i = 0; i < jobs_.size(); ++i)
    if (!jobs_[i].in_flight) enqueue_job(i, now);
  pump();
}

}  // namespace netvigil
