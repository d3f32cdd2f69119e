// The dns probe: A/AAAA through every named resolver and transport, answers checked for
// tampering and compared across resolvers.
#pragma once

#include <chrono>
#include <vector>

#include "net/dns_engine.hpp"
#include "probe/probe.hpp"

namespace netvigil {

/// Ask every qtype of `spec.qtypes` for `spec.host` through every resolver of `spec.resolvers`
/// (empty: every configured one) over every transport that resolver has, all at once; `done`
/// runs once on the loop when the last query ended (each ends by `timeout`).
///
/// Each query is recorded in evidence["queries"] (resolver, resolver_address, transport,
/// query_type, rcode, answers, cnames, failure, duration_us, tampering). A query's answer is
/// tampered when one of its addresses is
///   "blockpage": a known block-page address (checked first, so it wins over the ordinary
///                override of the lab's documentation ranges), → failure dns_bogon_error;
///   "bogon":     in the bogon list and not declared ordinary,   → failure dns_bogon_error;
///   "unexpected": outside the catalog prefix list named by spec.expect_prefixes (OONI's
///                "answer not in AS32934"), → failure `unknown_failure: dns_unexpected_answer`
///                (not a bogon, and df-007 has no closer code; the bare label stays bounded);
/// and a query is tampered "nxdomain" when it got NXDOMAIN while another query for the same
/// name got a clean answer (an NXDOMAIN only at one resolver), → failure dns_nxdomain_error.
/// A clean answer is a query with no failure, at least one address and no tampering.
///
///   ok = at least one clean answer AND no tampered query.
///
/// Failing resolvers (timeouts, SERVFAIL) next to a clean answer do not make the run fail, and
/// differing clean answers (CDNs answer per resolver) are recorded, not failed. When not ok,
/// the failure is the tampering's code (blockpage/bogon, then unexpected, then nxdomain), or,
/// with no clean answer at all, the first query failure other than dns_no_answer (else
/// dns_no_answer). method = dns whenever failed.
///
/// evidence["consistency"] is "consistent" when, for each qtype, every two queries that got
/// addresses share at least one, and no query was tampered "nxdomain"; else "inconsistent"
/// (per qtype in evidence["consistency_by_qtype"]). phases.resolve_us = the slowest query,
/// phases.total_us = the whole run.
void run_dns_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                   ProbeDone done);

/// The verdict above over the finished queries of one run: sets m.ok, m.failure, m.method,
/// m.evidence and m.phases.resolve_us (`k` may be null: no tampering knowledge). Pure: what
/// run_dns_probe calls once the last query ended, exposed for the fuzz target.
void judge_dns_answers(const ProbeSpec& spec, const BlockingKnowledge* k,
                       const std::vector<DnsAnswer>& answers, Measurement& m);

}  // namespace netvigil
