// Throughput probe over curl: bytes over time for one fresh download.
#include "probe/throughput_probe.hpp"

#include <algorithm>
#include <memory>

#include "loop/event_loop.hpp"
#include "net/curl_engine.hpp"
#include "net/curl_failure.hpp"
#include "probe/curl_target.hpp"
#include "probe/tls_observer.hpp"

namespace netvigil {
namespace {

struct ThroughputRun {
  ProbeEnv* env = nullptr;
  ProbeDone done;
  Measurement m;
  SteadyTime started;
  SteadyTime deadline;
  std::int64_t expect_bytes = 0;
  bool ignore_status = false;
  BodySink body;
  TlsSeen seen;
  CurlTarget target;
};

void finish(const std::shared_ptr<ThroughputRun>& run) {
  run->m.phases.total_us = static_cast<std::int32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(run->env->loop->now() - run->started)
          .count());
  run->done(std::move(run->m));
}

void record(ThroughputRun& run, CURL* e, CURLcode code, std::string_view text) {
  Measurement& m = run.m;
  const bool https = run.target.scheme == "https";
  set_curl_phases(m, e, run.target.resolve_us);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  m.http_status = static_cast<std::int32_t>(status);
  const std::int64_t bytes = run.expect_bytes > 0 ? std::min(run.body.received, run.expect_bytes)
                                                  : run.body.received;
  m.bytes = bytes;
  const std::int32_t total = curl_time_us(e, CURLINFO_TOTAL_TIME_T);
  const std::int32_t download = phase_us(total, curl_time_us(e, CURLINFO_PRETRANSFER_TIME_T));
  if (const std::string a = connected_address(e); !a.empty()) m.evidence["address"] = a;
  m.evidence["status"] = status;
  m.evidence["bytes"] = bytes;
  m.evidence["total_ms"] = total < 0 ? 0.0 : total / 1000.0;
  m.evidence["download_ms"] = download < 0 ? 0.0 : download / 1000.0;
  m.evidence["bits_per_second"] =
      download > 0 ? static_cast<std::int64_t>(static_cast<double>(bytes) * 8e6 / download) : 0;

  const bool complete = code == CURLE_OK || (code == CURLE_WRITE_ERROR && run.body.stopped);
  if (!complete) {
    CurlOutcome o = curl_outcome(code, e, text, https);
    o.connected = o.connected || run.seen.tcp_connected;
    set_failure(m, failure_from_curl(o));
  } else if (status >= 400 && !run.ignore_status) {
    set_failure(m, unknown_failure(Operation::http_round_trip,
                                   "http_status: " + std::to_string(status)));
  } else {
    m.ok = true;
  }
}

void download(const std::shared_ptr<ThroughputRun>& run) {
  Measurement& m = run->m;
  const CurlTarget& target = run->target;
  CurlEasyPtr easy = begin_transfer(*run->env, target, run->deadline, m);
  if (!easy) return finish(run);
  CURL* e = easy.get();
  sink_body(e, &run->body);
  if (target.scheme == "https") observe_tls(e, &run->seen);
  auto keep = pin_addresses(e, target);
  run->env->curl->start(std::move(easy), std::move(keep),
                        [run](CURLcode code, CURL* h, std::string_view text) {
                          record(*run, h, code, text);
                          finish(run);
                        });
}

}  // namespace

void run_throughput_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                          ProbeDone done) {
  auto run = std::make_shared<ThroughputRun>();
  run->env = &env;
  run->done = std::move(done);
  static const SystemClock kSystemClock;
  run->m = start_measurement(spec, env.clock != nullptr ? *env.clock : kSystemClock);
  run->started = env.loop->now();
  run->deadline = run->started + timeout;
  run->expect_bytes = spec.expect_bytes > 0 ? spec.expect_bytes : 0;
  run->ignore_status = spec.ignore_status;
  run->body.stop_after = run->expect_bytes;
  run->m.evidence["url"] = spec.url;
  run->m.evidence["expect_bytes"] = run->expect_bytes;
  resolve_curl_target(env, spec.url, spec.address, timeout, [run](CurlTarget target) {
    run->target = std::move(target);
    download(run);
  });
}

}  // namespace netvigil
