// Static checks of dashboards/ and the alert rules: JSON shape, layout, datasource, PromQL
// parsed by promtool, every metric named present in a real scrape; promtool rule tests.
#include <catch2/catch.hpp>

#include <fstream>
#include <iomanip>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "http_get.hpp"
#include "sample_metrics.hpp"

using nlohmann::json;
using namespace netvigil;

namespace {

const std::string kDir = std::string(NETVIGIL_SOURCE_DIR) + "/dashboards";
const std::vector<std::string> kDashboards{"overview.json", "services.json", "probe-detail.json",
                                           "fleet.json"};

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

json load(const std::string& name) { return json::parse(read_text(kDir + "/" + name)); }

void collect_panels(const json& list, std::vector<json>& out) {
  for (const auto& p : list) {
    out.push_back(p);
    if (p.contains("panels")) collect_panels(p["panels"], out);
  }
}

std::vector<json> panels_of(const json& d) {
  std::vector<json> out;
  collect_panels(d.value("panels", json::array()), out);
  return out;
}

struct Expr {
  std::string where;
  std::string text;
};

// label_values(SELECTOR, label) → SELECTOR; label_values(label) has no expression.
std::string variable_selector(const std::string& q) {
  static const std::regex lv(R"(^\s*label_values\((.*),\s*[a-zA-Z_]+\s*\)\s*$)");
  std::smatch m;
  return std::regex_match(q, m, lv) ? m[1].str() : "";
}

std::vector<Expr> expressions(const json& d, const std::string& file) {
  std::vector<Expr> out;
  for (const auto& p : panels_of(d))
    for (const auto& t : p.value("targets", json::array()))
      out.push_back({file + " panel " + std::to_string(p.value("id", 0)) + " " +
                         t.value("refId", ""),
                     t.value("expr", "")});
  for (const auto& a : d["annotations"].value("list", json::array()))
    out.push_back({file + " annotation " + a.value("name", ""), a.value("expr", "")});
  for (const auto& v : d["templating"]["list"])
    if (v.value("type", "") == "query") {
      const json& q = v["query"];
      const std::string sel = variable_selector(q.is_object() ? q.value("query", "") : q.get<std::string>());
      if (!sel.empty()) out.push_back({file + " variable " + v.value("name", ""), sel});
    }
  return out;
}

// Grafana's variables replaced as a query would see them.
std::string substitute(std::string e) {
  static const std::vector<std::pair<std::regex, std::string>> subs{
      {std::regex(R"(\$__rate_interval|\$\{__rate_interval\})"), "5m"},
      {std::regex(R"(\$__interval|\$\{__interval\})"), "1m"},
      {std::regex(R"(\$__range|\$\{__range\})"), "1h"},
      {std::regex(R"(\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?)"), ".*"}};
  for (const auto& [re, with] : subs) e = std::regex_replace(e, re, with);
  return e;
}

std::set<std::string> scraped_names() {
  Metrics m(netvigil::testing::sample_vantage());
  netvigil::testing::populate(m);
  std::set<std::string> names;
  std::istringstream in(netvigil::testing::scrape(m));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    names.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return names;
}

std::set<std::string> metric_names_in(const std::string& text) {
  std::set<std::string> out;
  static const std::regex name(R"(\bnetvigil_[a-zA-Z0-9_]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name);
       it != std::sregex_iterator(); ++it)
    out.insert(it->str());
  return out;
}

// Every expression as a recording rule in one file, checked by `promtool check rules`.
int promtool_check(const std::vector<Expr>& exprs, std::string& output) {
  const std::string promtool = netvigil::testing::promtool();
  if (promtool.empty()) {
    output = "promtool missing: apt-get install prometheus";
    return -1;
  }
  char path[] = "/tmp/netvigil-exprs-XXXXXX.yml";
  const int fd = mkstemps(path, 4);
  if (fd < 0) return -1;
  ::close(fd);
  {
    std::ofstream f(path);
    f << "groups:\n  - name: dashboard_expressions\n    rules:\n";
    for (std::size_t i = 0; i < exprs.size(); ++i) {
      std::string e = substitute(exprs[i].text);
      for (std::size_t p = 0; (p = e.find('\'', p)) != std::string::npos; p += 2) e.insert(p, "'");
      for (auto& c : e)
        if (c == '\n') c = ' ';
      f << "      - record: dashboard:expr_" << i << "\n        expr: '" << e << "'\n";
    }
  }
  const int rc = netvigil::testing::run_command(promtool + " check rules " + path, output);
  std::remove(path);
  return rc;
}

bool overlaps(const json& a, const json& b) {
  const int ax = a["x"], ay = a["y"], aw = a["w"], ah = a["h"];
  const int bx = b["x"], by = b["y"], bw = b["w"], bh = b["h"];
  return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

void check_datasources(const json& node, const std::string& path, std::vector<std::string>& bad) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) {
      if (k == "datasource" &&
          v != json{{"type", "prometheus"}, {"uid", "${datasource}"}})
        bad.push_back(path + "/" + k + " = " + v.dump());
      check_datasources(v, path + "/" + k, bad);
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      check_datasources(node[i], path + "/" + std::to_string(i), bad);
  }
}

}  // namespace

