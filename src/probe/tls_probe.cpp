// TLS handshake probe over curl (CONNECT_ONLY), SNI and address chosen separately.
#include "probe/tls_probe.hpp"

#include <memory>

#include "loop/event_loop.hpp"
#include "net/curl_engine.hpp"
#include "net/curl_failure.hpp"
#include "probe/curl_target.hpp"
#include "probe/tls_observer.hpp"

namespace netvigil {
namespace {

struct TlsRun {
  ProbeEnv* env = nullptr;
  ProbeDone done;
  Measurement m;
  SteadyTime started;
  SteadyTime deadline;
  TlsSeen seen;
};

void finish(const std::shared_ptr<TlsRun>& run) {
  run->m.phases.total_us = static_cast<std::int32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(run->env->loop->now() - run->started)
          .count());
  run->done(std::move(run->m));
}

void handshake(const std::shared_ptr<TlsRun>& run, CurlTarget target) {
  Measurement& m = run->m;
  if (target.resolved) m.evidence["resolve"] = target.resolve_evidence;
  m.phases.resolve_us = target.resolve_us;
  if (target.failure.failed()) {
    set_failure(m, target.failure);
    return finish(run);
  }
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(run->deadline - run->env->loop->now());
  if (left.count() <= 0) {
    set_failure(m, {Failure::generic_timeout_error, Operation::connect, {}});
    return finish(run);
  }
  if (run->env->curl == nullptr) {
    set_failure(m, unknown_failure(Operation::connect, "no curl engine"));
    return finish(run);
  }
  const std::string ca = run->env->config != nullptr ? run->env->config->ca_file : std::string();
  CurlEasyPtr easy = new_measuring_easy({left, ca});
  curl_easy_setopt(easy.get(), CURLOPT_URL, target.url.c_str());
  // Connect and handshake, then stop: the transfer ends with the TLS session established.
  curl_easy_setopt(easy.get(), CURLOPT_CONNECT_ONLY, 1L);
  observe_tls(easy.get(), &run->seen);
  auto keep = pin_addresses(easy.get(), target);
  const std::int32_t resolve_us = target.resolve_us;
  run->env->curl->start(std::move(easy), std::move(keep),
                        [run, resolve_us](CURLcode code, CURL* e, std::string_view text) {
    Measurement& r = run->m;
    set_curl_phases(r, e, resolve_us);
    r.phases.first_byte_us = -1;
    if (const std::string a = connected_address(e); !a.empty()) r.evidence["address"] = a;
    r.evidence.update(run->seen.evidence());
    if (code == CURLE_OK) {
      r.ok = true;
    } else {
      CurlOutcome o = curl_outcome(code, e, text, true);
      o.connected = o.connected || run->seen.tcp_connected;
      set_failure(r, failure_from_curl(o));
    }
    finish(run);
  });
}

}  // namespace

void run_tls_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                   ProbeDone done) {
  auto run = std::make_shared<TlsRun>();
  run->env = &env;
  run->done = std::move(done);
  static const SystemClock kSystemClock;
  run->m = start_measurement(spec, env.clock != nullptr ? *env.clock : kSystemClock);
  run->started = env.loop->now();
  run->deadline = run->started + timeout;

  const std::string sni = spec.sni.empty() ? spec.host : spec.sni;
  const std::uint16_t port = spec.ports.empty() ? 443 : spec.ports.front();
  // Without an explicit address, a different SNI still goes to the host's own addresses.
  const std::string address = !spec.address.empty() ? spec.address
                              : sni != spec.host    ? spec.host
                                                    : std::string();
  run->m.evidence["host"] = spec.host;
  run->m.evidence["sni"] = sni;
  run->m.evidence["port"] = port;
  const bool v6_literal = sni.find(':') != std::string::npos;
  const std::string url = "https://" + (v6_literal ? "[" + sni + "]" : sni) + ":" +
                          std::to_string(port) + "/";
  resolve_curl_target(env, url, address, timeout,
                      [run](CurlTarget target) { handshake(run, std::move(target)); });
}

}  // namespace netvigil
