// Streaming replay of stored rollups.
#include "detect/history_replay.hpp"

#include "detect/step_feeder.hpp"
#include "store/store_reader.hpp"

namespace netvigil {

void replay_history(StoreReader& reader, const DetectorParams& params, std::int64_t from_s,
                    std::int64_t to_s, const std::function<void(const StepResult&)>& on_step) {
  Detector detector(params);
  StepFeeder feeder(detector, [&](const StepResult& r) {
    if (r.step_start >= from_s) on_step(r);
  });
  const std::int64_t warm = params.baseline_window_steps * params.step_s;
  reader.rollups(from_s - warm, to_s, [&](const Rollup& r) { feeder.push(r); });
  feeder.finish();
}

}  // namespace netvigil
