// The shipped catalogs and the embedded default config: they load, and the binary's copies
// are the files in probes/ byte for byte. Targets are only parsed here, never contacted.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_loader.hpp"
#include "config/embedded_catalogs.hpp"

namespace fs = std::filesystem;
using namespace netvigil;

namespace {

const fs::path kProbes = fs::path(NETVIGIL_SOURCE_DIR) / "probes";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

LoadResult load_catalogs(const std::vector<std::string>& catalogs) {
  std::string text = "vantage:\n  id: test\ncatalogs:\n";
  for (const auto& c : catalogs) text += "  - \"" + c + "\"\n";
  return load_config_text(text, "test.yaml", "");
}

const ServiceSpec* service(const Config& c, std::string_view id) {
  for (const auto& cat : c.catalogs)
    for (const auto& s : cat.services)
      if (s.id == id) return &s;
  return nullptr;
}

const ProbeSpec* probe(const Config& c, std::string_view id) {
  for (const auto& cat : c.catalogs)
    for (const auto& p : cat.probes)
      if (p.id == id) return &p;
  return nullptr;
}

std::size_t endpoints(const ServiceSpec& s) {
  std::size_t n = 0;
  for (const auto& ch : s.checks) n += ch.endpoint_ids.size();
  return n;
}

}  // namespace

TEST_CASE("embedded catalogs are the files in probes/ byte for byte", "[config]") {
  std::vector<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(kProbes))
    if (e.path().extension() == ".yaml") on_disk.push_back(e.path().stem().string());
  std::sort(on_disk.begin(), on_disk.end());
  std::vector<std::string> embedded;
  for (const auto& c : embedded_catalogs()) embedded.emplace_back(c.name);
  CHECK(embedded == on_disk);
  for (const auto& c : embedded_catalogs()) {
    INFO("catalog " << c.name);
    CHECK(c.text == slurp(kProbes / (std::string(c.name) + ".yaml")));
  }
  CHECK(on_disk.size() >= 3);
}

TEST_CASE("every shipped catalog loads cleanly, from its file and embedded", "[config]") {
  for (const auto& e : fs::directory_iterator(kProbes)) {
    if (e.path().extension() != ".yaml") continue;
    INFO("catalog " << e.path().string());
    for (const auto& spec : {e.path().string(), "embedded:" + e.path().stem().string()}) {
      const auto r = load_catalogs({spec});
      for (const auto& err : r.errors) UNSCOPED_INFO(err.to_string());
      REQUIRE(r.ok());
      REQUIRE(r.config->catalogs.size() == 1);
      const auto& cat = r.config->catalogs[0];
      CHECK(cat.name == e.path().stem().string());
      CHECK(cat.reviewed.size() == 10);
      CHECK(cat.license == "CC-BY-4.0");
      for (const auto& list : cat.prefix_lists) CHECK_FALSE(list.source.empty());
      CHECK_FALSE(cat.probes.empty());
      for (const auto& p : cat.probes) {
        INFO("probe " << p.id);
        CHECK_FALSE(p.source.empty());
        CHECK(p.origin.rfind(spec + ":", 0) == 0);
      }
    }
  }
  // All packs together: ids are unique across them.
  const auto all = load_catalogs({"embedded:global", "embedded:messengers", "embedded:iran"});
  for (const auto& err : all.errors) UNSCOPED_INFO(err.to_string());
  CHECK(all.ok());
}

TEST_CASE("the embedded default config loads with its documented defaults", "[config]") {
  const auto r = load_config("");
  for (const auto& err : r.errors) UNSCOPED_INFO(err.to_string());
  REQUIRE(r.ok());
  const Config& c = *r.config;
  CHECK(c.path == "embedded:default");
  CHECK(c.vantage.id == "default");
  CHECK(c.database == "./var/netvigil.db");
  CHECK(c.http.listen == "127.0.0.1:9567");
  REQUIRE(c.resolvers.size() == 1);
  CHECK(c.resolvers[0].name == "system");
  CHECK(c.catalog_paths == std::vector<std::string>{"embedded:global", "embedded:messengers"});
  CHECK(c.schedule.interval == std::chrono::seconds(60));
  CHECK(c.schedule.timeout == std::chrono::seconds(10));
  CHECK(c.schedule.max_in_flight == 64);
  CHECK(c.retention.raw == std::chrono::hours(24 * 30));
  // The local group exists: the gateway probe, where a refused connect counts.
  const ProbeSpec* gw = probe(c, "local-gateway-tcp");
  REQUIRE(gw != nullptr);
  CHECK(gw->group == Group::local);
  CHECK(gw->host == "@gateway");
  CHECK(gw->refused_ok);
  CHECK(gw->origin.rfind("embedded:global:", 0) == 0);
}

