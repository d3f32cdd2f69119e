// BlockingKnowledge: default bogons, the ordinary override, block pages from catalogs and
// config (winning over the override), merged fingerprints and prefix lists.
#include <catch2/catch.hpp>

#include "probe/blocking_knowledge.hpp"

using namespace netvigil;

namespace {
Prefix prefix(const char* s) {
  auto p = Prefix::parse(s);
  REQUIRE(p);
  return *p;
}
PrefixList prefix_list(const char* name, const char* reviewed, const char* p) {
  PrefixList l;
  l.name = name;
  l.reviewed = reviewed;
  l.prefixes = {prefix(p)};
  return l;
}
IpAddress ip(const char* s) {
  auto a = IpAddress::parse(s);
  REQUIRE(a);
  return *a;
}
Fingerprint fingerprint(const char* id) {
  Fingerprint f;
  f.id = id;
  f.pattern = id;
  return f;
}
}  // namespace

TEST_CASE("bogons come from the default list minus what config declares ordinary",
          "[probe][knowledge]") {
  Config plain;
  const auto k = BlockingKnowledge::from(plain);
  for (const char* a : {"10.10.34.34", "192.0.2.1", "198.51.100.35", "203.0.113.7", "127.0.0.1",
                        "fe80::1", "2001:db8::1", "::ffff:10.10.34.34"}) {
    INFO(a);
    CHECK(k.is_bogon(ip(a)));
  }
  for (const char* a : {"149.154.167.51", "2001:4860::1", "d0::11"}) {
    INFO(a);
    CHECK_FALSE(k.is_bogon(ip(a)));
  }
  CHECK_FALSE(k.is_blockpage(ip("10.10.34.34")));  // no catalog loaded: a bogon, not a block page

  Config lab;
  lab.bogon_ordinary = {prefix("192.0.2.0/24"), prefix("2001:db8::/32")};
  const auto l = BlockingKnowledge::from(lab);
  CHECK_FALSE(l.is_bogon(ip("192.0.2.1")));
  CHECK_FALSE(l.is_bogon(ip("2001:db8::1")));
  CHECK(l.is_bogon(ip("198.51.100.1")));
  CHECK(l.is_bogon(ip("10.0.0.1")));
}

TEST_CASE("block pages merge catalogs and config and ignore the ordinary override",
          "[probe][knowledge]") {
  Config c;
  c.bogon_ordinary = {prefix("198.51.100.0/24")};
  c.blockpage_extra = {prefix("198.51.100.35")};
  Catalog iran;
  iran.name = "iran";
  iran.blockpage_addresses = {prefix("10.10.34.34"), prefix("10.10.34.35"), prefix("d0::11")};
  iran.fingerprints = {fingerprint("peyvandha"), fingerprint("iframe-10-10-34-34")};
  iran.prefix_lists = {prefix_list("facebook", "2025-01-01", "157.240.0.0/16")};
  Catalog messengers;
  messengers.name = "messengers";
  messengers.fingerprints = {fingerprint("other")};
  messengers.prefix_lists = {prefix_list("facebook", "2026-02-01", "31.13.64.0/18"),
                             prefix_list("telegram", "2026-02-01", "149.154.160.0/20")};
  c.catalogs = {iran, messengers};
  const auto k = BlockingKnowledge::from(c);

  CHECK(k.is_blockpage(ip("198.51.100.35")));
  CHECK_FALSE(k.is_bogon(ip("198.51.100.35")));  // ordinary, yet a block page
  CHECK_FALSE(k.is_blockpage(ip("198.51.100.36")));
  CHECK(k.is_blockpage(ip("10.10.34.34")));
  CHECK(k.is_blockpage(ip("10.10.34.35")));
  CHECK_FALSE(k.is_blockpage(ip("10.10.34.36")));
  CHECK(k.is_blockpage(ip("d0::11")));
  CHECK(k.is_blockpage(ip("::ffff:10.10.34.34")));  // v4-mapped in an AAAA answer

  REQUIRE(k.fingerprints().size() == 3);
  CHECK(k.fingerprints()[0].id == "peyvandha");
  CHECK(k.fingerprints()[2].id == "other");

  const PrefixList* fb = k.prefix_list("facebook");
  REQUIRE(fb != nullptr);
  CHECK(fb->prefixes.size() == 2);  // both catalogs' prefixes
  CHECK(fb->reviewed == "2026-02-01");
  REQUIRE(k.prefix_list("telegram") != nullptr);
  CHECK(k.prefix_list("nope") == nullptr);
}
