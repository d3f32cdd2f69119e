// Runs the catalog's probes and services on their schedule, on the loop, with a bounded
// number in flight; hands every Measurement to one sink (the Recorder).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "core/measurement.hpp"
#include "probe/probe.hpp"
#include "schedule/schedule_table.hpp"

namespace netvigil {

/// Counters the metrics area exports (netvigil_scheduler_*).
struct SchedulerStats {
  double last_lag_s = 0;          ///< start lag of the most recent run (start − due)
  double max_lag_s = 0;           ///< worst start lag since the last reset_max_lag()
  std::uint64_t skipped = 0;      ///< runs dropped: previous run still going or too late
  std::uint64_t started = 0;
  std::uint64_t finished = 0;
  std::size_t in_flight = 0;
};

/// Not copyable or movable: timers and probe callbacks capture `this`.
class Scheduler {
 public:
  using Sink = std::function<void(Measurement)>;
  using RunnerLookup = std::function<ProbeRunner(ProbeKind)>;

  /// `env` and `config` must outlive the scheduler. `lookup` is runner_for in the daemon;
  /// tests inject fakes.
  Scheduler(ProbeEnv& env, const Config& config, Sink sink, RunnerLookup lookup);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Start periodic scheduling of every probe without a service, and every service.
  void start();
  /// Stop scheduling new runs; runs in flight still complete through the sink.
  void stop();
  /// Run every job once now (limited by max_in_flight); `all_done` when the last finishes.
  void run_once(std::function<void()> all_done);

  const SchedulerStats& stats() const noexcept { return stats_; }
  void reset_max_lag() noexcept { stats_.max_lag_s = 0; }
  std::size_t job_count() const noexcept { return jobs_.size(); }

 private:
  struct Job {
    const ProbeSpec* probe = nullptr;      // a plain probe, or
    const ServiceSpec* service = nullptr;  // a service with its endpoints
    std::vector<const ProbeSpec*> endpoints;
    std::chrono::milliseconds interval{0};
    bool in_flight = false;
  };
  struct ServiceRun {
    std::size_t remaining = 0;
    std::int64_t started_unix_ms = 0;
    std::vector<std::pair<const ProbeSpec*, Measurement>> results;
  };
  struct Unit {  // one probe run waiting for an in-flight slot
    const ProbeSpec* spec;
    std::shared_ptr<ServiceRun> service;
    SteadyTime due;
    std::size_t job;
  };

  void build_jobs();
  void on_wakeup();
  void arm();
  void enqueue_job(std::size_t job, SteadyTime due);
  void pump();
  void start_unit(Unit unit);
  void finish_unit(const Unit& unit, Measurement m);

  ProbeEnv& env_;
  const Config& config_;
  Sink sink_;
  RunnerLookup lookup_;
  std::vector<Job> jobs_;
  ScheduleTable table_;
  std::deque<Unit> ready_;
  SchedulerStats stats_;
  std::uint64_t timer_ = 0;
  bool running_ = false;
  std::function<void()> once_done_;
  std::size_t once_pending_ = 0;
  std::shared_ptr<bool> alive_;
};

}  // namespace netvigil
