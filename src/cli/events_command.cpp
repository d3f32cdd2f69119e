// netvigil events: blackout and interference windows.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/command_set.hpp"
#include "cli/config_choice.hpp"
#include "cli/store_open.hpp"
#include "cli/terminal_table.hpp"
#include "cli/time_args.hpp"
#include "export/json_export.hpp"
#include "export/text_format.hpp"

namespace netvigil {

void register_events(CLI::App& app, CommandSet& set) {
  struct Opts {
    std::string config;
    std::string since = "30d";
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("events", "Blackout, interference and throttling windows");
  sub->add_option("-c,--config", o->config, "config file");
  sub->add_option("--since", o->since, "from when: 24h, 7d, 2026-06-13 … (default 30d)");
  sub->add_flag("--json", o->json, "one JSON object per line");
  set.add(sub, [o] {
    auto cfg = load_or_report(o->config);
    if (!cfg) return kExitConfig;
    const std::int64_t now = now_unix_s();
    auto since = parse_time_arg(o->since, now);
    if (!since) {
      std::cerr << "netvigil: cannot read --since " << o->since << '\n';
      return 64;
    }
    auto reader = open_record(*cfg);
    if (!reader) return 1;
    const auto events = reader->events_since(*since);
    if (o->json) {
      for (const auto& e : events) std::cout << event_json(e).dump() << '\n';
      return 0;
    }
    if (events.empty()) {
      std::cout << "no events since " << iso_utc(*since) << '\n';
      return 0;
    }
    TerminalTable table({"type", "scope", "method", "start (UTC)", "end (UTC)", "duration", "min index", "STOP"});
    for (const auto& e : events) {
      const bool ongoing = !e.end.has_value();
      table.add_row({{e.type, e.type == "local_outage" ? Colour::dim : Colour::red},
                     {e.service.empty() ? e.scope : e.service},
                     {e.method == Method::none ? "" : std::string(to_string(e.method))},
                     {iso_utc(e.start)},
                     {ongoing ? "ongoing" : iso_utc(*e.end), ongoing ? Colour::yellow : Colour::none},
                     {human_duration((ongoing ? now : *e.end) - e.start)},
                     {fixed_number(e.min_index, 0) + " %"},
                     {e.shutdown_type.empty() ? "" : e.shutdown_type + " / " + e.extent, Colour::dim}});
    }
    table.print(std::cout, use_colour(STDOUT_FILENO));
    return 0;
  });
}

}  // namespace netvigil
