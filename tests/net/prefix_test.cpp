// Address and prefix parsing, membership, and the default bogon list.
#include "net/prefix.hpp"

#include <catch2/catch.hpp>

using namespace netvigil;

namespace {
IpAddress ip(const char* s) {
  auto a = IpAddress::parse(s);
  REQUIRE(a);
  return *a;
}
}  // namespace

TEST_CASE("addresses parse and print in both families", "[net][prefix]") {
  CHECK(ip("192.0.2.1").v4);
  CHECK(ip("192.0.2.1").to_string() == "192.0.2.1");
  CHECK_FALSE(ip("2001:db8::1").v4);
  CHECK(ip("2001:DB8:0::1").to_string() == "2001:db8::1");
  CHECK(ip("d0::11").to_string() == "d0::11");
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "example.test", "1.2.3.4/8", "::g", " 1.2.3.4"}) {
    INFO(bad);
    CHECK_FALSE(IpAddress::parse(bad));
  }
}

TEST_CASE("prefix membership by family and length", "[net][prefix]") {
  struct Row {
    const char* prefix;
    const char* addr;
    bool in;
  };
  const Row table[] = {
      {"10.0.0.0/8", "10.10.34.34", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"100.64.0.0/10", "100.127.255.255", true},
      {"100.64.0.0/10", "100.128.0.0", false},
      {"172.16.0.0/12", "172.31.1.1", true},
      {"172.16.0.0/12", "172.32.0.1", false},
      {"198.51.100.35", "198.51.100.35", true},
      {"198.51.100.35", "198.51.100.36", false},
      {"0.0.0.0/0", "203.0.113.9", true},
      {"0.0.0.0/0", "2001:db8::1", false},
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"fe80::/10", "febf::1", true},
      {"fe80::/10", "fec0::1", false},
      {"::/0", "2001:db8::1", true},
      {"::/0", "192.0.2.1", false},
      {"d0::11", "d0::11", true},
  };
  for (const auto& row : table) {
    INFO(row.prefix << " " << row.addr);
    auto p = Prefix::parse(row.prefix);
    REQUIRE(p);
    CHECK(p->contains(ip(row.addr)) == row.in);
  }
  CHECK(Prefix::parse("198.51.100.35")->length == 32);
  CHECK(Prefix::parse("2001:db8::1")->length == 128);
  CHECK(Prefix::parse("10.0.0.0/8")->to_string() == "10.0.0.0/8");
  for (const char* bad :
       {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "x/8"}) {
    INFO(bad);
    CHECK_FALSE(Prefix::parse(bad));
  }
}

TEST_CASE("the default bogon list parses and covers the documented ranges", "[net][prefix]") {
  std::vector<Prefix> bogons;
  for (auto text : default_bogons()) {
    auto p = Prefix::parse(text);
    REQUIRE(p);
    bogons.push_back(*p);
  }
  auto bogon = [&](const char* a) {
    const auto x = ip(a);
    for (const auto& p : bogons)
      if (p.contains(x)) return true;
    return false;
  };
  for (const char* a :
       {"0.1.2.3", "10.10.34.34", "100.64.0.1", "127.0.0.1", "169.254.1.1", "172.16.0.1",
        "192.168.1.1", "198.18.0.1", "192.0.2.1", "198.51.100.35", "203.0.113.1", "224.0.0.1",
        "240.0.0.1", "::1", "::", "fd00::1", "fe80::1", "2001:db8::1"}) {
    INFO(a);
    CHECK(bogon(a));
  }
  for (const char* a : {"1.1.1.1", "8.8.8.8", "149.154.167.51", "2606:4700::1111"}) {
    INFO(a);
    CHECK_FALSE(bogon(a));
  }
}
