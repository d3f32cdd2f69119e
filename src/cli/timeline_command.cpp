// netvigil timeline: the connectivity timeline drawn in the terminal.
#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/command_set.hpp"
#include "cli/config_choice.hpp"
#include "cli/store_open.hpp"
#include "cli/terminal_table.hpp"
#include "cli/time_args.hpp"
#include "detect/history_replay.hpp"
#include "detect/timeline_builder.hpp"
#include "detect/timeline_render.hpp"

namespace netvigil {

void register_timeline(CLI::App& app, CommandSet& set) {
  struct Opts {
    std::string config;
    std::string since = "24h";
    std::string until = "now";
    int width = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("timeline", "Draw the connectivity timeline in the terminal");
  sub->add_option("-c,--config", o->config, "config file");
  sub->add_option("--since", o->since, "from when: 6h, 7d, 2026-06-13 … (default 24h)");
  sub->add_option("--until", o->until, "until when (default now)");
  sub->add_option("--width", o->width, "columns (default: the terminal's, else 100)");
  set.add(sub, [o] {
    auto cfg = load_or_report(o->config);
    if (!cfg) return kExitConfig;
    const std::int64_t now = now_unix_s();
    auto from = parse_time_arg(o->since, now);
    auto to = parse_time_arg(o->until, now);
    if (!from || !to || *to <= *from) {
      std::cerr << "netvigil: cannot read the time range\n";
      return 64;
    }
    auto reader = open_record(*cfg);
    if (!reader) return 1;
    const auto params = detector_params_from(*cfg);
    const std::int64_t step = params.step_s;
    const std::int64_t start = *from / step * step;
    TimelineBuilder builder(start, *to, step);
    replay_history(*reader, params, start, *to, [&](const StepResult& r) { builder.add(r); });
    TimelineStyle style;
    style.color = use_colour(STDOUT_FILENO);
    style.width = o->width;
    if (style.width <= 0) {
      winsize ws{};
      style.width = (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) ? ws.ws_col : 100;
    }
    std::cout << render_timeline(builder.timeline(), style);
    return 0;
  });
}

}  // namespace netvigil
