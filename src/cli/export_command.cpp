// netvigil export: timelines, events and raw measurements in the formats journalists and
// other tools read; optionally signed.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command_set.hpp"
#include "cli/config_choice.hpp"
#include "cli/export_sources.hpp"
#include "cli/store_open.hpp"
#include "cli/time_args.hpp"
#include "export/export_format.hpp"
#include "export/signing.hpp"
#include "export/text_format.hpp"

namespace netvigil {
namespace {

struct Opts {
  std::string config;
  std::string from = "24h";
  std::string to = "now";
  std::string format;
  std::string output;
  std::vector<std::string> groups;
  std::vector<std::string> services;
  std::vector<std::string> labels;
  std::string sign;
};

std::string window_words(std::int64_t seconds) {
  if (seconds >= 86400 && seconds % 86400 == 0) return std::to_string(seconds / 86400) + " days";
  if (seconds >= 3600 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + " hours";
  return std::to_string(seconds / 60) + " minutes";
}

ExportMeta meta_for(const Config& cfg, const DetectorParams& params, const ExportRange& range,
                    StoreReader& reader) {
  ExportMeta meta;
  meta.vantage = cfg.vantage;
  meta.from = range.from;
  meta.to = range.to;
  meta.step_s = params.step_s;
  meta.method_version = params.method_version;
  meta.baseline_definition =
      "Connectivity index = 100 × r / b, capped at 100, where r is the share of complete "
      "transactions (a poisoned DNS answer, a block page or a reset handshake counts as a "
      "failure) of a group's probes in a step, and b its ordinary level: the median of r over "
      "the previous " +
      window_words(params.baseline_window_steps * params.step_s) +
      ", with outlying steps (r/b outside [" + fixed_number(params.inpaint_low, 1) + ", " +
      fixed_number(params.inpaint_high, 1) +
      "]) replaced by the baseline so an outage cannot "
      "drag it down; a level below " +
      fixed_number(params.new_normal_floor_ratio * 100, 0) + " % is never accepted as ordinary.";
  meta.baseline_parameters = {{"step_s", params.step_s},
                              {"window_s", params.baseline_window_steps * params.step_s},
                              {"warmup_s", params.warmup_steps * params.step_s},
                              {"inpaint_low", params.inpaint_low},
                              {"inpaint_high", params.inpaint_high},
                              {"degraded_index", params.degraded_index},
                              {"blackout_index", params.blackout_index},
                              {"new_normal_floor_ratio", params.new_normal_floor_ratio}};
  meta.groups = range.groups;
  meta.services = range.services;
  if (auto head = reader.chain_head())
    meta.chain_head = to_hex(head->hash.data(), head->hash.size());
  return meta;
}

int run_export(const Opts& o) {
  const auto format = export_format_from(o.format);
  if (!format || *format == ExportFormat::events_csv) {
    std::cerr << "netvigil: unknown format '" << o.format
              << "' (csv, json, ooni-jsonl, openmetrics, svg, png, html)\n";
    return 64;
  }
  auto cfg = load_or_report(o.config);
  if (!cfg) return kExitConfig;
  const std::int64_t now = now_unix_s();
  auto from = parse_time_arg(o.from, now);
  auto to = parse_time_arg(o.to, now);
  if (!from || !to || *to <= *from) {
    std::cerr << "netvigil: cannot read the time range --from " << o.from << " --to " << o.to
              << '\n';
    return 64;
  }
  if (o.format == "png" && o.output.empty()) {
    std::cerr << "netvigil: png needs -o FILE\n";
    return 64;
  }
  if (!o.sign.empty() && o.output.empty()) {
    std::cerr << "netvigil: --sign needs -o FILE\n";
    return 64;
  }
  auto reader = open_record(*cfg);
  if (!reader) return 1;
  const auto params = detector_params_from(*cfg);
  ExportRange range{*from / params.step_s * params.step_s, *to, o.groups, o.services};
  ExportMeta meta = meta_for(*cfg, params, range, *reader);
  for (const auto& l : o.labels) {
    const auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "netvigil: --label wants key=value, got " << l << '\n';
      return 64;
    }
    meta.extra_labels.emplace_back(l.substr(0, eq), l.substr(eq + 1));
  }

  std::ofstream file;
  if (!o.output.empty()) {
    file.open(o.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "netvigil: cannot write " << o.output << '\n';
      return 73;
    }
  }
  std::ostream& os = o.output.empty() ? std::cout : file;

  const bool tty = isatty(STDERR_FILENO) == 1;
  Progress progress;
  progress.total = static_cast<std::uint64_t>((range.to - range.from) /
                                              std::max<std::int64_t>(1, params.step_s));
  progress.every = 5000;
  if (tty) {
    progress.report = [](std::uint64_t done, std::uint64_t total) {
      std::cerr << "\r\033[Kexporting… " << done;
      if (total) std::cerr << " / " << total << " (" << done * 100 / total << " %)";
      std::cerr << std::flush;
    };
  }
  const auto events = events_in(*reader, range);
  ExportSources sources;
  sources.timeline = [&] { return timeline_source(*reader, params, range, events); };
  sources.events = [&] { return source_of(events); };
  sources.raw = [&] { return raw_source(*reader, range); };
  sources.clock = [&] { return clock_source(*reader, range); };
  // The report names the file by its base name only: a local path says where it was made.
  const std::string base_name = o.output.substr(o.output.find_last_of('/') + 1);
  if (auto err = write_export(*format, meta, sources, os, &progress, base_name); !err.empty()) {
    std::cerr << "netvigil: " << err << '\n';
    return 1;
  }
  if (*format == ExportFormat::csv && !o.output.empty()) {
    const std::string events_path = o.output + ".events.csv";
    std::ofstream ev(events_path, std::ios::trunc);
    write_export(ExportFormat::events_csv, meta, sources, ev);
    std::cerr << "events: " << events_path << '\n';
  }
  if (tty) std::cerr << "\r\033[K";
  os.flush();
  if (!o.output.empty()) {
    file.close();
    if (!file) {
      std::cerr << "netvigil: writing " << o.output << " failed\n";
      return 74;
    }
    std::cerr << "wrote " << o.output << '\n';
  }
  if (!o.sign.empty()) {
    auto s = sign_file(o.output, o.sign);
    if (!s.ok) {
      std::cerr << "netvigil: signing failed: " << s.error << '\n';
      return 1;
    }
    std::cerr << "signed: " << s.sig_path << " (key fingerprint " << s.fingerprint << ")\n";
  }
  return 0;
}

}  // namespace

void register_export(CLI::App& app, CommandSet& set) {
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("export",
                                 "Export timelines, events and measurements (csv, json, "
                                 "ooni-jsonl, openmetrics, svg, png, html)");
  sub->add_option("-c,--config", o->config, "config file");
  sub->add_option("--from", o->from, "start: 24h, 7d, 2026-06-13T14:00Z … (default 24h)");
  sub->add_option("--to", o->to, "end (default now)");
  sub->add_option("--format", o->format, "csv | json | ooni-jsonl | openmetrics | svg | png | html")
      ->required();
  sub->add_option("-o,--output", o->output, "file to write (default: standard output)");
  sub->add_option("--group", o->groups, "groups to include (repeatable; default all four)");
  sub->add_option("--service", o->services, "services to include (repeatable)");
  sub->add_option("--label", o->labels,
                  "openmetrics: extra label key=value (e.g. vantage=tehran-1)");
  sub->add_option("--sign", o->sign, "Ed25519 private key: write FILE.sig beside the export");
  set.add(sub, [o] { return run_export(*o); });
}

void register_verify(CLI::App& app, CommandSet& set) {
  struct VOpts {
    std::string file, sig, key, fingerprint, config;
    bool chain = false;
  };
  auto o = std::make_shared<VOpts>();
  auto* sub = app.add_subcommand(
      "verify", "Check a signed export (and, with --chain, the record's hash chain)");
  sub->add_option("file", o->file, "the exported file");
  sub->add_option("--sig", o->sig, "signature file (default FILE.sig)");
  sub->add_option("--key", o->key, "pinned public key (PEM) of the publisher");
  sub->add_option("--fingerprint", o->fingerprint, "pinned key fingerprint (hex) of the publisher");
  sub->add_flag("--chain", o->chain, "verify the database's rollup hash chain");
  sub->add_option("-c,--config", o->config, "config file (for --chain)");
  set.add(sub, [o] {
    int rc = 0;
    if (!o->file.empty()) {
      auto r = verify_file(o->file, o->sig, PinnedKey{o->key, o->fingerprint});
      // Verdict messages carry their own "OK" / "FAILED"; read errors get one here.
      const bool labelled = r.message.rfind("OK", 0) == 0 || r.message.rfind("FAILED", 0) == 0;
      std::cout << (labelled ? "" : (r.ok() ? "OK: " : "FAILED: ")) << r.message << '\n';
      if (!r.fingerprint.empty()) std::cout << "key fingerprint: " << r.fingerprint << '\n';
      if (!r.ok()) rc = 1;
    }
    if (o->chain) {
      auto cfg = load_or_report(o->config);
      if (!cfg) return kExitConfig;
      auto reader = open_record(*cfg);
      if (!reader) return 1;
      auto v = reader->verify_chain();
      if (v.ok) {
        std::cout << "OK: rollup chain of " << v.steps << " steps intact; head "
                  << to_hex(v.head.data(), v.head.size()) << '\n';
      } else {
        std::cout << "FAILED: rollup chain broken at step " << v.first_bad_seq << " ("
                  << iso_utc(v.first_bad_step_start) << "): " << v.message << '\n';
        rc = 1;
      }
    }
    if (o->file.empty() && !o->chain) {
      std::cerr << "netvigil: give a FILE to verify, or --chain\n";
      return 64;
    }
    return rc;
  });
}

void register_keygen(CLI::App& app, CommandSet& set) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("keygen",
                                 "Make an Ed25519 key pair for signing exports: FILE and FILE.pub");
  sub->add_option("-o,--output", *path, "private key file")->required();
  set.add(sub, [path] {
    auto r = generate_signing_key(*path);
    if (!r.ok) {
      std::cerr << "netvigil: " << r.error << '\n';
      return 1;
    }
    std::cout << "private key: " << *path << " (keep it secret)\npublic key:  " << r.public_path
              << "\nfingerprint: " << r.fingerprint << "  (publish this)\n";
    return 0;
  });
}

}  // namespace netvigil