TEST_CASE("dashboards are valid JSON with schemaVersion >= 39 and unique uids", "[metrics][dashboards]") {
  std::set<std::string> uids;
  for (const auto& file : kDashboards) {
    INFO(file);
    json d;
    REQUIRE_NOTHROW(d = load(file));
    CHECK(d.value("schemaVersion", 0) >= 39);
    CHECK(d.value("timezone", "") == "utc");
    CHECK_FALSE(d.value("title", "").empty());
    const std::string uid = d.value("uid", "");
    CHECK_FALSE(uid.empty());
    CHECK(uid.size() <= 40);
    CHECK(uids.insert(uid).second);
  }
  CHECK(uids.size() == kDashboards.size());
}

TEST_CASE("dashboard panels have unique ids and non-overlapping grid positions", "[metrics][dashboards]") {
  for (const auto& file : kDashboards) {
    INFO(file);
    const auto panels = panels_of(load(file));
    REQUIRE(panels.size() >= 4);
    std::set<int> ids;
    for (const auto& p : panels) {
      INFO("panel " << p.value("title", ""));
      REQUIRE(p.contains("id"));
      CHECK(ids.insert(p["id"].get<int>()).second);
      REQUIRE(p.contains("gridPos"));
      const auto& g = p["gridPos"];
      CHECK(g["w"].get<int>() > 0);
      CHECK(g["h"].get<int>() > 0);
      CHECK(g["x"].get<int>() >= 0);
      CHECK(g["x"].get<int>() + g["w"].get<int>() <= 24);
      std::set<std::string> refs;
      for (const auto& t : p.value("targets", json::array())) {
        CHECK(refs.insert(t.value("refId", "")).second);
        CHECK_FALSE(t.value("expr", "").empty());
      }
      CHECK_FALSE(refs.empty());
    }
    for (std::size_t i = 0; i < panels.size(); ++i)
      for (std::size_t j = i + 1; j < panels.size(); ++j) {
        INFO(panels[i].value("title", "") << " vs " << panels[j].value("title", ""));
        CHECK_FALSE(overlaps(panels[i]["gridPos"], panels[j]["gridPos"]));
      }
  }
}

