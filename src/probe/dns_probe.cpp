// The dns probe: fan out queries on the DnsEngine, then classify answers and judge the run.
#include "probe/dns_probe.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "loop/event_loop.hpp"
#include "net/dns_engine.hpp"
#include "probe/blocking_knowledge.hpp"

namespace netvigil {
namespace {

using Us = std::chrono::microseconds;

// A hostile resolver can answer with thousands of addresses (a 64 KiB TCP reply): every one
// is judged, but evidence keeps this many per list and counts the rest, so a record stays small.
constexpr std::size_t kEvidenceAddresses = 32;

void push_capped(nlohmann::json& list, std::string value, nlohmann::json& counts,
                 const std::string& name) {
  if (list.size() < kEvidenceAddresses) {
    list.push_back(std::move(value));
  } else {
    if (!counts.is_object()) counts = nlohmann::json::object();
    counts[name] = counts.value(name, 0) + 1;
  }
}

enum class Tampering { none, unexpected, nxdomain, bogon, blockpage };

const char* tampering_name(Tampering t) {
  switch (t) {
    case Tampering::blockpage:
      return "blockpage";
    case Tampering::bogon:
      return "bogon";
    case Tampering::nxdomain:
      return "nxdomain";
    case Tampering::unexpected:
      return "unexpected";
    case Tampering::none:
      break;
  }
  return "";
}

// Ranks for picking the run's failure: block page and bogon first (dns_bogon_error).
int rank(Tampering t) {
  switch (t) {
    case Tampering::blockpage:
      return 4;
    case Tampering::bogon:
      return 3;
    case Tampering::unexpected:
      return 2;
    case Tampering::nxdomain:
      return 1;
    case Tampering::none:
      break;
  }
  return 0;
}

struct Run {
  ProbeEnv* env = nullptr;
  ProbeSpec spec;
  ProbeDone done;
  Measurement m;
  SteadyTime started;
  std::vector<DnsAnswer> answers;
  std::size_t left = 0;
};

Tampering classify(const DnsAnswer& a, const BlockingKnowledge* k, const PrefixList* expected,
                   nlohmann::json& flagged) {
  Tampering worst = Tampering::none;
  for (const auto& ip : a.addresses) {
    Tampering t = Tampering::none;
    if (k != nullptr && k->is_blockpage(ip)) {
      t = Tampering::blockpage;
    } else if (k != nullptr && k->is_bogon(ip)) {
      t = Tampering::bogon;
    } else if (expected != nullptr &&
               std::none_of(expected->prefixes.begin(), expected->prefixes.end(),
                            [&](const Prefix& p) { return p.contains(ip); })) {
      t = Tampering::unexpected;
    }
    if (t == Tampering::none) continue;
    auto& list = flagged[tampering_name(t)];
    if (list.is_null()) list = nlohmann::json::array();
    push_capped(list, ip.to_string(), flagged["_omitted"], tampering_name(t));
    if (rank(t) > rank(worst)) worst = t;
  }
  return worst;
}

bool share_an_address(const DnsAnswer& x, const DnsAnswer& y) {
  return std::any_of(x.addresses.begin(), x.addresses.end(), [&](const IpAddress& a) {
    return std::find(y.addresses.begin(), y.addresses.end(), a) != y.addresses.end();
  });
}

void finish(const std::shared_ptr<Run>& run) {
  judge_dns_answers(run->spec, run->env->knowledge, run->answers, run->m);
  const auto us = std::chrono::duration_cast<Us>(run->env->loop->now() - run->started).count();
  run->m.phases.total_us = static_cast<std::int32_t>(std::min<long long>(us, INT32_MAX));
  auto done = std::move(run->done);
  done(std::move(run->m));
}

}  // namespace

void judge_dns_answers(const ProbeSpec& spec, const BlockingKnowledge* k,
                       const std::vector<DnsAnswer>& answers, Measurement& m) {
  const PrefixList* expected = nullptr;
  nlohmann::json ev = nlohmann::json::object();
  ev["host"] = spec.host;
  if (!spec.expect_prefixes.empty()) {
    ev["expect_prefixes"] = spec.expect_prefixes;
    expected = k != nullptr ? k->prefix_list(spec.expect_prefixes) : nullptr;
    if (expected == nullptr) ev["expect_prefixes_missing"] = true;
  }

  nlohmann::json flagged = nlohmann::json::object();
  std::vector<Tampering> tamper(answers.size(), Tampering::none);
  bool any_clean = false;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    if (a.failure.failed()) continue;
    tamper[i] = classify(a, k, expected, flagged);
    if (tamper[i] == Tampering::none && !a.addresses.empty()) any_clean = true;
  }
  // NXDOMAIN is about the name, not the qtype: any clean answer elsewhere contradicts it.
  if (any_clean) {
    for (std::size_t i = 0; i < answers.size(); ++i)
      if (answers[i].failure.code == Failure::dns_nxdomain_error)
        tamper[i] = Tampering::nxdomain;
  }

