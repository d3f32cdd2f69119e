// The daemon: wiring of loop, engines, scheduler, recorder, detector, store, metrics, HTTP.
#include "daemon/daemon.hpp"

#include <malloc.h>

#include <csignal>
#include <iostream>
#include <list>

#include "config/config_loader.hpp"
#include "daemon/probe_generation.hpp"
#include "daemon/recorder.hpp"
#include "daemon/systemd_notify.hpp"
#include "detect/detector.hpp"
#include "loop/event_loop.hpp"
#include "metrics/heartbeat.hpp"
#include "metrics/http_server.hpp"
#include "metrics/metrics.hpp"
#include "net/curl_engine.hpp"
#include "store/clock_trust.hpp"
#include "store/measurement_store.hpp"

namespace netvigil {
namespace {

void log(const std::string& line) {
  std::cerr << "netvigil: " << line << std::endl;
}

std::vector<ProbeSpec> all_probes(const Config& c) {
  std::vector<ProbeSpec> out;
  for (const auto& cat : c.catalogs) out.insert(out.end(), cat.probes.begin(), cat.probes.end());
  return out;
}

std::vector<ServiceSpec> all_services(const Config& c) {
  std::vector<ServiceSpec> out;
  for (const auto& cat : c.catalogs)
    out.insert(out.end(), cat.services.begin(), cat.services.end());
  return out;
}

class Daemon {
 public:
  Daemon(Config config, std::string flag)
      : flag_(std::move(flag)),
        config_(std::make_shared<const Config>(std::move(config))),
        curl_(loop_),
        metrics_(config_->vantage),
        detector_(detector_params_from(*config_)) {}

  int run() {
    // Signals first, so every thread started later inherits the blocked mask.
    loop_.on_signal(SIGTERM, [this] { shutdown("SIGTERM"); });
    loop_.on_signal(SIGINT, [this] { shutdown("SIGINT"); });
    loop_.on_signal(SIGHUP, [this] { reload(); });

    StoreOptions so;
    so.path = config_->database;
    so.raw_retention =
        std::chrono::duration_cast<std::chrono::milliseconds>(config_->retention.raw);
    try {
      store_ = std::make_unique<MeasurementStore>(so);
    } catch (const std::exception& e) {
      log("cannot open database " + so.path + ": " + e.what());
      return 73;  // EX_CANTCREAT
    }
    recorder_ = std::make_unique<Recorder>(*config_, *store_, metrics_, detector_, snapshots_);
    recorder_->warm_up_from_store();

    HttpServerOptions ho;
    if (auto err = http_options_from(config_->http, ho); !err.empty()) {
      log(err);
      return 78;
    }
    std::string error;
    http_ = HttpServer::start(
        ho, metrics_.collectable(), &heartbeat_, [this] { return snapshots_.get(); }, error);
    if (!http_) {
      log(error);
      return 69;  // EX_UNAVAILABLE
    }

    metrics_.register_probes(all_probes(*config_), all_services(*config_));
    start_generation(config_);
    start_timers();
    notify_.ready(status_line());
    log("measuring " + std::to_string(generation_->scheduler().job_count()) + " jobs; metrics on " +
        ho.listen + "; database " + config_->database);
    loop_.run();
    return exit_code_;
  }

 private:
  void start_generation(std::shared_ptr<const Config> cfg) {
    generation_ = std::make_unique<ProbeGeneration>(
        std::move(cfg), loop_, clock_, curl_,
        [this](Measurement m) { recorder_->record(std::move(m)); });
    generation_->scheduler().start();
  }

