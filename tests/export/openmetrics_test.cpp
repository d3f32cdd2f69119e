// OpenMetrics export: promtool imports it and a Prometheus on those blocks answers queries.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "export/openmetrics_export.hpp"
#include "export_fixture.hpp"

extern char** environ;

using namespace netvigil;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("nv-export-om-" + std::to_string(getpid()) + "-" +
                                        std::to_string(std::time(nullptr)));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Run a shell command, return (exit status, combined output).
std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// A two-day-old six-hour range: old enough for promtool's blocks, inside default retention.
std::int64_t range_start() {
  std::int64_t now = std::time(nullptr);
  return (now - 2 * 86400) / 3600 * 3600;
}

}  // namespace

TEST_CASE("OpenMetrics export: families not interleaved, increasing time, # EOF", "[export]") {
  std::int64_t from = range_start(), to = from + 6 * 3600;
  auto meta = test::fixture_meta(from, to);
  meta.extra_labels = {{"vantage", "tehran \"home\"\n1"}};
  auto rows = test::fixture_rows(from, to, from + 1800, from + 3 * 3600);
  int passes = 0;
  std::ostringstream os;
  write_openmetrics(meta, [&] { ++passes; return source_of(rows); }, os);
  std::string text = os.str();
  REQUIRE(text.size() > 6);
  CHECK(text.substr(text.size() - 6) == "# EOF\n");
  // 1 discovery pass + 2 groups × 2 families + 2 services + 6 known states.
  CHECK(passes == 1 + 4 + 2 + 6);
  CHECK(text.find("vantage=\"tehran \\\"home\\\"\\n1\"") != std::string::npos);
  CHECK(text.find("# UNIT netvigil_connectivity_index_percent percent") != std::string::npos);

  // Every series appears as one contiguous run with increasing timestamps, and each family
  // as one contiguous block.
  std::istringstream in(text);
  std::string line, last_series, last_family;
  std::int64_t last_t = -1;
  std::vector<std::string> seen_series, seen_families;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string series = line.substr(0, line.find('}') + 1);
    std::string family = line.substr(0, line.find('{'));
    std::int64_t t = std::stoll(line.substr(line.rfind(' ') + 1));
    if (series != last_series) {
      CHECK(std::find(seen_series.begin(), seen_series.end(), series) == seen_series.end());
      seen_series.push_back(series);
      last_series = series;
      last_t = -1;
    }
    if (family != last_family) {
      CHECK(std::find(seen_families.begin(), seen_families.end(), family) == seen_families.end());
      seen_families.push_back(family);
      last_family = family;
    }
    CHECK(t > last_t);
    last_t = t;
  }
  CHECK(seen_families.size() == 4);
}

TEST_CASE("OpenMetrics export rejects a reserved or invalid extra label", "[export]") {
  auto meta = test::fixture_meta(0, 60);
  std::vector<TimelineRow> rows;
  std::ostringstream os;
  meta.extra_labels = {{"group", "x"}};
  CHECK_THROWS_AS(write_openmetrics(meta, [&] { return source_of(rows); }, os), std::invalid_argument);
  meta.extra_labels = {{"1bad", "x"}};
  CHECK_THROWS_AS(write_openmetrics(meta, [&] { return source_of(rows); }, os), std::invalid_argument);
}

TEST_CASE("promtool imports the OpenMetrics export and Prometheus answers with the same values",
          "[export][promtool]") {
  REQUIRE(run("command -v promtool").first == 0);  // Debian package: prometheus
  REQUIRE(run("command -v prometheus").first == 0);
  REQUIRE(run("command -v curl").first == 0);
  TempDir dir;
  std::int64_t from = range_start(), to = from + 6 * 3600;
  std::int64_t cut_from = from + 1800, cut_to = from + 3 * 3600;
  auto meta = test::fixture_meta(from, to);
  meta.extra_labels = {{"vantage", "tehran-home-1"}};
  auto rows = test::fixture_rows(from, to, cut_from, cut_to);
  fs::path file = dir.path / "export.om";
  {
    std::ofstream f(file);
    write_openmetrics(meta, [&] { return source_of(rows); }, f);
  }
  fs::path tsdb = dir.path / "tsdb";
  auto [rc, out] = run("promtool tsdb create-blocks-from openmetrics " + file.string() + " " +
                       tsdb.string());
  INFO(out);
  REQUIRE(rc == 0);

  // A Prometheus on those blocks, loopback only, no scrape targets; killed by PID.
  fs::path cfg = dir.path / "prometheus.yml";
  std::ofstream(cfg) << "global:\n  scrape_interval: 1h\n";
  int port = 20000 + static_cast<int>(getpid() % 20000);
  std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port);
  std::string storage = "--storage.tsdb.path=" + tsdb.string();
  std::string config = "--config.file=" + cfg.string();
  std::string logfile = (dir.path / "prometheus.log").string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, logfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<std::string> args{"prometheus", config, storage, listen,
                                "--storage.tsdb.retention.time=3650d"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  REQUIRE(posix_spawnp(&pid, "prometheus", &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGTERM);
      for (int i = 0; i < 100; ++i) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};

  std::string base = "http://127.0.0.1:" + std::to_string(port);
  bool ready = false;
  for (int i = 0; i < 150 && !ready; ++i) {  // at most ~30 s
    ready = run("curl -sf --max-time 2 " + base + "/-/ready").first == 0;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  INFO(run("cat " + logfile).second);
  REQUIRE(ready);

  auto query = [&](const std::string& expr, std::int64_t t) {
    auto [qrc, body] = run("curl -sf --max-time 5 -G " + base + "/api/v1/query --data-urlencode 'query=" +
                           expr + "' --data-urlencode time=" + std::to_string(t));
    REQUIRE(qrc == 0);
    auto j = nlohmann::json::parse(body);
    REQUIRE(j["status"] == "success");
    REQUIRE(j["data"]["result"].size() == 1);
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  };
  for (std::int64_t t : {from + 600, cut_from + 60, cut_to - 60, to - 60}) {
    const auto& row = rows[static_cast<std::size_t>((t - from) / 60)];
    INFO("t=" << t);
    CHECK(query("netvigil_connectivity_index_percent{group=\"international\",vantage=\"tehran-home-1\"}", t) ==
          Approx(row.groups[0].index));
    CHECK(query("netvigil_group_success_ratio{group=\"international\"}", t) == Approx(row.groups[0].ratio));
    CHECK(query("netvigil_service_success_ratio{service=\"whatsapp\"}", t) == Approx(row.services[1].ratio));
    CHECK(query("netvigil_state{state=\"intl_blackout\"}", t) == (row.state == "intl_blackout" ? 1.0 : 0.0));
  }
}
