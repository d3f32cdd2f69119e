// Chunked readers: each chunk is one bounded SQLite query turned into a small buffer.
#include "cli/export_sources.hpp"

#include <algorithm>
#include <cmath>

#include "detect/step_feeder.hpp"

namespace netvigil {
namespace {

constexpr std::int64_t kDay = 86400;

/// A pull source refilled one chunk at a time by `fill(chunk_from, chunk_to, buffer)`.
template <class Row>
Source<Row> chunked(std::int64_t from, std::int64_t to, std::int64_t chunk,
                    std::function<void(std::int64_t, std::int64_t, std::deque<Row>&)> fill) {
  auto buffer = std::make_shared<std::deque<Row>>();
  auto next_from = std::make_shared<std::int64_t>(from);
  return [=](Row& out) {
    while (buffer->empty() && *next_from < to) {
      const std::int64_t end = std::min(to, *next_from + chunk);
      fill(*next_from, end, *buffer);
      *next_from = end;
    }
    if (buffer->empty()) return false;
    out = std::move(buffer->front());
    buffer->pop_front();
    return true;
  };
}

TimelineRow row_of(const StepResult& r, const ExportRange& range, const std::vector<std::string>& groups) {
  TimelineRow row;
  row.step_start = r.step_start;
  row.state = std::string(to_string(r.state));
  for (const auto& g : groups) {
    GroupPoint p{g};
    for (const auto& s : r.scopes) {
      if (s.scope != g || !s.has_data) continue;
      p.ratio = s.ratio;
      p.index = s.index;
    }
    row.groups.push_back(p);
  }
  for (const auto& svc : range.services) {
    ServicePoint p{svc};
    for (const auto& s : r.services)
      if (s.service == svc && s.has_data) p.ratio = s.blocked ? 0.0 : s.index / 100.0;
    row.services.push_back(p);
  }
  return row;
}

TimelineRow gap_row(std::int64_t t, const ExportRange& range, const std::vector<std::string>& groups) {
  TimelineRow row;
  row.step_start = t;
  row.state = "gap";
  for (const auto& g : groups) row.groups.push_back(GroupPoint{g});
  for (const auto& s : range.services) row.services.push_back(ServicePoint{s});
  return row;
}

}  // namespace

Source<TimelineRow> timeline_source(StoreReader& reader, const DetectorParams& params,
                                    const ExportRange& range, const std::vector<Event>& stored) {
  const std::int64_t step = std::max<std::int64_t>(1, params.step_s);
  const std::int64_t from = range.from / step * step;
  const std::vector<std::string> groups =
      range.groups.empty() ? std::vector<std::string>{"international", "domestic", "isp", "local"}
                           : range.groups;
  struct State {
    explicit State(const DetectorParams& p) : detector(p) {}
    Detector detector;
    std::vector<Event> open_events;
    bool warmed = false;
  };
  auto st = std::make_shared<State>(params);
  // Chunks are whole days of steps (a multiple of any step that divides a day).
  const std::int64_t chunk = std::max(step, kDay / step * step);
  return chunked<TimelineRow>(from, range.to, chunk, [&reader, &stored, st, step, range, groups, params](
                                                         std::int64_t a, std::int64_t b,
                                                         std::deque<TimelineRow>& out) {
    if (!st->warmed) {  // baselines as the live daemon had them at `from`
      StepFeeder warm(st->detector, [](const StepResult&) {});
      reader.rollups(a - params.baseline_window_steps * step, a, [&](const Rollup& r) { warm.push(r); });
      warm.finish();
      st->warmed = true;
    }
    std::int64_t expected = a;
    StepFeeder feeder(st->detector, [&](const StepResult& r) {
      for (; expected < r.step_start; expected += step) out.push_back(gap_row(expected, range, groups));
      TimelineRow row = row_of(r, range, groups);
      for (const auto& e : st->detector.open_events())
        for (const auto& s : stored)
          if (event_key(s) == event_key(e)) row.active_events.push_back(s.id);
      out.push_back(std::move(row));
      expected = r.step_start + step;
    });
    reader.rollups(a, b, [&](const Rollup& r) { feeder.push(r); });
    feeder.finish();
    for (; expected < b; expected += step) out.push_back(gap_row(expected, range, groups));
  });
}

std::vector<Event> events_in(StoreReader& reader, const ExportRange& range) {
  std::vector<Event> out;
  for (auto& e : reader.events_since(range.from))
    if (e.start < range.to) out.push_back(std::move(e));
  return out;
}

Source<RawMeasurementRow> raw_source(StoreReader& reader, const ExportRange& range) {
  return chunked<RawMeasurementRow>(range.from, range.to, 3600, [&reader](std::int64_t a, std::int64_t b,
                                                                        std::deque<RawMeasurementRow>& out) {
    reader.measurements(a * 1000, b * 1000, [&](const StoredMeasurement& s) {
      RawMeasurementRow r;
      const Measurement& m = s.m;
      r.probe = m.probe_id;
      r.kind = std::string(to_string(m.kind));
      r.group = std::string(to_string(m.group));
      r.service = m.service;
      r.t_ms = m.started_unix_ms;
      r.ok = m.ok;
      r.failure = m.ok ? "" : m.failure.ooni_string();
      r.failed_operation = m.ok ? "" : std::string(to_string(m.failure.op));
      r.phases = m.phases;
      r.status = m.http_status;
      r.evidence = m.evidence;
      out.push_back(std::move(r));
    });
  });
}

Source<ClockTrustRow> clock_source(StoreReader& reader, const ExportRange& range) {
  return chunked<ClockTrustRow>(range.from, range.to, kDay, [&reader](std::int64_t a, std::int64_t b,
                                                                     std::deque<ClockTrustRow>& out) {
    reader.clock_trust(a * 1000, b * 1000, [&](const ClockTrust& c) {
      out.push_back(ClockTrustRow{c.t_unix_ms / 1000, c.synced, c.max_error_us});
    });
  });
}

}  // namespace netvigil