  void start_timers() {
    // The heartbeat and the watchdog are fed from the loop itself: a stuck loop stops both.
    std::chrono::milliseconds beat{1000};
    // A third of WATCHDOG_USEC: the timer re-arms after each beat, so gaps are the period plus
    // the loop's latency, and must still stay within WATCHDOG_USEC/2 (systemd's advice).
    if (auto wd = notify_.watchdog_interval())
      beat = std::min(beat, std::chrono::duration_cast<std::chrono::milliseconds>(*wd / 3));
    every(beat, [this] {
      heartbeat_.beat();
      notify_.watchdog();
    });
    heartbeat_.beat();
    every(std::chrono::milliseconds(1000), [this] { tick(); });
    // glibc keeps the pages freed after a peak of transfers in flight (a blackout's timeouts):
    // handing them back once a minute keeps RSS at what the daemon uses (a few ms per call).
    every(std::chrono::milliseconds(60'000), [] { malloc_trim(0); });
  }

  void every(std::chrono::milliseconds period, std::function<void()> fn) {
    periodic_.push_back({period, std::move(fn)});
    arm_periodic(periodic_.size() - 1);
  }

  void arm_periodic(std::size_t i) {
    loop_.add_timer_after(periodic_[i].period, [this, i] {
      if (stopping_) return;
      periodic_[i].fn();
      arm_periodic(i);
    });
  }

  void tick() {
    watch_wall_clock();
    const auto& st = generation_->scheduler().stats();
    metrics_.set_scheduler(st.last_lag_s, st.in_flight);
    if (st.skipped > reported_skipped_) {
      metrics_.inc_skipped(static_cast<double>(st.skipped - reported_skipped_));
      reported_skipped_ = st.skipped;
    }
    recorder_->close_due_steps(clock_.unix_ms());
    recorder_->publish_store_health();
    retired_.remove_if([](const std::unique_ptr<ProbeGeneration>& g) { return g->drained(); });
    const auto line = status_line();
    if (line != last_status_) {
      notify_.status(line);
      last_status_ = line;
    }
  }

  // Scheduling runs on the monotonic clock; stored timestamps follow the wall clock. When
  // the two disagree by more than a few seconds between ticks, the wall clock was stepped:
  // the step is logged and stored (meta clock_step:<wall ms> = step in ms), because a probe's
  // timestamps then jump, and go backwards after a step back.
  void watch_wall_clock() {
    const auto steady = clock_.steady_now();
    const std::int64_t wall = clock_.unix_ms();
    if (last_wall_ms_ != 0) {
      const auto steady_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(steady - last_steady_).count();
      const std::int64_t step = (wall - last_wall_ms_) - steady_ms;
      if (step > kClockStepMs || step < -kClockStepMs) {
        log("wall clock stepped by " + std::string(step > 0 ? "+" : "") +
            std::to_string(step / 1000) +
            " s against the monotonic clock; timestamps follow "
            "the wall clock (recorded as clock_step:" +
            std::to_string(wall) + ")");
        store_->set_meta("clock_step:" + std::to_string(wall), std::to_string(step));
        store_->enqueue_clock(read_clock_trust());
      }
    }
    last_wall_ms_ = wall;
    last_steady_ = steady;
  }

  std::string status_line() const { return recorder_ ? recorder_->status_line() : "starting"; }

  void reload() {
    notify_.reloading();
    LoadResult r = load_config(flag_);
    if (!r.ok()) {
      for (const auto& e : r.errors)
        log("reload refused, keeping the running config: " + e.to_string());
      metrics_.set_config_reload(false);
      notify_.status(status_line());
      return;
    }
    auto fresh = std::make_shared<const Config>(std::move(*r.config));
    if (fresh->database != config_->database || fresh->http.listen != config_->http.listen)
      log("reload: database and http.listen changes take effect at restart");
    generation_->scheduler().stop();
    retired_.push_back(std::move(generation_));
    metrics_.register_probes(all_probes(*fresh), all_services(*fresh));
    recorder_->set_config(*fresh);
    config_ = fresh;
    start_generation(config_);
    metrics_.set_config_reload(true);
    log("reloaded: " + std::to_string(generation_->scheduler().job_count()) + " jobs");
    notify_.ready(status_line());
  }

  void shutdown(const char* why) {
    if (stopping_) return;
    stopping_ = true;
    log(std::string(why) + ": flushing and stopping");
    generation_->scheduler().stop();
    recorder_->close_due_steps(clock_.unix_ms());
    notify_.stopping();
    // A writer held off by another process's write lock gets most of the unit's
    // TimeoutStopSec (30 s) before what is still buffered is given up; that loss is said.
    const auto dropped_before = store_->health().dropped.load();
    store_->stop(std::chrono::seconds(20));
    const auto lost = store_->health().dropped.load() - dropped_before;
    if (lost > 0)
      log("stopping: " + std::to_string(lost) +
          " measurements could not be written before exit (database locked or disk full)");
    loop_.stop();
  }

  std::string flag_;
  std::shared_ptr<const Config> config_;
  EventLoop loop_;
  SystemClock clock_;
  CurlEngine curl_;
  Metrics metrics_;
  Detector detector_;
  Heartbeat heartbeat_;
  SnapshotBox snapshots_;
  SystemdNotify notify_;
  std::unique_ptr<MeasurementStore> store_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<ProbeGeneration> generation_;
  std::list<std::unique_ptr<ProbeGeneration>> retired_;
  struct Periodic {
    std::chrono::milliseconds period;
    std::function<void()> fn;
  };
  std::vector<Periodic> periodic_;
  static constexpr std::int64_t kClockStepMs = 2000;
  std::int64_t last_wall_ms_ = 0;
  SteadyTime last_steady_{};
  std::uint64_t reported_skipped_ = 0;
  std::string last_status_;
  bool stopping_ = false;
  int exit_code_ = 0;
};

}  // namespace

int run_daemon(Config config, const std::string& config_flag) {
  Daemon d(std::move(config), config_flag);
  return d.run();
}

}  // namespace netvigil