  Tampering worst = Tampering::none;
  nlohmann::json queries = nlohmann::json::array();
  std::int32_t slowest = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    nlohmann::json q{{"resolver", a.resolver},   {"resolver_address", a.resolver_address},
                     {"transport", a.transport}, {"query_type", a.qtype},
                     {"rcode", a.rcode},         {"duration_us", a.duration_us}};
    q["answers"] = nlohmann::json::array();
    nlohmann::json omitted = nlohmann::json::object();
    for (const auto& ip : a.addresses) push_capped(q["answers"], ip.to_string(), omitted, "answers");
    q["cnames"] = nlohmann::json::array();
    for (const auto& c : a.cnames) push_capped(q["cnames"], c, omitted, "cnames");
    if (!omitted.empty()) q["omitted"] = std::move(omitted);
    q["failure"] = a.failure.failed() ? nlohmann::json(a.failure.ooni_string()) : nlohmann::json();
    q["tampering"] = tamper[i] == Tampering::none ? nlohmann::json() : tampering_name(tamper[i]);
    queries.push_back(std::move(q));
    slowest = std::max(slowest, a.duration_us);
    if (rank(tamper[i]) > rank(worst)) worst = tamper[i];
  }
  ev["queries"] = std::move(queries);
  for (auto& [name, list] : flagged.items())
    if (name != "_omitted") ev[name] = list;
  if (flagged.contains("_omitted") && !flagged["_omitted"].empty())
    ev["omitted"] = flagged["_omitted"];

  bool consistent = true;
  nlohmann::json by_qtype = nlohmann::json::object();
  for (const auto& qtype : spec.qtypes) {
    std::vector<const DnsAnswer*> answered;
    for (const auto& a : answers)
      if (a.qtype == qtype && !a.failure.failed() && !a.addresses.empty()) answered.push_back(&a);
    bool ok = true;
    for (std::size_t i = 0; i < answered.size() && ok; ++i)
      for (std::size_t j = i + 1; j < answered.size() && ok; ++j)
        ok = share_an_address(*answered[i], *answered[j]);
    by_qtype[qtype] = ok ? "consistent" : "inconsistent";
    consistent = consistent && ok;
  }
  if (std::find(tamper.begin(), tamper.end(), Tampering::nxdomain) != tamper.end())
    consistent = false;
  ev["consistency"] = consistent ? "consistent" : "inconsistent";
  ev["consistency_by_qtype"] = std::move(by_qtype);
  if (worst != Tampering::none) ev["tampering"] = tampering_name(worst);

  m.ok = any_clean && worst == Tampering::none;
  if (!m.ok) {
    switch (worst) {
      case Tampering::blockpage:
      case Tampering::bogon:
        m.failure = {Failure::dns_bogon_error, Operation::resolve, {}};
        break;
      case Tampering::unexpected:
        m.failure = unknown_failure(Operation::resolve, "dns_unexpected_answer");
        break;
      case Tampering::nxdomain:
        m.failure = {Failure::dns_nxdomain_error, Operation::resolve, {}};
        break;
      case Tampering::none: {
        m.failure = {Failure::dns_no_answer, Operation::resolve, {}};
        for (const auto& a : answers) {
          if (a.failure.failed() && a.failure.code != Failure::dns_no_answer) {
            m.failure = a.failure;
            break;
          }
        }
        if (answers.empty())
          m.failure = unknown_failure(Operation::resolve, "no resolver to ask");
        break;
      }
    }
    m.method = Method::dns;
  }
  m.phases.resolve_us = answers.empty() ? -1 : slowest;
  m.evidence = std::move(ev);
}

void run_dns_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                   ProbeDone done) {
  auto run = std::make_shared<Run>();
  run->env = &env;
  run->spec = spec;
  run->done = std::move(done);
  static const SystemClock kSystemClock;
  run->m = start_measurement(spec, env.clock != nullptr ? *env.clock : kSystemClock);
  run->started = env.loop->now();

  struct Ask {
    std::string resolver, transport, qtype;
  };
  std::vector<Ask> asks;
  if (env.dns != nullptr) {
    const auto resolvers = spec.resolvers.empty() ? env.dns->resolver_names() : spec.resolvers;
    for (const auto& r : resolvers) {
      auto transports = env.dns->transports(r);
      if (transports.empty()) transports = {"udp"};  // unknown name: the engine reports it
      for (const auto& t : transports)
        for (const auto& q : spec.qtypes) asks.push_back({r, t, q});
    }
  }
  if (asks.empty()) {
    env.loop->post([run] { finish(run); });
    return;
  }
  run->answers.resize(asks.size());
  run->left = asks.size();
  for (std::size_t i = 0; i < asks.size(); ++i) {
    env.dns->query(asks[i].resolver, asks[i].transport, spec.host, asks[i].qtype, timeout,
                   [run, i](DnsAnswer a) {
                     run->answers[i] = std::move(a);
                     if (--run->left == 0) finish(run);
                   });
  }
}

}  // namespace netvigil
