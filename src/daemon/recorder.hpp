// The Recorder: turns each Measurement into a stored row, metric updates and rollups, and
// each closed step into detector output, so the database and the metrics never disagree.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "config/config.hpp"
#include "core/measurement.hpp"
#include "detect/detector.hpp"
#include "metrics/status_page.hpp"
#include "store/rollup_builder.hpp"

namespace netvigil {

class MeasurementStore;
class Metrics;

/// Loop-thread only.
class Recorder {
 public:
  Recorder(const Config& config, MeasurementStore& store, Metrics& metrics, Detector& detector,
           SnapshotBox& snapshots);

  /// Store, count and bin one measurement.
  void record(Measurement m);
  /// Close every step that is due: store its rollups (hash-chained by the store), record the
  /// clock's trust, run the detector, store and export its events, publish a snapshot.
  void close_due_steps(std::int64_t now_unix_ms);
  /// Replay the stored rollups of the last baseline window through the detector, so a
  /// restart keeps its baselines and open windows (the same result as `detect --rebuild`).
  void warm_up_from_store();
  /// Push the store's health counters into the metrics; log when writes start failing and
  /// when they succeed again (once per transition, not per retry).
  void publish_store_health();
  /// Adopt a reloaded config (vantage labels, detector network type).
  void set_config(const Config& config);
  /// "normal · international 100 % · domestic 100 %" for systemd's STATUS=.
  std::string status_line() const;

 private:
  void apply_step(const RollupStep& step, bool live);
  void apply_event(Event e, bool active);
  void publish_snapshot();

  Vantage vantage_;
  MeasurementStore& store_;
  Metrics& metrics_;
  Detector& detector_;
  SnapshotBox& snapshots_;
  RollupBuilder rollups_;
  std::string db_path_;
  std::chrono::hours window_;
  StepResult last_;
  bool have_last_ = false;
  std::deque<StatusPoint> series_;                       // the last 24 h
  std::map<std::string, std::deque<std::int64_t>> recent_failures_;  // scope → measurement ids
  std::map<std::string, Event> active_;                  // key → open event
  bool store_failing_ = false;                           // a write failure was logged
  std::uint64_t logged_write_errors_ = 0;
  bool store_locked_ = false;                            // a held lock was logged
  std::uint64_t logged_busy_retries_ = 0;
  std::uint64_t failing_batches_ = 0;                    // commits counted when it began
};

}  // namespace netvigil
