// The table of invalid-*.yaml fixtures, each paired with its exact expected messages.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_loader.hpp"

namespace fs = std::filesystem;
using netvigil::load_config;

namespace {

const fs::path kFixtures = fs::path(NETVIGIL_SOURCE_DIR) / "tests/fixtures/config";

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// Messages name files as loaded (absolute here); the sidecars name them relative to the
// fixtures directory, as `netvigil check` prints them when run from there.
std::string relative(std::string s) {
  const std::string dir = kFixtures.string() + "/";
  for (auto at = s.find(dir); at != std::string::npos; at = s.find(dir)) s.erase(at, dir.size());
  return s;
}

std::vector<fs::path> fixtures(const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kFixtures)) {
    const auto name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && e.path().extension() == ".yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("every invalid-*.yaml fails with exactly its expected messages", "[config]") {
  const auto files = fixtures("invalid-");
  CHECK(files.size() >= 15);
  for (const auto& file : files) {
    const fs::path expected_file = file.string() + ".expected";
    INFO("fixture " << file.filename().string());
    REQUIRE(fs::exists(expected_file));
    const auto expected = read_lines(expected_file);
    REQUIRE_FALSE(expected.empty());
    const auto result = load_config(file.string());
    CHECK_FALSE(result.ok());
    std::vector<std::string> got;
    for (const auto& e : result.errors) got.push_back(relative(e.to_string()));
    CHECK(got == expected);
  }
}

TEST_CASE("every valid-*.yaml fixture loads without errors", "[config]") {
  const auto files = fixtures("valid-");
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    INFO("fixture " << file.filename().string());
    const auto result = load_config(file.string());
    for (const auto& e : result.errors) UNSCOPED_INFO(e.to_string());
    CHECK(result.ok());
  }
}

TEST_CASE("a 100 MB file is refused from its size, without being read", "[config]") {
  char dir_template[] = "/tmp/netvigil-config-test-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const fs::path dir(dir_template);
  const fs::path big = dir / "big.yaml";
  {
    const int fd = ::open(big.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, 100 * 1000 * 1000) == 0);  // sparse: no 100 MB written to disk
    ::close(fd);
  }
  {
    std::ofstream cfg(dir / "config.yaml");
    cfg << "vantage:\n  id: lab\ncatalogs:\n  - big.yaml\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto as_config = load_config(big.string());
  const auto as_catalog = load_config((dir / "config.yaml").string());
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  REQUIRE(as_config.errors.size() == 1);
  CHECK(as_config.errors[0].to_string() == big.string() +
                                               ":1:1: cannot open config: file is larger than 4 "
                                               "MiB (100000000 bytes); refusing to read it");
  REQUIRE(as_catalog.errors.size() == 1);
  CHECK(as_catalog.errors[0].to_string() ==
        (dir / "config.yaml").string() +
            ":4:5: catalogs: cannot open catalog \"big.yaml\": file is larger than 4 MiB "
            "(100000000 bytes); refusing to read it");
  // Reading (and parsing) 100 MB would take seconds; refusing it takes microseconds. Loose
  // bound: a regression to "read then check" shows here even on a slow machine.
  CHECK(elapsed < std::chrono::seconds(2));
  fs::remove_all(dir);
}

TEST_CASE("a missing config file is one positioned error", "[config]") {
  const auto r = load_config("/nonexistent/netvigil.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        "/nonexistent/netvigil.yaml:1:1: cannot open config: No such file or directory");
}
