// Slugs, host names, URLs, dates and durations.
#include "config/text_checks.hpp"

#include <catch2/catch.hpp>

using namespace netvigil;
using std::chrono::milliseconds;

TEST_CASE("slugs: lower-case names, never addresses", "[config]") {
  CHECK(is_slug("telegram-dc1-80"));
  CHECK(is_slug("a"));
  CHECK(is_slug("x.y_z-1"));
  CHECK(is_slug(std::string(64, 'a')));
  CHECK_FALSE(is_slug(std::string(65, 'a')));
  CHECK_FALSE(is_slug(""));
  CHECK_FALSE(is_slug("-a"));
  CHECK_FALSE(is_slug("Telegram"));
  CHECK_FALSE(is_slug("a b"));
  CHECK_FALSE(is_slug("192.0.2.1"));
  CHECK_FALSE(is_slug("2001:db8::1"));
  CHECK(is_slug("192.0.2"));  // not an address: inet_pton refuses it
}

TEST_CASE("host names", "[config]") {
  CHECK(is_host_name("e1.whatsapp.net"));
  CHECK(is_host_name("www.example.org."));
  CHECK_FALSE(is_host_name("bad..name"));
  CHECK_FALSE(is_host_name("-x.org"));
  CHECK_FALSE(is_host_name("sp ace.org"));
  CHECK_FALSE(is_host_name(std::string(64, 'a') + ".org"));
}

TEST_CASE("urls: http(s) with a host, optional port", "[config]") {
  std::string why;
  auto u = parse_url("http://149.154.175.50:443/", why);
  REQUIRE(u);
  CHECK(u->scheme == "http");
  CHECK(u->host == "149.154.175.50");
  CHECK(u->port == 443);
  u = parse_url("https://[2001:db8::1]:8443/x?y", why);
  REQUIRE(u);
  CHECK(u->host == "2001:db8::1");
  CHECK(u->port == 8443);
  CHECK(parse_url("https://speed.cloudflare.com/__down?bytes=1000000", why));
  CHECK_FALSE(parse_url("ftp://example.org/", why));
  CHECK(why == "scheme must be http or https");
  CHECK_FALSE(parse_url("https:///path", why));
  CHECK(why == "no host");
  CHECK_FALSE(parse_url("https://example.org:0/", why));
  CHECK_FALSE(parse_url("https://example.org:70000/", why));
  CHECK_FALSE(parse_url("https://user@example.org/", why));
  CHECK_FALSE(parse_url("example.org", why));
  CHECK_FALSE(parse_url("https://exa mple.org/", why));
}

TEST_CASE("durations", "[config]") {
  CHECK(parse_duration("500ms") == milliseconds(500));
  CHECK(parse_duration("10s") == milliseconds(10'000));
  CHECK(parse_duration("5m") == milliseconds(300'000));
  CHECK(parse_duration("1h") == milliseconds(3'600'000));
  CHECK(parse_duration("7d") == milliseconds(7 * 86'400'000LL));
  CHECK(parse_duration("1h30m") == milliseconds(5'400'000));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("10"));
  CHECK_FALSE(parse_duration("10 s"));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("-1s"));
  CHECK_FALSE(parse_duration("1.5s"));
  CHECK_FALSE(parse_duration("10w"));
  CHECK_FALSE(parse_duration("9999999999s"));
  CHECK(format_duration(milliseconds(90'000)) == "90s");
  CHECK(format_duration(milliseconds(7 * 86'400'000LL)) == "7d");
  CHECK(format_duration(milliseconds(1500)) == "1500ms");
}

TEST_CASE("dates and suggestions", "[config]") {
  CHECK(is_date("2026-11-26"));
  CHECK_FALSE(is_date("2026-13-01"));
  CHECK_FALSE(is_date("26-11-2026"));
  CHECK(closest_match("intervall", {"interval", "jitter"}) == "interval");
  CHECK(closest_match("zzz", {"interval", "jitter"}).empty());
}
