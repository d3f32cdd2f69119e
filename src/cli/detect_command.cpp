// netvigil detect --rebuild: recompute every window from the stored rollups.
#include <iostream>
#include <memory>

#include "cli/command_set.hpp"
#include "cli/config_choice.hpp"
#include "cli/store_open.hpp"
#include "cli/time_args.hpp"
#include "detect/step_feeder.hpp"
#include "store/measurement_store.hpp"

namespace netvigil {

void register_detect(CLI::App& app, CommandSet& set) {
  struct Opts {
    std::string config;
    bool rebuild = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("detect", "Recompute windows and events from stored measurements");
  sub->add_option("-c,--config", o->config, "config file");
  sub->add_flag("--rebuild", o->rebuild, "replace every stored event with the recomputed ones")->required();
  set.add(sub, [o] {
    auto cfg = load_or_report(o->config);
    if (!cfg) return kExitConfig;
    auto reader = open_record(*cfg);
    if (!reader) return 1;
    Detector detector(detector_params_from(*cfg));
    EventCollector collected;
    std::size_t steps = 0;
    StepFeeder feeder(detector, [&](const StepResult& r) {
      collected.add(r);
      ++steps;
    });
    reader->rollups(0, now_unix_s() + 86400, [&](const Rollup& r) { feeder.push(r); });
    feeder.finish();
    auto events = collected.events();
    // Evidence ids are kept from the stored events: rollups do not carry them.
    for (auto& e : events)
      for (const auto& old : reader->events())
        if (event_key(old) == event_key(e)) e.evidence = old.evidence;
    reader.reset();
    StoreOptions so;
    so.path = cfg->database;
    MeasurementStore store(so);
    const auto n = events.size();
    store.replace_all_events(std::move(events));
    if (!store.flush(std::chrono::seconds(30))) {
      std::cerr << "netvigil: could not write the rebuilt events\n";
      return 1;
    }
    store.stop();
    std::cout << "rebuilt " << n << " events from " << steps << " steps\n";
    return 0;
  });
}

}  // namespace netvigil
