// netvigil status: current state, both indexes, active events, the last result per probe.
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <memory>

#include "cli/command_set.hpp"
#include "cli/config_choice.hpp"
#include "cli/measurement_output.hpp"
#include "cli/store_open.hpp"
#include "cli/terminal_table.hpp"
#include "cli/time_args.hpp"
#include "detect/history_replay.hpp"
#include "export/json_export.hpp"
#include "export/text_format.hpp"

namespace netvigil {
namespace {

nlohmann::json number_or_null(double v) {
  return std::isnan(v) || v < 0 ? nlohmann::json() : nlohmann::json(v);
}

std::string pct(double v) {  // < 0: no data
  return std::isnan(v) || v < 0 ? "–" : fixed_number(v, 0) + " %";
}

}  // namespace

void register_status(CLI::App& app, CommandSet& set) {
  struct Opts {
    std::string config;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand(
      "status", "Current state, indexes, active events and the last result per probe");
  sub->add_option("-c,--config", o->config, "config file");
  sub->add_flag("--json", o->json, "machine-readable output");
  set.add(sub, [o] {
    auto cfg = load_or_report(o->config);
    if (!cfg) return kExitConfig;
    auto reader = open_record(*cfg);
    if (!reader) return 1;
    const auto params = detector_params_from(*cfg);
    const std::int64_t now = now_unix_s();
    StepResult last;
    bool have = false;
    // The last hour is enough to report; replay_history warms the baselines up first.
    replay_history(*reader, params, now - 3600, now + 1, [&](const StepResult& r) {
      last = r;
      have = true;
    });
    const auto active = reader->events_active();
    const auto results = reader->last_per_probe();
    const std::string state = have ? std::string(to_string(last.state)) : "no_data";

    if (o->json) {
      nlohmann::json j;
      j["vantage"] = cfg->vantage.id;
      j["state"] = state;
      j["as_of"] = have ? nlohmann::json(iso_utc(last.step_start)) : nlohmann::json();
      j["intl_index"] = have ? number_or_null(last.intl_index) : nlohmann::json();
      j["domestic_index"] = have ? number_or_null(last.domestic_index) : nlohmann::json();
      j["active_events"] = nlohmann::json::array();
      for (const auto& e : active) j["active_events"].push_back(event_json(e));
      j["probes"] = nlohmann::json::array();
      for (const auto& r : results) {
        j["probes"].push_back(
            {{"probe", r.slug},
             {"kind", to_string(r.kind)},
             {"group", to_string(r.group)},
             {"service", r.service},
             {"t", iso8601_ms(r.t_unix_ms)},
             {"ok", r.ok},
             {"failure", r.failure},
             {"operation", r.ok ? "" : to_string(r.op)},
             {"method", r.ok || r.method == Method::none ? "" : to_string(r.method)}});
      }
      std::cout << j.dump(2) << '\n';
      return 0;
    }
    const bool colour = use_colour(STDOUT_FILENO);
    const Colour sc = state == "normal"                             ? Colour::green
                      : state == "warming_up" || state == "no_data" ? Colour::yellow
                                                                    : Colour::red;
    std::cout << "vantage    " << cfg->vantage.id
              << (cfg->vantage.country.empty() ? "" : " (" + cfg->vantage.country + ")") << '\n';
    std::cout << "state      " << (colour ? ansi(sc) : "") << state << (colour ? "\033[0m" : "")
              << (have ? "  as of " + iso_utc(last.step_start) : "") << '\n';
    if (have) {
      std::cout << "index      international " << pct(last.intl_index) << " · domestic "
                << pct(last.domestic_index) << " of ordinary levels\n";
    }
    std::cout << "events     " << active.size() << " active\n";
    for (const auto& e : active) {
      std::cout << "  • " << e.type << " " << (e.service.empty() ? e.scope : e.service)
                << (e.method != Method::none ? " by " + std::string(to_string(e.method)) : "")
                << " since " << iso_utc(e.start) << " (" << human_duration(now - e.start) << ")\n";
    }
    std::cout << '\n';
    TerminalTable table(
        {"probe", "kind", "group", "service", "verdict", "failure", "operation", "when"});
    for (const auto& r : results) {
      table.add_row({{r.slug},
                     {std::string(to_string(r.kind)), Colour::dim},
                     {std::string(to_string(r.group))},
                     {r.service.empty() ? "-" : r.service, Colour::dim},
                     {r.ok ? "✓ ok" : "✗ failed", r.ok ? Colour::green : Colour::red},
                     {r.failure, Colour::red},
                     {r.ok ? "" : std::string(to_string(r.op))},
                     {human_duration(now - r.t_unix_ms / 1000) + " ago", Colour::dim}});
    }
    table.print(std::cout, colour);
    return 0;
  });
}

}  // namespace netvigil
