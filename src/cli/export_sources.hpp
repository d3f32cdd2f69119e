// Pull sources over the stored record for the export writers: timeline steps (replayed
// through the detector), events, raw measurements and clock trust — streamed in day-sized
// chunks so memory stays flat however long the range.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "detect/detector.hpp"
#include "export/export_data.hpp"
#include "store/store_reader.hpp"

namespace netvigil {

/// Which rows an export covers.
struct ExportRange {
  std::int64_t from = 0;  ///< unix s, inclusive (aligned down to a step)
  std::int64_t to = 0;    ///< unix s, exclusive
  std::vector<std::string> groups;    ///< empty: all four
  std::vector<std::string> services;  ///< empty: none
};

/// One TimelineRow per step of [from, to), gaps included (NaN figures, state "gap").
/// Each call of the returned source pulls the next row; rollups are read one chunk at a time.
/// `stored` (the stored events of the range) gives active windows their store ids; `reader`
/// and `stored` must outlive the source.
Source<TimelineRow> timeline_source(StoreReader& reader, const DetectorParams& params,
                                    const ExportRange& range, const std::vector<Event>& stored);

/// Stored events overlapping [from, to), in start order.
std::vector<Event> events_in(StoreReader& reader, const ExportRange& range);

/// Raw measurements of [from, to), chunked by hour.
Source<RawMeasurementRow> raw_source(StoreReader& reader, const ExportRange& range);

/// Clock-trust samples of [from, to), chunked by day.
Source<ClockTrustRow> clock_source(StoreReader& reader, const ExportRange& range);

}  // namespace netvigil
