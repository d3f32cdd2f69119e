// The http probe against loopback HTTP/HTTPS servers; and proof that curl never resolves.
#include "probe/http_probe.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/evp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <string>

#include "../support/curl_probe_env.hpp"
#include "../support/test_server.hpp"
#include "probe/blocking_knowledge.hpp"

using namespace netvigil;
using namespace netvigil::testing;
using namespace std::chrono_literals;

// Every getaddrinfo call in this test binary (curl's threaded resolver included) comes here
// first: the executable's definition interposes libc's. "resolver-canary.test" is answered
// here as 127.0.0.1 without any query; other names fail with EAI_NONAME, so that even a
// regression cannot send a DNS query off loopback. Only literals and "localhost" reach libc.
static std::atomic<int> g_getaddrinfo_calls{0};
extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                           addrinfo** res) {
  ++g_getaddrinfo_calls;
  if (node != nullptr && std::strcmp(node, "resolver-canary.test") == 0) {
    auto* ai = static_cast<addrinfo*>(std::calloc(1, sizeof(addrinfo) + sizeof(sockaddr_in)));
    auto* sa = reinterpret_cast<sockaddr_in*>(ai + 1);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa->sin_port = htons(static_cast<std::uint16_t>(service ? std::atoi(service) : 0));
    ai->ai_family = AF_INET;
    ai->ai_socktype = hints ? hints->ai_socktype : SOCK_STREAM;
    ai->ai_addr = reinterpret_cast<sockaddr*>(sa);
    ai->ai_addrlen = sizeof(sockaddr_in);
    *res = ai;
    return 0;
  }
  if (node != nullptr && std::strcmp(node, "localhost") != 0) {
    in6_addr scratch{};
    if (inet_pton(AF_INET, node, &scratch) != 1 && inet_pton(AF_INET6, node, &scratch) != 1)
      return EAI_NONAME;
  }
  using Real = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
  static const auto real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "getaddrinfo"));
  return real(node, service, hints, res);
}
extern "C" void freeaddrinfo(addrinfo* ai) {
  if (ai != nullptr && ai->ai_addr == reinterpret_cast<sockaddr*>(ai + 1) &&
      ai->ai_next == nullptr && ai->ai_canonname == nullptr && ai->ai_family == AF_INET &&
      reinterpret_cast<sockaddr_in*>(ai + 1)->sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
    std::free(ai);  // one of ours
    return;
  }
  using Real = void (*)(addrinfo*);
  static const auto real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "freeaddrinfo"));
  real(ai);
}

namespace {

ProbeSpec http_spec(const std::string& url, std::string address = "127.0.0.1") {
  ProbeSpec s;
  s.id = "http-test";
  s.kind = ProbeKind::http;
  s.group = Group::international;
  s.url = url;
  s.address = std::move(address);
  return s;
}

std::string url(const char* scheme, const TestServer& s, const std::string& host = "good.test",
                const std::string& path = "/") {
  return std::string(scheme) + "://" + host + ":" + std::to_string(s.port()) + path;
}

std::string sha256(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  char hex[65];
  for (int i = 0; i < 32; ++i) std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return hex;
}

Fingerprint fingerprint(std::string id, std::string where, std::string type, std::string pattern,
                        std::string header = "") {
  Fingerprint f;
  f.id = std::move(id);
  f.where = std::move(where);
  f.type = std::move(type);
  f.pattern = std::move(pattern);
  f.header = std::move(header);
  return f;
}

BlockingKnowledge lab_knowledge() {
  Config c;
  Catalog cat;
  cat.name = "lab";
  cat.fingerprints = {
      fingerprint("ir-iframe", "body", "regexp", "iframe src=\"http://10\\.10\\.34\\.3[4-6]"),
      fingerprint("ir-server", "header", "exact", "Peyvand Filter", "Server"),
      fingerprint("lab-dns", "dns", "exact", "127.0.0.2"),
  };
  c.catalogs.push_back(cat);
  return BlockingKnowledge::from(c);
}

std::uint16_t closed_port() {
  TestServer gone({});
  return gone.port();
}

}  // namespace

