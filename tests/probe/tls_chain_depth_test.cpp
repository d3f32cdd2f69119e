// The verify-depth cap (kMaxTlsChainDepth): a longer chain to a trusted root is refused.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/curl_probe_env.hpp"
#include "../support/test_server.hpp"
#include "probe/http_probe.hpp"
#include "probe/tls_observer.hpp"
#include "probe/tls_probe.hpp"

using namespace netvigil;
using namespace netvigil::testing;
using namespace std::chrono_literals;

namespace {

/// root → `intermediates` CAs → leaf for good.test; the leaf's cert_pem carries the chain.
struct LongChain {
  CertKey leaf;
  std::string ca_file;

  explicit LongChain(int intermediates) {
    const std::time_t not_after = std::time(nullptr) + 86400;
    std::vector<PkeyPtr> keys;
    std::vector<X509Ptr> certs;
    keys.push_back(make_key());
    certs.push_back(make_cert(keys[0].get(), "depth test root", nullptr, nullptr, nullptr, true,
                              1, not_after));
    for (int i = 1; i <= intermediates; ++i) {
      keys.push_back(make_key());
      const std::string cn = "depth test CA " + std::to_string(i);
      certs.push_back(make_cert(keys.back().get(), cn.c_str(), certs[certs.size() - 1].get(),
                                keys[keys.size() - 2].get(), nullptr, true, 1 + i, not_after));
    }
    auto leaf_key = make_key();
    auto leaf_cert = make_cert(leaf_key.get(), "good.test", certs.back().get(), keys.back().get(),
                               "DNS:good.test", false, 1000, not_after);
    leaf.cert_pem = cert_pem(leaf_cert.get());
    for (std::size_t i = certs.size() - 1; i >= 1; --i) leaf.cert_pem += cert_pem(certs[i].get());
    leaf.key_pem = key_pem(leaf_key.get());
    char tmpl[] = "/tmp/netvigil-depth-ca-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    const std::string root = cert_pem(certs[0].get());
    const bool written = ::write(fd, root.data(), root.size()) == static_cast<ssize_t>(root.size());
    ::close(fd);
    ca_file = tmpl;
    if (!written) throw std::runtime_error("cannot write the root");
  }
  ~LongChain() { std::remove(ca_file.c_str()); }
  LongChain(const LongChain&) = delete;
  LongChain& operator=(const LongChain&) = delete;
};

ProbeSpec tls_spec(std::uint16_t port) {
  ProbeSpec s;
  s.id = "tls-depth";
  s.kind = ProbeKind::tls;
  s.group = Group::international;
  s.host = "good.test";
  s.address = "127.0.0.1";
  s.ports = {port};
  return s;
}

}  // namespace

TEST_CASE("tls probe: a chain of kMaxTlsChainDepth intermediates verifies", "[probe][tls]") {
  LongChain chain(kMaxTlsChainDepth);
  TestServer server({ServerMode::respond, "", &chain.leaf});
  CurlProbeEnv e;
  e.config.ca_file = chain.ca_file;
  auto m = e.run(&run_tls_probe, tls_spec(server.port()), 3000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK(m->ok);
  CHECK(m->evidence["cert_issuer_cn"] ==
        "depth test CA " + std::to_string(kMaxTlsChainDepth));
}

TEST_CASE("tls probe: one intermediate more is ssl_invalid_certificate", "[probe][tls]") {
  LongChain chain(kMaxTlsChainDepth + 1);
  TestServer server({ServerMode::respond, "", &chain.leaf});
  CurlProbeEnv e;
  e.config.ca_file = chain.ca_file;
  auto m = e.run(&run_tls_probe, tls_spec(server.port()), 3000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK_FALSE(m->ok);
  CHECK(m->failure.ooni_string() == "ssl_invalid_certificate");
  CHECK(m->failure.op == Operation::tls_handshake);
  CHECK(m->method == Method::tls);
  CHECK(m->evidence["cert_subject_cn"] == "good.test");  // the leaf was still seen
}

TEST_CASE("http probe: an over-long chain fails the https fetch the same way", "[probe][http]") {
  LongChain chain(kMaxTlsChainDepth + 1);
  TestServer server({ServerMode::respond, http_response(200, "ok"), &chain.leaf});
  CurlProbeEnv e;
  e.config.ca_file = chain.ca_file;
  ProbeSpec s;
  s.id = "http-depth";
  s.kind = ProbeKind::http;
  s.group = Group::international;
  s.url = "https://good.test:" + std::to_string(server.port()) + "/";
  s.address = "127.0.0.1";
  auto m = e.run(&run_http_probe, s, 3000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK_FALSE(m->ok);
  CHECK(m->failure.ooni_string() == "ssl_invalid_certificate");
  CHECK(m->failure.op == Operation::tls_handshake);
  CHECK(server.requests().empty());
}
