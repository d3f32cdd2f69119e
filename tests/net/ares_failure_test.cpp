// The c-ares status / rcode → OONI failure table.
#include "net/ares_failure.hpp"

#include <ares.h>

#include <catch2/catch.hpp>
#include <cerrno>

using namespace netvigil;

TEST_CASE("c-ares statuses map to OONI failure strings", "[net][dns][failure]") {
  struct Row {
    int status;
    int rcode;
    const char* ooni;
  };
  const Row table[] = {
      {ARES_SUCCESS, 0, ""},
      {ARES_SUCCESS, -1, ""},
      {ARES_ENOTFOUND, 3, "dns_nxdomain_error"},
      {ARES_ENODATA, 0, "dns_no_answer"},
      {ARES_ESERVFAIL, 2, "dns_servfail_error"},
      {ARES_EREFUSED, 5, "dns_refused_error"},
      {ARES_ETIMEOUT, -1, "generic_timeout_error"},
      {ARES_ECONNREFUSED, -1, "connection_refused"},
      {ARES_EBADRESP, -1, "dns_server_misbehaving"},
      {ARES_EFORMERR, 1, "dns_server_misbehaving"},
      {ARES_ENOTIMP, 4, "dns_non_recoverable_failure"},
      // Replies handed over as ARES_SUCCESS (ares_send) map by their rcode.
      {ARES_SUCCESS, 1, "dns_server_misbehaving"},
      {ARES_SUCCESS, 2, "dns_servfail_error"},
      {ARES_SUCCESS, 3, "dns_nxdomain_error"},
      {ARES_SUCCESS, 4, "dns_non_recoverable_failure"},
      {ARES_SUCCESS, 5, "dns_refused_error"},
      {ARES_SUCCESS, 9, "unknown_failure: dns rcode 9"},
  };
  for (const auto& row : table) {
    INFO("status " << row.status << " rcode " << row.rcode);
    const auto f = failure_from_ares(row.status, row.rcode);
    CHECK(f.ooni_string() == row.ooni);
    if (f.failed()) CHECK(f.op == Operation::resolve);
  }
}

TEST_CASE("unmapped c-ares statuses keep ares_strerror's text", "[net][dns][failure]") {
  const auto f = failure_from_ares(ARES_EBADNAME);
  CHECK(f.code == Failure::unknown_failure);
  CHECK(f.op == Operation::resolve);
  CHECK(f.ooni_string() == std::string("unknown_failure: ") + ares_strerror(ARES_EBADNAME));
  CHECK(failure_from_ares(ARES_ENOMEM).code == Failure::unknown_failure);
}

TEST_CASE("a known socket error behind ARES_ECONNREFUSED maps through errno",
          "[net][dns][failure]") {
  CHECK(failure_from_ares(ARES_ECONNREFUSED, -1, ENETUNREACH).ooni_string() ==
        "network_unreachable");
  CHECK(failure_from_ares(ARES_ECONNREFUSED, -1, EHOSTUNREACH).ooni_string() == "host_unreachable");
  CHECK(failure_from_ares(ARES_ECONNREFUSED, -1, ECONNREFUSED).ooni_string() ==
        "connection_refused");
  CHECK(failure_from_ares(ARES_ECONNREFUSED, -1, 0).ooni_string() == "connection_refused");
  // An errno the errno mapping does not know keeps c-ares' own meaning.
  CHECK(failure_from_ares(ARES_ECONNREFUSED, -1, EDOM).ooni_string() == "connection_refused");
  CHECK(failure_from_ares(ARES_ECONNREFUSED, -1, ENETUNREACH).op == Operation::resolve);
  // Only ECONNREFUSED is reinterpreted.
  CHECK(failure_from_ares(ARES_ETIMEOUT, -1, ENETUNREACH).ooni_string() == "generic_timeout_error");
}