TEST_CASE("http probe: the body hash does not give away an address the page echoes",
          "[probe][http]") {
  // A page that echoes the client's address: its plain hash could be inverted by hashing the
  // template over every IPv4 address, so the stored hash is of the scrubbed body.
  auto page = [](const std::string& addr) {
    return "<html><title>hello</title><body>You are " + addr + "</body></html>";
  };
  TestServer a({ServerMode::respond, http_response(200, page("203.0.113.77"))});
  TestServer b({ServerMode::respond, http_response(200, page("198.51.100.9"))});
  CurlProbeEnv e;
  auto ma = e.run(&run_http_probe, http_spec(url("http", a)), 3000ms);
  auto mb = e.run(&run_http_probe, http_spec(url("http", b)), 3000ms);
  REQUIRE(ma);
  REQUIRE(mb);
  CHECK(ma->evidence["body_sha256"] == sha256(page("[scrubbed]")));
  CHECK(ma->evidence["body_sha256"] != sha256(page("203.0.113.77")));
  CHECK(ma->evidence["body_sha256"] == mb->evidence["body_sha256"]);
  CHECK(ma->evidence["body_kept"] == page("203.0.113.77").size());
  CHECK(ma->evidence.dump().find("203.0.113.77") == std::string::npos);
}

TEST_CASE("http probe: GET records status, phases, hash, title, headers", "[probe][http]") {
  const std::string body =
      "<html><head><TITLE>\n  Hello   there </title></head><body>hi</body></html>";
  TestServer server({ServerMode::respond, http_response(200, body, "Server: lab-nginx\r\n")});
  CurlProbeEnv e;
  auto m = e.run(&run_http_probe, http_spec(url("http", server)), 3000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK(m->ok);
  CHECK(m->method == Method::none);
  CHECK(m->http_status == 200);
  CHECK(m->bytes == static_cast<std::int64_t>(body.size()));
  CHECK(m->evidence["body_sha256"] == sha256(body));
  CHECK(m->evidence["title"] == "Hello there");
  CHECK(m->evidence["headers"]["server"] == "lab-nginx");
  CHECK(m->evidence["body_truncated"] == false);
  CHECK(m->evidence["address"] == "127.0.0.1");
  CHECK(m->evidence["url"] == url("http", server));
  CHECK(m->phases.connect_us >= 0);
  CHECK(m->phases.tls_us == -1);
  CHECK(m->phases.first_byte_us >= 0);
  CHECK(m->phases.total_us >= m->phases.first_byte_us);
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].method == "GET");
  CHECK(server.requests()[0].head.find("Host: good.test:") != std::string::npos);
}

TEST_CASE("http probe: POST sends the body", "[probe][http]") {
  TestServer server({});
  CurlProbeEnv e;
  auto spec = http_spec(url("http", server, "good.test", "/api"));
  spec.http_method = "POST";
  spec.http_body = "x=1&y=2";
  auto m = e.run(&run_http_probe, spec, 3000ms);
  REQUIRE(m);
  CHECK(m->ok);
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].method == "POST");
  CHECK(server.requests()[0].target == "/api");
  CHECK(server.requests()[0].body == "x=1&y=2");
}

TEST_CASE("http probe: HTTPS with phases and certificate checks", "[probe][http]") {
  CurlProbeEnv e;
  SECTION("good") {
    TestServer server({ServerMode::respond, http_response(200, "ok"), &test_pki().good});
    auto m = e.run(&run_http_probe, http_spec(url("https", server)), 3000ms);
    REQUIRE(m);
    INFO(m->failure.ooni_string() << " " << m->evidence.dump());
    CHECK(m->ok);
    CHECK(m->phases.tls_us > 0);
    CHECK(m->evidence["tls_version"].get<std::string>().rfind("TLSv1.", 0) == 0);
    CHECK(server.server_names() == std::vector<std::string>{"good.test"});
  }
  SECTION("wrong host") {
    TestServer server({ServerMode::respond, http_response(200, "ok"), &test_pki().wrong_host});
    auto m = e.run(&run_http_probe, http_spec(url("https", server)), 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "ssl_invalid_hostname");
    CHECK(m->method == Method::tls);
  }
  SECTION("unknown CA") {
    TestServer server({ServerMode::respond, http_response(200, "ok"), &test_pki().unknown_ca});
    auto m = e.run(&run_http_probe, http_spec(url("https", server)), 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "ssl_unknown_authority");
    CHECK(m->failure.op == Operation::tls_handshake);
  }
}