TEST_CASE("messenger services have OONI's endpoints and rules", "[config]") {
  const auto r = load_catalogs({"embedded:messengers"});
  REQUIRE(r.ok());
  const Config& c = *r.config;

  const ServiceSpec* tg = service(c, "telegram");
  REQUIRE(tg != nullptr);
  REQUIRE(tg->checks.size() == 2);
  CHECK(tg->checks[0].name == "datacenters");
  CHECK(tg->checks[0].rule == VerdictRule::any_success);
  CHECK(tg->checks[0].endpoint_ids.size() == 12);
  CHECK(tg->checks[1].name == "web");
  CHECK(tg->checks[1].endpoint_ids.size() == 1);
  CHECK(endpoints(*tg) == 12 + 1);
  const ProbeSpec* dc = probe(c, "telegram-dc3-443");
  REQUIRE(dc != nullptr);
  CHECK(dc->kind == ProbeKind::http);
  CHECK(dc->http_method == "POST");
  CHECK(dc->url == "http://149.154.175.100:443/");
  CHECK(dc->service == "telegram");
  CHECK(dc->check == "datacenters");
  CHECK(dc->group == Group::international);
  CHECK(dc->source == tg->source);

  const ServiceSpec* wa = service(c, "whatsapp");
  REQUIRE(wa != nullptr);
  REQUIRE(wa->checks.size() == 3);
  CHECK(wa->checks[0].rule == VerdictRule::each_host_any_port);
  CHECK(wa->checks[0].endpoint_ids.size() == 32);
  const ProbeSpec* e16 = probe(c, "whatsapp-e16-5222");
  REQUIRE(e16 != nullptr);
  CHECK(e16->host == "e16.whatsapp.net");
  CHECK(e16->ports == std::vector<std::uint16_t>{5222});
  const ProbeSpec* web = probe(c, "whatsapp-web");
  REQUIRE(web != nullptr);
  CHECK(web->ignore_status);

  const ServiceSpec* sig = service(c, "signal");
  REQUIRE(sig != nullptr);
  REQUIRE(sig->checks.size() == 1);
  CHECK(sig->checks[0].rule == VerdictRule::all_success);
  CHECK(sig->checks[0].endpoint_ids.size() == 4);

  const ServiceSpec* fb = service(c, "facebook-messenger");
  REQUIRE(fb != nullptr);
  CHECK(endpoints(*fb) == 1 + 6);
  const ProbeSpec* stun = probe(c, "fbmessenger-stun-dns");
  REQUIRE(stun != nullptr);
  CHECK(stun->expect_prefixes == "facebook-as32934");
  REQUIRE(c.catalogs[0].prefix_lists.size() == 1);
  const auto& fbp = c.catalogs[0].prefix_lists[0];
  CHECK(fbp.name == "facebook-as32934");
  const auto in_fb = [&](const char* a) {
    const auto ip = IpAddress::parse(a);
    return std::any_of(fbp.prefixes.begin(), fbp.prefixes.end(),
                       [&](const Prefix& p) { return p.contains(*ip); });
  };
  CHECK(in_fb("157.240.1.35"));
  CHECK(in_fb("2a03:2880:f10d:83:face:b00c:0:25de"));
  CHECK_FALSE(in_fb("10.10.34.34"));
}

TEST_CASE("the Iran pack: controls, block-page addresses and fingerprints", "[config]") {
  const auto r = load_catalogs({"embedded:iran"});
  REQUIRE(r.ok());
  const Catalog& cat = r.config->catalogs[0];
  for (const char* id : {"bale", "eitaa", "rubika"}) {
    const ServiceSpec* s = service(*r.config, id);
    REQUIRE(s != nullptr);
    CHECK(s->control);
    CHECK(s->group == Group::domestic);
  }
  REQUIRE(cat.blockpage_addresses.size() == 4);
  CHECK(cat.blockpage_addresses[0].to_string() == "10.10.34.34/32");
  CHECK(cat.blockpage_addresses[3].to_string() == "d0::11/128");
  CHECK(cat.fingerprints.size() >= 5);
  for (const auto& f : cat.fingerprints) CHECK(f.country == "IR");
  for (const auto& p : cat.probes) CHECK(p.group == Group::domestic);
}