TEST_CASE("every datasource is ${datasource} through a datasource variable", "[metrics][dashboards]") {
  for (const auto& file : kDashboards) {
    INFO(file);
    const json d = load(file);
    const std::string text = read_text(kDir + "/" + file);
    CHECK(text.find("${DS_") == std::string::npos);
    CHECK_FALSE(d.contains("__inputs"));
    CHECK_FALSE(d.contains("__requires"));
    bool has_var = false;
    for (const auto& v : d["templating"]["list"])
      has_var = has_var || (v.value("name", "") == "datasource" &&
                            v.value("type", "") == "datasource" &&
                            v.value("query", "") == "prometheus");
    CHECK(has_var);
    std::vector<std::string> bad;
    check_datasources(d, "", bad);
    for (const auto& b : bad) FAIL_CHECK(b);
    for (const auto& p : panels_of(d)) CHECK(p.contains("datasource"));
  }
}

TEST_CASE("every dashboard expression parses (promtool) and names only scraped metrics",
          "[metrics][dashboards][promtool]") {
  const auto names = scraped_names();
  REQUIRE(names.count("netvigil_probe_duration_seconds_bucket") == 1);
  std::vector<Expr> all;
  for (const auto& file : kDashboards) {
    const auto exprs = expressions(load(file), file);
    all.insert(all.end(), exprs.begin(), exprs.end());
  }
  REQUIRE(all.size() >= 30);
  for (const auto& e : all) {
    INFO(e.where << ": " << e.text);
    const auto used = metric_names_in(e.text);
    CHECK_FALSE(used.empty());
    for (const auto& n : used) {
      INFO(n);
      CHECK(names.count(n) == 1);
    }
    CHECK(e.text.find("vector(0)") == std::string::npos);
    CHECK(e.text.find("vector(1)") == std::string::npos);
  }
  std::string out;
  const int rc = promtool_check(all, out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("SUCCESS: " + std::to_string(all.size()) + " rules found") != std::string::npos);
}

// promtool's PromQL unit tests over series made from a real scrape: with an empty expectation
// promtool passes an expression that returns nothing and reports "got: {…}" for one that
// returns data, so every expression must produce exactly one such report.
TEST_CASE("every dashboard expression returns data over a real scrape (promtool)",
          "[metrics][dashboards][promtool]") {
  const std::string promtool = netvigil::testing::promtool();
  INFO("promtool missing: apt-get install prometheus");
  REQUIRE_FALSE(promtool.empty());
  Metrics m(netvigil::testing::sample_vantage());
  netvigil::testing::populate(m);
  std::ostringstream y;
  y << "rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n";
  std::istringstream in(netvigil::testing::scrape(m));
  std::size_t series = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.rfind(' ');
    std::string sel = line.substr(0, sp);
    const double v = std::stod(line.substr(sp + 1));
    const std::string extra = "instance=\"v1:9567\",job=\"netvigil\"";
    if (sel.back() == '}')
      sel.insert(sel.size() - 1, "," + extra);
    else
      sel += "{" + extra + "}";
    const std::string name = sel.substr(0, sel.find('{'));
    const bool grows = name.size() > 6 && (name.rfind("_total") == name.size() - 6 ||
                                           name.rfind("_bucket") == name.size() - 7 ||
                                           name.rfind("_count") == name.size() - 6 ||
                                           name.rfind("_sum") == name.size() - 4);
    std::ostringstream val;
    val << std::fixed << std::setprecision(6) << v;
    y << "      - series: '" << sel << "'\n        values: '" << val.str()
      << (grows ? "+" + val.str() : std::string()) << "x20'\n";
    ++series;
  }
  REQUIRE(series > 100);
  y << "    promql_expr_test:\n";
  std::vector<Expr> all;
  for (const auto& file : kDashboards) {
    auto d = load(file);
    for (const auto& p : panels_of(d))
      for (const auto& t : p.value("targets", json::array()))
        all.push_back({file + ": " + p.value("title", ""), t.value("expr", "")});
    for (const auto& a : d["annotations"].value("list", json::array()))
      all.push_back({file + ": annotation " + a.value("name", ""), a.value("expr", "")});
  }
  for (const auto& e : all) {
    std::string text = substitute(e.text);
    for (std::size_t p = 0; (p = text.find('\'', p)) != std::string::npos; p += 2) text.insert(p, "'");
    y << "      - expr: '" << text << "'\n        eval_time: 15m\n        exp_samples: []\n";
  }
  char path[] = "/tmp/netvigil-exprtest-XXXXXX.yml";
  const int fd = mkstemps(path, 4);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(path) << y.str();
  std::string out;
  netvigil::testing::run_command(promtool + " test rules " + path, out);
  std::remove(path);
  INFO(out.substr(0, 4000));
  CHECK(out.find("err:") == std::string::npos);
  std::size_t with_data = 0;
  for (auto p = out.find("        got: {"); p != std::string::npos; p = out.find("        got: {", p + 1))
    ++with_data;
  CHECK(with_data == all.size());
  for (const auto& e : all) {
    INFO(e.where);
    CHECK(out.find(substitute(e.text).substr(0, 20)) != std::string::npos);
  }
}