TEST_CASE("http probe: network failures", "[probe][http]") {
  CurlProbeEnv e;
  SECTION("refused") {
    auto m = e.run(&run_http_probe,
                   http_spec("http://good.test:" + std::to_string(closed_port()) + "/"), 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "connection_refused");
    CHECK(m->failure.op == Operation::connect);
    CHECK(m->method == Method::tcp_ip);
  }
  SECTION("reset after the request") {
    TestServer server({ServerMode::reset_after_request});
    auto m = e.run(&run_http_probe, http_spec(url("http", server)), 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "connection_reset");
    CHECK(m->failure.op == Operation::http_round_trip);
    CHECK(m->method == Method::http_failure);
  }
  SECTION("closed without an answer") {
    TestServer server({ServerMode::close_after_read});
    auto m = e.run(&run_http_probe, http_spec(url("http", server)), 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "eof_error");
    CHECK(m->failure.op == Operation::http_round_trip);
  }
  SECTION("a server that never answers ends by the deadline") {
    TestServer server({ServerMode::blackhole});
    std::chrono::steady_clock::duration took{};
    auto m = e.run(&run_http_probe, http_spec(url("http", server)), 700ms, &took);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "generic_timeout_error");
    CHECK(m->failure.op == Operation::http_round_trip);
    CHECK(took >= 600ms);
    CHECK(took < 1200ms);
  }
}

TEST_CASE("http probe: block pages by body, header and DNS fingerprints", "[probe][http]") {
  const BlockingKnowledge k = lab_knowledge();
  CurlProbeEnv e;
  e.env.knowledge = &k;
  SECTION("body") {
    TestServer server(
        {ServerMode::respond,
         http_response(403, "<html><iframe src=\"http://10.10.34.34:80\"></iframe>")});
    auto m = e.run(&run_http_probe, http_spec(url("http", server)), 3000ms);
    REQUIRE(m);
    CHECK_FALSE(m->ok);
    CHECK(m->method == Method::http_blockpage);
    CHECK(m->failure.code == Failure::unknown_failure);
    CHECK(m->failure.ooni_string() == "unknown_failure: http_blockpage: ir-iframe");
    CHECK(m->evidence["fingerprint"] == "ir-iframe");
    CHECK(m->http_status == 403);
  }
  SECTION("header") {
    TestServer server(
        {ServerMode::respond, http_response(200, "blocked", "Server: Peyvand Filter\r\n")});
    auto m = e.run(&run_http_probe, http_spec(url("http", server)), 3000ms);
    REQUIRE(m);
    CHECK(m->method == Method::http_blockpage);
    CHECK(m->evidence["fingerprint"] == "ir-server");
  }
  SECTION("an ordinary page matches nothing") {
    TestServer server(
        {ServerMode::respond, http_response(200, "<iframe src=\"http://10.10.34.37\">")});
    auto m = e.run(&run_http_probe, http_spec(url("http", server)), 3000ms);
    REQUIRE(m);
    CHECK(m->ok);
    CHECK_FALSE(m->evidence.contains("fingerprint"));
  }
  SECTION("DNS answer") {
    TestServer server({ServerMode::respond, http_response(200, "ok"), nullptr, "127.0.0.2"});
    FakeDnsEntry entry;
    entry.a = {"127.0.0.2"};
    e.dns_server.set("poisoned.test", entry);
    auto m = e.run(&run_http_probe, http_spec(url("http", server, "poisoned.test"), ""), 3000ms);
    REQUIRE(m);
    INFO(m->evidence.dump());
    CHECK(m->failure.ooni_string() == "dns_bogon_error");
    CHECK(m->method == Method::dns);
    CHECK(m->evidence["dns_blockpage"] == "lab-dns");
    CHECK(m->evidence["addresses"] == nlohmann::json::array({"127.0.0.2"}));
  }
}

