// Block-page fingerprint matching: where (body, header, dns) × type (exact, prefix,
// contains, regexp), and bounded regexp work on large bodies.
#include "probe/fingerprint.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace netvigil;

namespace {

Fingerprint fp(std::string id, std::string where, std::string type, std::string pattern,
               std::string header = "") {
  Fingerprint f;
  f.id = std::move(id);
  f.where = std::move(where);
  f.type = std::move(type);
  f.pattern = std::move(pattern);
  f.header = std::move(header);
  return f;
}

}  // namespace

TEST_CASE("fingerprint pattern types", "[probe][fingerprint]") {
  struct Row {
    const char* type;
    const char* pattern;
    const char* text;
    bool match;
  };
  const std::vector<Row> rows = {
      {"exact", "blocked", "blocked", true},
      {"exact", "blocked", "blocked ", false},
      {"exact", "blocked", "Blocked", false},
      {"prefix", "<html><iframe", "<html><iframe src=x>", true},
      {"prefix", "<html><iframe", " <html><iframe", false},
      {"contains", "peyvandha.ir", "<a href=http://peyvandha.ir/>", true},
      {"contains", "peyvandha.ir", "<a href=http://example.org/>", false},
      {"regexp", "10\\.10\\.34\\.3[4-6]", "<iframe src=\"http://10.10.34.35:80\">", true},
      {"regexp", "10\\.10\\.34\\.3[4-6]", "<iframe src=\"http://10.10.34.37:80\">", false},
      {"regexp", "^HTTP/1\\.[01] 403", "HTTP/1.1 403 Forbidden", true},
      {"regexp", "(unclosed", "(unclosed", false},  // invalid regexp never matches
      {"unknown-type", "x", "x", false},
  };
  for (const auto& r : rows) {
    INFO(r.type << " " << r.pattern << " on " << r.text);
    CHECK(fingerprint_matches(fp("id", "body", r.type, r.pattern), r.text) == r.match);
  }
}

TEST_CASE("fingerprints match only where they look", "[probe][fingerprint]") {
  const std::vector<Fingerprint> fps = {
      fp("ir-dns", "dns", "regexp", "^10\\.10\\.34\\.3[4-6]$"),
      fp("ir-body", "body", "contains", "peyvandha.ir"),
      fp("ir-header", "header", "prefix", "Protected", "Server"),
  };
  const std::string body = "<html>see peyvandha.ir</html>";
  const auto* b = match_body(fps, body);
  REQUIRE(b != nullptr);
  CHECK(b->id == "ir-body");
  CHECK(match_body(fps, "10.10.34.34") == nullptr);  // a dns pattern is not a body pattern

  const std::vector<HttpHeader> headers = {{"Content-Type", "text/html"},
                                           {"server", "Protected by filter"}};
  const auto* h = match_headers(fps, headers);
  REQUIRE(h != nullptr);
  CHECK(h->id == "ir-header");
  CHECK(match_headers(fps, {{"X-Server", "Protected by filter"}}) == nullptr);
  CHECK(match_headers(fps, {{"Server", "nginx"}}) == nullptr);

  const auto* d = match_dns(fps, "10.10.34.36");
  REQUIRE(d != nullptr);
  CHECK(d->id == "ir-dns");
  CHECK(match_dns(fps, "10.10.34.37") == nullptr);
  CHECK(match_dns(fps, "110.10.34.36") == nullptr);
}

TEST_CASE("regexp on a large body is bounded and binary-safe", "[probe][fingerprint]") {
  std::string body(65536, 'a');
  body[100] = '\0';
  // std::regex overflows the stack on this input; PCRE2 under a match limit must not.
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(fingerprint_matches(fp("bad", "body", "regexp", "a.*x"), body));
  CHECK_FALSE(fingerprint_matches(fp("worse", "body", "regexp", "(a*)*[^a]"), body.substr(200)));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  body += "needle";
  CHECK(fingerprint_matches(fp("tail", "body", "regexp", "need+le$"), body));
  CHECK(fingerprint_matches(fp("nul", "body", "contains", std::string("a\0a", 3)), body));
}

TEST_CASE("regexp errors are reported", "[probe][fingerprint]") {
  CHECK_FALSE(regexp_error("10\\.10\\.34\\.3[4-6]").has_value());
  const auto e = regexp_error("(unclosed");
  REQUIRE(e.has_value());
  CHECK(e->find("offset") != std::string::npos);
}
