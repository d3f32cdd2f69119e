// A raw DNS reply (as c-ares hands it to ares_query's callback) turned into a DnsAnswer.
#pragma once

#include "net/dns_engine.hpp"

namespace netvigil {

/// Fill `a` from the outcome of one ares_query: `status` (ARES_*), the raw reply `abuf`/`alen`
/// (may be null/0 when none arrived) and the last socket error met (`sys_errno`, 0 if none).
/// Sets rcode (from the header when the reply has one, else -1), failure (the c-ares → OONI
/// mapping) and, on ARES_SUCCESS, the addresses and CNAMEs parsed by ares_parse_a_reply or
/// ares_parse_aaaa_reply according to a.qtype ("A", else AAAA). Any byte sequence is safe.
void fill_answer_from_reply(DnsAnswer& a, int status, const unsigned char* abuf, int alen,
                            int sys_errno = 0);

}  // namespace netvigil
