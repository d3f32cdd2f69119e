// HTTP(S) probe over curl: phases, capped body, hash, title, fingerprints.
#include "probe/http_probe.hpp"

#include <openssl/evp.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

#include "core/scrub.hpp"
#include "loop/event_loop.hpp"
#include "net/curl_engine.hpp"
#include "net/curl_failure.hpp"
#include "probe/blocking_knowledge.hpp"
#include "probe/curl_target.hpp"
#include "probe/fingerprint.hpp"
#include "probe/tls_observer.hpp"

namespace netvigil {
namespace {

constexpr std::size_t kMaxHeaders = 100;
constexpr std::size_t kMaxHeaderValue = 1024;
constexpr std::size_t kMaxTitle = 256;
constexpr const char* kUserAgent =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36";
constexpr const char* kHeadersOfInterest[] = {"server", "location", "content-type",
                                              "content-length", "via"};

struct HttpRun {
  ProbeEnv* env = nullptr;
  ProbeDone done;
  Measurement m;
  SteadyTime started;
  SteadyTime deadline;
  std::string method;
  std::string post_body;
  bool ignore_status = false;
  BodySink body;
  std::vector<HttpHeader> headers;
  TlsSeen seen;
  CurlTarget target;
};

std::string trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return std::string(s);
}

size_t on_header(char* data, size_t size, size_t n, void* userp) noexcept {
  auto* run = static_cast<HttpRun*>(userp);
  const size_t total = size * n;
  try {
    const std::string_view line(data, total);
    if (line.rfind("HTTP/", 0) == 0) {
      run->headers.clear();  // a new response (after 1xx): keep the final one's headers
    } else if (auto colon = line.find(':');
               colon != std::string_view::npos && run->headers.size() < kMaxHeaders) {
      std::string value = trim(line.substr(colon + 1));
      if (value.size() > kMaxHeaderValue) value.resize(kMaxHeaderValue);
      run->headers.emplace_back(trim(line.substr(0, colon)), std::move(value));
    }
  } catch (...) {
    return 0;
  }
  return total;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

std::size_t find_nocase(std::string_view hay, std::string_view needle, std::size_t from) {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i)
    if (strncasecmp(hay.data() + i, needle.data(), needle.size()) == 0) return i;
  return std::string_view::npos;
}

void finish(const std::shared_ptr<HttpRun>& run) {
  run->m.phases.total_us = static_cast<std::int32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(run->env->loop->now() - run->started)
          .count());
  run->done(std::move(run->m));
}

/// A resolved address that is a known block page: the fingerprint id, "blockpage_address", or "".
std::string dns_blockpage(const HttpRun& run) {
  const BlockingKnowledge* k = run.env->knowledge;
  if (k == nullptr || !run.target.resolved) return {};
  for (const auto& text : run.target.addresses) {
    if (const Fingerprint* fp = match_dns(k->fingerprints(), text)) return fp->id;
    if (auto ip = IpAddress::parse(text); ip && k->is_blockpage(*ip)) return "blockpage_address";
  }
  return {};
}

