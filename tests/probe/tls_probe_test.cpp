// The tls probe against loopback TLS servers with test certificates.
#include "probe/tls_probe.hpp"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "../support/curl_probe_env.hpp"
#include "../support/test_server.hpp"

using namespace netvigil;
using namespace netvigil::testing;
using namespace std::chrono_literals;

namespace {

ProbeSpec tls_spec(std::uint16_t port, std::string host = "good.test",
                   std::string address = "127.0.0.1", std::string sni = "") {
  ProbeSpec s;
  s.id = "tls-test";
  s.kind = ProbeKind::tls;
  s.group = Group::domestic;
  s.host = std::move(host);
  s.address = std::move(address);
  s.sni = std::move(sni);
  s.ports = {port};
  return s;
}

std::uint16_t closed_port() {
  TestServer gone({});
  return gone.port();
}

}  // namespace

TEST_CASE("tls probe: verified handshake records version, cipher and leaf", "[probe][tls]") {
  const auto& pki = test_pki();
  TestServer server({ServerMode::respond, "", &pki.good});
  CurlProbeEnv e;
  auto m = e.run(&run_tls_probe, tls_spec(server.port()), 3000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK(m->ok);
  CHECK(m->failure.code == Failure::none);
  CHECK(m->method == Method::none);
  CHECK(m->probe_id == "tls-test");
  CHECK(m->kind == ProbeKind::tls);
  CHECK(m->group == Group::domestic);
  CHECK(m->evidence["sni"] == "good.test");
  CHECK(m->evidence["address"] == "127.0.0.1");
  CHECK(m->evidence["tls_version"].get<std::string>().rfind("TLSv1.", 0) == 0);
  CHECK_FALSE(m->evidence["cipher"].get<std::string>().empty());
  CHECK(m->evidence["cert_not_after"].get<std::int64_t>() == pki.good.not_after);
  CHECK(m->evidence["cert_subject_cn"] == "good.test");
  CHECK(m->evidence["cert_issuer_cn"] == "netvigil test CA");
  CHECK(m->phases.connect_us >= 0);
  CHECK(m->phases.tls_us > 0);
  CHECK(m->phases.total_us >= m->phases.tls_us);
  CHECK(m->phases.first_byte_us == -1);
  REQUIRE(server.server_names().size() == 1);
  CHECK(server.server_names()[0] == "good.test");
}

TEST_CASE("tls probe: wrong-host certificate is ssl_invalid_hostname", "[probe][tls]") {
  TestServer server({ServerMode::respond, "", &test_pki().wrong_host});
  CurlProbeEnv e;
  auto m = e.run(&run_tls_probe, tls_spec(server.port()), 3000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK_FALSE(m->ok);
  CHECK(m->failure.ooni_string() == "ssl_invalid_hostname");
  CHECK(m->failure.op == Operation::tls_handshake);
  CHECK(m->method == Method::tls);
  CHECK(m->evidence["cert_subject_cn"] == "wrong.test");  // what was presented instead
}

TEST_CASE("tls probe: unknown CA is ssl_unknown_authority", "[probe][tls]") {
  TestServer server({ServerMode::respond, "", &test_pki().unknown_ca});
  CurlProbeEnv e;
  auto m = e.run(&run_tls_probe, tls_spec(server.port()), 3000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK_FALSE(m->ok);
  CHECK(m->failure.ooni_string() == "ssl_unknown_authority");
  CHECK(m->failure.op == Operation::tls_handshake);
  CHECK(m->method == Method::tls);
  CHECK(m->evidence["cert_issuer_cn"] == "unknown test CA");
}

TEST_CASE("tls probe: a different SNI to the same address", "[probe][tls]") {
  TestServer server({ServerMode::respond, "", &test_pki().good});
  CurlProbeEnv e;
  auto m = e.run(&run_tls_probe, tls_spec(server.port(), "good.test", "127.0.0.1", "other.test"),
                 3000ms);
  REQUIRE(m);
  CHECK(m->evidence["sni"] == "other.test");
  CHECK(m->failure.ooni_string() == "ssl_invalid_hostname");  // the cert is for good.test
  REQUIRE(server.server_names().size() == 1);
  CHECK(server.server_names()[0] == "other.test");
}

TEST_CASE("tls probe: refused, reset, closed", "[probe][tls]") {
  CurlProbeEnv e;
  SECTION("refused") {
    auto m = e.run(&run_tls_probe, tls_spec(closed_port()), 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "connection_refused");
    CHECK(m->failure.op == Operation::connect);
    CHECK(m->method == Method::tcp_ip);
    CHECK(m->phases.tls_us == -1);
  }
  SECTION("reset during the handshake") {
    TestServer server({ServerMode::reset_on_accept});
    auto m = e.run(&run_tls_probe, tls_spec(server.port()), 3000ms);
    REQUIRE(m);
    INFO(m->failure.ooni_string());
    CHECK(m->failure.ooni_string() == "connection_reset");
    CHECK(m->failure.op == Operation::tls_handshake);
    CHECK(m->method == Method::tls);
  }
  SECTION("closed during the handshake") {
    TestServer server({ServerMode::close_after_read});
    auto m = e.run(&run_tls_probe, tls_spec(server.port()), 3000ms);
    REQUIRE(m);
    INFO(m->failure.ooni_string());
    CHECK(m->failure.ooni_string() == "eof_error");
    CHECK(m->failure.op == Operation::tls_handshake);
  }
}

TEST_CASE("tls probe: a silent server ends by the deadline", "[probe][tls]") {
  TestServer server({ServerMode::blackhole});
  CurlProbeEnv e;
  std::chrono::steady_clock::duration took{};
  auto m = e.run(&run_tls_probe, tls_spec(server.port()), 800ms, &took);
  REQUIRE(m);
  CHECK(m->failure.ooni_string() == "generic_timeout_error");
  CHECK(m->failure.op == Operation::tls_handshake);
  CHECK(took >= 700ms);
  CHECK(took < 1300ms);
}

TEST_CASE("tls probe: IPv6 loopback and IP-literal hosts", "[probe][tls]") {
  TestServer v6({ServerMode::respond, "", &test_pki().good, "::1"});
  CurlProbeEnv e;
  auto a = e.run(&run_tls_probe, tls_spec(v6.port(), "good.test", "::1"), 3000ms);
  REQUIRE(a);
  INFO(a->failure.ooni_string());
  CHECK(a->ok);
  CHECK(a->evidence["address"] == "::1");
  auto b = e.run(&run_tls_probe, tls_spec(v6.port(), "::1", ""), 3000ms);
  REQUIRE(b);
  INFO(b->failure.ooni_string());
  CHECK(b->ok);  // the certificate names IP ::1
}

TEST_CASE("tls probe: host resolved through the DnsEngine", "[probe][tls]") {
  TestServer server({ServerMode::respond, "", &test_pki().good});
  CurlProbeEnv e;
  FakeDnsEntry entry;
  entry.a = {"127.0.0.1"};
  e.dns_server.set("good.test", entry);
  auto m = e.run(&run_tls_probe, tls_spec(server.port(), "good.test", ""), 3000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK(m->ok);
  CHECK(m->evidence["resolve"]["addresses"] == nlohmann::json::array({"127.0.0.1"}));
  CHECK(m->phases.resolve_us > 0);

  auto nx = e.run(&run_tls_probe, tls_spec(server.port(), "missing.test", ""), 3000ms);
  REQUIRE(nx);
  CHECK(nx->failure.ooni_string() == "dns_nxdomain_error");
  CHECK(nx->failure.op == Operation::resolve);
  CHECK(nx->method == Method::dns);
  CHECK(server.accepted() == 1);  // the NXDOMAIN run never connected
}