TEST_CASE("the expression checker rejects a malformed expression", "[metrics][dashboards][promtool]") {
  std::string out;
  CHECK(promtool_check({{"good", "sum(netvigil_probe_success)"}}, out) == 0);
  CHECK(promtool_check({{"bad", "sum by (probe netvigil_probe_success"}}, out) != 0);
  CHECK(promtool_check({{"bad", "rate(netvigil_probe_runs_total)"}}, out) != 0);
  CHECK(substitute(R"(x{a=~"$vantage",b=~"${probe}"}[$__rate_interval])") ==
        R"(x{a=~".*",b=~".*"}[5m])");
}

TEST_CASE("no-data is shown differently from failure", "[metrics][dashboards]") {
  for (const auto& file : kDashboards) {
    for (const auto& p : panels_of(load(file))) {
      INFO(file << ": " << p.value("title", ""));
      const auto& defaults = p["fieldConfig"]["defaults"];
      CHECK_FALSE(defaults.value("noValue", "").empty());
      const std::string type = p.value("type", "");
      if (type == "timeseries") {
        CHECK(defaults["custom"].value("spanNulls", true) == false);
        CHECK(defaults["custom"].contains("insertNulls"));
      }
      if (type == "state-timeline") {
        bool null_mapped = false;
        for (const auto& m : defaults.value("mappings", json::array()))
          if (m.value("type", "") == "special" && m["options"].value("match", "") == "null")
            null_mapped = m["options"]["result"].value("text", "") == "no data" &&
                          m["options"]["result"].value("color", "") != "red";
        CHECK(null_mapped);
      }
    }
  }
}

TEST_CASE("each dashboard carries its required content", "[metrics][dashboards]") {
  const json o = load("overview.json");
  bool index_panel = false, state_band = false;
  for (const auto& p : panels_of(o)) {
    const std::string all = p.dump();
    if (p.value("type", "") == "timeseries" &&
        all.find("group=\\\"international\\\"") != std::string::npos &&
        all.find("group=\\\"domestic\\\"") != std::string::npos) {
      index_panel = p.value("title", "").find("% of ordinary levels") != std::string::npos &&
                    p.value("description", "").find("100 × r_g / b_g") != std::string::npos &&
                    p["fieldConfig"]["defaults"].value("unit", "") == "percent";
    }
    if (p.value("type", "") == "state-timeline" && all.find("netvigil_state") != std::string::npos)
      state_band = true;
  }
  CHECK(index_panel);
  CHECK(state_band);
  // Blackout windows as annotations whose expression is positive only while a window lasts.
  bool blackout_annotation = false;
  for (const auto& a : o["annotations"]["list"]) {
    const std::string e = a.value("expr", "");
    blackout_annotation = blackout_annotation ||
                          (e.find("netvigil_event_active") != std::string::npos &&
                           e.find("full_blackout") != std::string::npos && e.size() > 4 &&
                           e.substr(e.size() - 4) == " > 0");
  }
  CHECK(blackout_annotation);

  bool method_timeline = false;
  for (const auto& p : panels_of(load("services.json")))
    method_timeline = method_timeline || (p.value("type", "") == "state-timeline" &&
                                          p.dump().find("netvigil_service_blocked") != std::string::npos &&
                                          p.dump().find("tcp_ip") != std::string::npos);
  CHECK(method_timeline);

  std::set<std::string> detail;
  for (const auto& p : panels_of(load("probe-detail.json"))) detail.insert(p.dump());
  auto any = [&](const std::string& s) {
    for (const auto& d : detail)
      if (d.find(s) != std::string::npos) return true;
    return false;
  };
  CHECK(any("netvigil_probe_success"));
  CHECK(any("netvigil_probe_duration_seconds_bucket"));
  CHECK(any("netvigil_probe_failures_total"));
  CHECK(any("netvigil_tls_cert_expiry_timestamp_seconds"));

  const json f = load("fleet.json");
  bool vantage_var = false;
  for (const auto& v : f["templating"]["list"])
    vantage_var = vantage_var || v.value("name", "") == "vantage";
  CHECK(vantage_var);
  for (const auto& p : panels_of(f)) {
    INFO(p.value("title", ""));
    CHECK(p.dump().find("$vantage") != std::string::npos);
  }
}