void record_response(HttpRun& run, CURL* e, CURLcode code, std::string_view text) {
  Measurement& m = run.m;
  const bool https = run.target.scheme == "https";
  set_curl_phases(m, e, run.target.resolve_us);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  m.http_status = static_cast<std::int32_t>(status);
  m.bytes = run.body.received;
  if (const std::string a = connected_address(e); !a.empty()) m.evidence["address"] = a;
  m.evidence["status"] = status;
  if (https) m.evidence.update(run.seen.evidence());
  if (status > 0) {
    // Hashed with addresses scrubbed: the hash of a page that echoes our own address would
    // give the address away to anyone who hashes the page's template over all 2^32 IPv4s.
    m.evidence["body_sha256"] = sha256_hex(scrub_addresses(run.body.kept));
    m.evidence["body_kept"] = run.body.kept.size();
    m.evidence["body_truncated"] = run.body.stopped;
    // Title and headers are text the server chose: a page may echo our own address into
    // them, so every address is scrubbed before it can reach the record (privacy promise).
    m.evidence["title"] = scrub_addresses(html_title(run.body.kept));
    nlohmann::json h = nlohmann::json::object();
    for (const auto& [name, value] : run.headers)
      for (const char* want : kHeadersOfInterest)
        if (strcasecmp(name.c_str(), want) == 0) h[want] = scrub_addresses(valid_utf8(value));
    m.evidence["headers"] = h;
  }

  const bool complete = code == CURLE_OK || (code == CURLE_WRITE_ERROR && run.body.stopped);
  const Fingerprint* fp = nullptr;
  if (status > 0 && run.env->knowledge != nullptr) {
    fp = match_body(run.env->knowledge->fingerprints(), run.body.kept);
    if (fp == nullptr) fp = match_headers(run.env->knowledge->fingerprints(), run.headers);
  }
  if (const std::string dns = dns_blockpage(run); !dns.empty()) {
    m.evidence["dns_blockpage"] = dns;
    set_failure(m, {Failure::dns_bogon_error, Operation::resolve, {}});
  } else if (fp != nullptr) {
    m.evidence["fingerprint"] = fp->id;
    set_failure(m, unknown_failure(Operation::http_round_trip, "http_blockpage: " + fp->id));
    m.method = Method::http_blockpage;
  } else if (!complete) {
    CurlOutcome o = curl_outcome(code, e, text, https);
    o.connected = o.connected || run.seen.tcp_connected;
    set_failure(m, failure_from_curl(o));
  } else if (status >= 400 && !run.ignore_status) {
    set_failure(
        m, unknown_failure(Operation::http_round_trip, "http_status: " + std::to_string(status)));
  } else {
    m.ok = true;
  }
}

void fetch(const std::shared_ptr<HttpRun>& run) {
  Measurement& m = run->m;
  const CurlTarget& target = run->target;
  m.evidence["addresses"] = target.addresses;
  CurlEasyPtr easy = begin_transfer(*run->env, target, run->deadline, m);
  if (!easy) return finish(run);
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, run.get());
  sink_body(e, &run->body);
  if (target.scheme == "https") observe_tls(e, &run->seen);
  if (run->method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (run->method != "GET") {
    if (run->method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, run->method.c_str());
    if (run->method == "POST" || !run->post_body.empty()) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(run->post_body.size()));
      curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, run->post_body.c_str());
    }
  }
  auto keep = pin_addresses(e, target);
  run->env->curl->start(std::move(easy), std::move(keep),
                        [run](CURLcode code, CURL* h, std::string_view text) {
                          record_response(*run, h, code, text);
                          finish(run);
                        });
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = byte(i);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
      len = 1;
    else if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const unsigned char cc = byte(i + k);
      ok = k == 1 ? (cc >= lo && cc <= hi) : (cc >= 0x80 && cc <= 0xBF);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string html_title(std::string_view body) {
  const std::size_t open = find_nocase(body, "<title", 0);
  if (open == std::string_view::npos) return {};
  const std::size_t gt = body.find('>', open);
  if (gt == std::string_view::npos) return {};
  std::size_t close = find_nocase(body, "</title", gt + 1);
  if (close == std::string_view::npos) close = body.size();
  std::string collapsed;
  bool blank = false;
  for (char c : body.substr(gt + 1, close - gt - 1)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = !collapsed.empty();
      continue;
    }
    if (blank) collapsed += ' ';
    blank = false;
    collapsed += c;
  }
  std::string title = valid_utf8(collapsed);
  if (title.size() > kMaxTitle) {
    std::size_t cut = kMaxTitle;
    while (cut > 0 && (static_cast<unsigned char>(title[cut]) & 0xC0) == 0x80) --cut;
    title.resize(cut);
  }
  return title;
}

void run_http_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                    ProbeDone done) {
  auto run = std::make_shared<HttpRun>();
  run->env = &env;
  run->done = std::move(done);
  static const SystemClock kSystemClock;
  run->m = start_measurement(spec, env.clock != nullptr ? *env.clock : kSystemClock);
  run->started = env.loop->now();
  run->deadline = run->started + timeout;
  run->method = spec.http_method.empty() ? "GET" : spec.http_method;
  run->post_body = spec.http_body;
  run->ignore_status = spec.ignore_status;
  run->body.keep = spec.body_cap;
  run->body.stop_after = static_cast<std::int64_t>(spec.body_cap);
  run->m.evidence["url"] = spec.url;
  run->m.evidence["method"] = run->method;
  resolve_curl_target(env, spec.url, spec.address, timeout, [run](CurlTarget target) {
    run->target = std::move(target);
    fetch(run);
  });
}

}  // namespace netvigil