TEST_CASE("http probe: status, redirects and the body cap", "[probe][http]") {
  CurlProbeEnv e;
  SECTION("404 is an http_failure unless ignored") {
    TestServer server({ServerMode::respond, http_response(404, "no")});
    auto m = e.run(&run_http_probe, http_spec(url("http", server)), 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "unknown_failure: http_status: 404");
    CHECK(m->method == Method::http_failure);
    auto spec = http_spec(url("http", server));
    spec.ignore_status = true;
    auto n = e.run(&run_http_probe, spec, 3000ms);
    REQUIRE(n);
    CHECK(n->ok);
    CHECK(n->http_status == 404);
  }
  SECTION("a redirect is not followed; Location is evidence") {
    TestServer server(
        {ServerMode::respond, http_response(302, "", "Location: http://blocked.test/\r\n")});
    auto m = e.run(&run_http_probe, http_spec(url("http", server)), 3000ms);
    REQUIRE(m);
    CHECK(m->ok);
    CHECK(m->http_status == 302);
    CHECK(m->evidence["headers"]["location"] == "http://blocked.test/");
    CHECK(server.accepted() == 1);
  }
  SECTION("a body beyond the cap is kept up to the cap and is not a failure") {
    std::string big(200'000, 'x');
    big.replace(0, 22, "<title>big page</title>");
    TestServer server({ServerMode::respond, http_response(200, big)});
    auto spec = http_spec(url("http", server));
    spec.body_cap = 1000;
    auto m = e.run(&run_http_probe, spec, 3000ms);
    REQUIRE(m);
    INFO(m->failure.ooni_string());
    CHECK(m->ok);
    CHECK(m->evidence["body_truncated"] == true);
    CHECK(m->evidence["body_kept"] == 1000);
    CHECK(m->evidence["body_sha256"] == sha256(std::string_view(big).substr(0, 1000)));
    CHECK(m->evidence["title"] == "big page");
    CHECK(m->bytes > 1000);
    CHECK(m->bytes < 200'000);
  }
  SECTION("a body of exactly the cap is complete") {
    TestServer server({ServerMode::respond, http_response(200, std::string(1000, 'y'))});
    auto spec = http_spec(url("http", server));
    spec.body_cap = 1000;
    auto m = e.run(&run_http_probe, spec, 3000ms);
    REQUIRE(m);
    CHECK(m->ok);
    CHECK(m->evidence["body_truncated"] == false);
    CHECK(m->bytes == 1000);
  }
}

TEST_CASE("http probe: curl never resolves a name", "[probe][http]") {
  TestServer server({ServerMode::respond, http_response(200, "ok")});
  CurlProbeEnv e;
  FakeDnsEntry entry;
  entry.a = {"127.0.0.1"};
  e.dns_server.set("named.test", entry);

  // Control: a bare curl transfer for a name does call getaddrinfo (the interposer works).
  const int before_control = g_getaddrinfo_calls.load();
  bool control_done = false;
  CURLcode control_code = CURLE_FAILED_INIT;
  auto easy = new_measuring_easy({2000ms, ""});
  const std::string canary = url("http", server, "resolver-canary.test");
  curl_easy_setopt(easy.get(), CURLOPT_URL, canary.c_str());
  e.curl->start(std::move(easy), {}, [&](CURLcode code, CURL*, std::string_view) {
    control_code = code;
    control_done = true;
  });
  REQUIRE(e.loop.run_until([&] { return control_done; }, 3000ms));
  CHECK(control_code == CURLE_OK);
  REQUIRE(g_getaddrinfo_calls.load() > before_control);

  // Probes: by spec.address, and through the DnsEngine; no getaddrinfo call at all.
  const int before = g_getaddrinfo_calls.load();
  auto a = e.run(&run_http_probe, http_spec(url("http", server, "resolver-canary.test")), 3000ms);
  auto b = e.run(&run_http_probe, http_spec(url("http", server, "named.test"), ""), 3000ms);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->ok);
  CHECK(b->ok);
  CHECK(b->evidence["resolve"]["addresses"] == nlohmann::json::array({"127.0.0.1"}));
  CHECK(g_getaddrinfo_calls.load() == before);
  CHECK(server.accepted() == 3);
}

TEST_CASE("http probe: titles and UTF-8", "[probe][http]") {
  CHECK(html_title("<title>a</title>") == "a");
  CHECK(html_title("<TiTlE lang=fa>  x \n y </TITLE>") == "x y");
  CHECK(html_title("no title") == "");
  CHECK(html_title("<title>unclosed") == "unclosed");
  CHECK(valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(valid_utf8("bad\xFF!") == "bad\xEF\xBF\xBD!");
  CHECK(valid_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  const std::string long_title = "<title>" + std::string(300, 'z') + "</title>";
  CHECK(html_title(long_title).size() == 256);
}