TEST_CASE("provisioning files point Grafana at the dashboards and a Prometheus", "[metrics][dashboards]") {
  const std::string dash = read_text(kDir + "/provisioning/dashboards.yaml");
  CHECK(dash.find("apiVersion: 1") != std::string::npos);
  CHECK(dash.find("type: file") != std::string::npos);
  CHECK(dash.find("path: /usr/share/netvigil/dashboards") != std::string::npos);
  const std::string ds = read_text(kDir + "/provisioning/datasource.yaml");
  CHECK(ds.find("apiVersion: 1") != std::string::npos);
  CHECK(ds.find("type: prometheus") != std::string::npos);
}

TEST_CASE("promtool check rules accepts the alert rules", "[metrics][alerts][promtool]") {
  const std::string promtool = netvigil::testing::promtool();
  INFO("promtool missing: apt-get install prometheus");
  REQUIRE_FALSE(promtool.empty());
  std::string out;
  const int rc = netvigil::testing::run_command(
      promtool + " check rules " + kDir + "/alerts/netvigil-rules.yml", out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("SUCCESS: 8 rules found") != std::string::npos);
}

TEST_CASE("promtool test rules passes the alert unit tests", "[metrics][alerts][promtool]") {
  const std::string promtool = netvigil::testing::promtool();
  INFO("promtool missing: apt-get install prometheus");
  REQUIRE_FALSE(promtool.empty());
  std::string out;
  const int rc = netvigil::testing::run_command(
      "cd " + kDir + "/alerts && " + promtool + " test rules netvigil-rules.test.yml", out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("SUCCESS") != std::string::npos);
  CHECK(out.find("FAILED") == std::string::npos);
}

TEST_CASE("alert rules name only scraped metrics", "[metrics][alerts]") {
  const auto names = scraped_names();
  const auto used = metric_names_in(read_text(kDir + "/alerts/netvigil-rules.yml"));
  CHECK(used.size() >= 6);
  for (const auto& n : used) {
    INFO(n);
    CHECK(names.count(n) == 1);
  }
}

TEST_CASE("dashboards type-check against @grafana/schema", "[metrics][dashboards][schema]") {
  const std::string dir = std::string(NETVIGIL_SOURCE_DIR) + "/tests/metrics/grafana_schema";
  INFO("needs node (Debian nodejs) and `npm ci` in " << dir);
  REQUIRE(::access("/usr/bin/node", X_OK) == 0);
  REQUIRE(::access((dir + "/node_modules/@grafana/schema/package.json").c_str(), R_OK) == 0);
  std::string out;
  const int rc = netvigil::testing::run_command("node " + dir + "/check.mjs " + kDir, out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("schema check: 4 dashboards conform to @grafana/schema") != std::string::npos);
}
