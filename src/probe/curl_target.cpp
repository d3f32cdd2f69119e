// URL parsing, resolution through the DnsEngine, and pinning curl to the resolved addresses.
#include "probe/curl_target.hpp"

#include <limits>
#include <memory>

#include "loop/event_loop.hpp"
#include "net/curl_failure.hpp"
#include "net/dns_engine.hpp"
#include "net/prefix.hpp"

namespace netvigil {
namespace {

struct UrlFree {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};

std::string url_part(CURLU* u, CURLUPart part, unsigned flags) {
  char* text = nullptr;
  if (curl_url_get(u, part, &text, flags) != CURLUE_OK || text == nullptr) return {};
  std::string out(text);
  curl_free(text);
  return out;
}

size_t on_body(char* data, size_t size, size_t n, void* userp) noexcept {
  auto* sink = static_cast<BodySink*>(userp);
  const size_t total = size * n;
  if (sink->kept.size() < sink->keep) {
    const size_t room = sink->keep - sink->kept.size();
    try {
      sink->kept.append(data, total < room ? total : room);
    } catch (...) {
      return 0;
    }
  }
  sink->received += static_cast<std::int64_t>(total);
  if (sink->stop_after > 0 && sink->received > sink->stop_after) {
    sink->stopped = true;
    return 0;  // enough: curl ends the transfer with CURLE_WRITE_ERROR
  }
  return total;
}

bool parse_url(CurlTarget& t) {
  std::unique_ptr<CURLU, UrlFree> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, t.url.c_str(), 0) != CURLUE_OK) return false;
  t.scheme = url_part(u.get(), CURLUPART_SCHEME, 0);
  t.host = url_part(u.get(), CURLUPART_HOST, 0);
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']')
    t.host = t.host.substr(1, t.host.size() - 2);
  const std::string port = url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  try {
    const unsigned long p = std::stoul(port);
    if (p == 0 || p > 65535) return false;
    t.port = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return (t.scheme == "http" || t.scheme == "https") && !t.host.empty();
}

std::string bracketed(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

}  // namespace

void resolve_curl_target(ProbeEnv& env, const std::string& url, const std::string& address,
                         std::chrono::milliseconds timeout, std::function<void(CurlTarget)> done) {
  CurlTarget t;
  t.url = url;
  if (!parse_url(t)) {
    t.failure = unknown_failure(Operation::resolve, "unusable URL");
    env.loop->post([t = std::move(t), done = std::move(done)]() mutable { done(std::move(t)); });
    return;
  }
  const std::string name = address.empty() ? t.host : address;  // t is moved below
  if (auto ip = IpAddress::parse(name)) {
    t.addresses.push_back(ip->to_string());
    env.loop->post([t = std::move(t), done = std::move(done)]() mutable { done(std::move(t)); });
    return;
  }
  if (env.dns == nullptr) {
    t.failure = unknown_failure(Operation::resolve, "no resolver");
    env.loop->post([t = std::move(t), done = std::move(done)]() mutable { done(std::move(t)); });
    return;
  }
  env.dns->resolve(name, timeout, [t = std::move(t), done = std::move(done)](ResolveResult r) mutable {
    nlohmann::json addrs = nlohmann::json::array();
    for (const auto& a : r.addresses) {
      addrs.push_back(a.to_string());
      t.addresses.push_back(a.to_string());
    }
    t.resolved = true;
    t.resolve_us = r.duration_us;
    t.resolve_evidence = {{"addresses", addrs},
                          {"duration_us", r.duration_us},
                          {"failure", r.failure.failed() ? nlohmann::json(r.failure.ooni_string())
                                                         : nlohmann::json()}};
    if (r.failure.failed()) t.failure = r.failure;
    else if (t.addresses.empty()) t.failure = {Failure::dns_no_answer, Operation::resolve, {}};
    done(std::move(t));
  });
}

std::vector<CurlSlistPtr> pin_addresses(CURL* easy, const CurlTarget& target) {
  std::vector<CurlSlistPtr> keep;
  if (target.addresses.empty()) return keep;
  if (IpAddress::parse(target.host)) {
    if (target.addresses.size() == 1 && target.addresses.front() == IpAddress::parse(target.host)->to_string())
      return keep;  // curl connects to a literal without resolving
    keep.push_back(make_slist({"::" + bracketed(target.addresses.front()) + ":"}));
    curl_easy_setopt(easy, CURLOPT_CONNECT_TO, keep.back().get());
    return keep;
  }
  std::string entry = target.host + ":" + std::to_string(target.port) + ":";
  for (std::size_t i = 0; i < target.addresses.size(); ++i)
    entry += (i ? "," : "") + bracketed(target.addresses[i]);
  keep.push_back(make_slist({entry}));
  curl_easy_setopt(easy, CURLOPT_RESOLVE, keep.back().get());
  return keep;
}

std::int32_t curl_time_us(CURL* easy, CURLINFO info) {
  curl_off_t v = 0;
  if (curl_easy_getinfo(easy, info, &v) != CURLE_OK || v <= 0) return -1;
  return v > std::numeric_limits<std::int32_t>::max() ? std::numeric_limits<std::int32_t>::max()
                                                       : static_cast<std::int32_t>(v);
}

std::int32_t phase_us(std::int32_t later, std::int32_t earlier) {
  if (later < 0) return -1;
  return earlier < 0 ? later : later - earlier;
}

void sink_body(CURL* easy, BodySink* sink) {
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, sink);
}

void set_curl_phases(Measurement& m, CURL* easy, std::int32_t resolve_us) {
  const std::int32_t lookup = curl_time_us(easy, CURLINFO_NAMELOOKUP_TIME_T);
  const std::int32_t connect = curl_time_us(easy, CURLINFO_CONNECT_TIME_T);
  const std::int32_t app = curl_time_us(easy, CURLINFO_APPCONNECT_TIME_T);
  const std::int32_t pre = curl_time_us(easy, CURLINFO_PRETRANSFER_TIME_T);
  const std::int32_t start = curl_time_us(easy, CURLINFO_STARTTRANSFER_TIME_T);
  m.phases.resolve_us = resolve_us;
  m.phases.connect_us = phase_us(connect, lookup);
  m.phases.tls_us = phase_us(app, connect);
  m.phases.first_byte_us = phase_us(start, pre);
}

std::string connected_address(CURL* easy) {
  char* ip = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK || ip == nullptr) return {};
  return ip;
}

void set_failure(Measurement& m, const FailureInfo& f) {
  m.ok = false;
  m.failure = f;
  m.method = method_for(f.op);
}

CurlEasyPtr begin_transfer(ProbeEnv& env, const CurlTarget& target, SteadyTime deadline,
                           Measurement& m) {
  if (target.resolved) m.evidence["resolve"] = target.resolve_evidence;
  m.phases.resolve_us = target.resolve_us;
  if (target.failure.failed()) {
    set_failure(m, target.failure);
    return nullptr;
  }
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - env.loop->now());
  if (left.count() <= 0 || env.curl == nullptr) {
    set_failure(m, left.count() <= 0 ? FailureInfo{Failure::generic_timeout_error, Operation::connect, {}}
                                     : unknown_failure(Operation::connect, "no curl engine"));
    return nullptr;
  }
  const std::string ca = env.config != nullptr ? env.config->ca_file : std::string();
  CurlEasyPtr easy = new_measuring_easy({left, ca});
  curl_easy_setopt(easy.get(), CURLOPT_URL, target.url.c_str());
  return easy;
}

}  // namespace netvigil
