// curl's response-header caps map to one stable label (issue 8, hostile servers).
#include "net/curl_failure.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace netvigil;

namespace {

CurlOutcome reading(CURLcode code, std::string text, bool first_byte = true) {
  CurlOutcome o;
  o.code = code;
  o.connected = true;
  o.first_byte = first_byte;
  o.error_text = std::move(text);
  return o;
}

}  // namespace

TEST_CASE("curl header caps: too many header bytes is http_headers_too_large", "[net][curl]") {
  const FailureInfo f =
      failure_from_curl(reading(CURLE_RECV_ERROR, "Too large response headers: 307757 > 307200"));
  CHECK(f.ooni_string() == "unknown_failure: http_headers_too_large");
  CHECK(f.op == Operation::read);
  CHECK(method_for(f.op) == Method::http_failure);
}

TEST_CASE("curl header caps: a header line over 100 KB is http_headers_too_large",
          "[net][curl]") {
  const FailureInfo f = failure_from_curl(reading(CURLE_OUT_OF_MEMORY, "Out of memory"));
  CHECK(f.ooni_string() == "unknown_failure: http_headers_too_large");
  CHECK(f.op == Operation::read);
}

TEST_CASE("curl header caps: out of memory before any byte stays unknown", "[net][curl]") {
  CurlOutcome o = reading(CURLE_OUT_OF_MEMORY, "Out of memory", false);
  const FailureInfo f = failure_from_curl(o);
  CHECK(f.ooni_string() == "unknown_failure: Out of memory");
  CHECK(f.op == Operation::http_round_trip);
}
