// Replaying stored history through a fresh detector: what status, timeline, exports and
// `detect --rebuild` all see, so they agree with each other and with the live daemon.
#pragma once

#include <cstdint>
#include <functional>

#include "detect/detector.hpp"

namespace netvigil {

class StoreReader;

/// Feeds the stored rollups of [from_s − baseline window, to_s) through a fresh Detector
/// (so baselines are established as the live daemon had them) and calls `on_step` for each
/// step at or after `from_s`. Streams: memory does not grow with the range.
void replay_history(StoreReader& reader, const DetectorParams& params, std::int64_t from_s,
                    std::int64_t to_s, const std::function<void(const StepResult&)>& on_step);

}  // namespace netvigil
