// The errno mapping table, OONI names, and scrubbing of addresses from error text.
#include "core/failure.hpp"

#include <catch2/catch.hpp>
#include <cerrno>

#include "core/scrub.hpp"

using namespace netvigil;

TEST_CASE("errno maps to OONI failure strings", "[core][failure]") {
  struct Row {
    int err;
    const char* ooni;
  };
  const Row table[] = {
      {ECONNREFUSED, "connection_refused"},
      {ECONNRESET, "connection_reset"},
      {ETIMEDOUT, "generic_timeout_error"},
      {EHOSTUNREACH, "host_unreachable"},
      {ENETUNREACH, "network_unreachable"},
      {ECONNABORTED, "connection_aborted"},
      {EADDRNOTAVAIL, "address_not_available"},
      {EAFNOSUPPORT, "address_family_not_supported"},
      {EPIPE, "connection_reset"},
      {ENOTCONN, "not_connected"},
      {EPERM, "permission_denied"},
      {EDOM, "unknown_failure"},
  };
  for (const auto& row : table) {
    INFO("errno " << row.err);
    CHECK(to_string(failure_from_errno(row.err)) == row.ooni);
  }
  CHECK(failure_from_errno(0) == Failure::none);
}

TEST_CASE("failure names round-trip", "[core][failure]") {
  for (int i = 1; i <= static_cast<int>(Failure::operation_would_block); ++i) {
    const auto f = static_cast<Failure>(i);
    REQUIRE(failure_from(to_string(f)) == f);
  }
  CHECK_FALSE(failure_from("no_such_failure").has_value());
}

TEST_CASE("unknown failures carry scrubbed text", "[core][failure]") {
  auto f = unknown_failure(Operation::connect, "weird from 198.51.100.7 and 2001:db8::1 port 80");
  CHECK(f.ooni_string() == "unknown_failure: weird from [scrubbed] and [scrubbed] port 80");
  CHECK(scrub_addresses("nothing here") == "nothing here");
  CHECK(scrub_addresses("::ffff:192.0.2.1 x") == "[scrubbed] x");
}

TEST_CASE("scrubbing is binary-safe and covers a whole page", "[core][failure]") {
  std::string page(std::string("\0bin\0", 5));
  for (int i = 0; i < 2000; ++i) page += "<p>row " + std::to_string(i) + "</p>\n";
  page += "Your address: 203.0.113.77 (IPv6 2001:db8:0:1::77)\n";
  page += std::string(100'000, 'x') + "198.51.100.1";
  const std::string s = scrub_addresses(page);
  CHECK(s.substr(0, 5) == std::string("\0bin\0", 5));
  for (const char* leak : {"203.0.113", "2001:db8", "198.51.100"})
    CHECK(s.find(leak) == std::string::npos);
  CHECK(s.find("Your address: [scrubbed] (IPv6 [scrubbed])") != std::string::npos);
  CHECK(s.size() == page.size() - std::string("203.0.113.77").size() -
                        std::string("2001:db8:0:1::77").size() -
                        std::string("198.51.100.1").size() + 3 * std::string("[scrubbed]").size());
  CHECK(scrub_addresses("") == "");
  CHECK(scrub_addresses("1.2.3.4") == "[scrubbed]");
  CHECK(scrub_addresses("version 1.2.3 only") == "version 1.2.3 only");
}
