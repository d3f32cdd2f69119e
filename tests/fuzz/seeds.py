#!/usr/bin/env python3
"""Regenerates the hand-built seeds of tests/fuzz/corpus (dns_reply, chain, prefix, fingerprint)
and copies the shipped catalogs and config fixtures into config/ and catalog/. The verify seeds
(a real signed export) are made once by hand, see README.md. Usage: tests/fuzz/seeds.py"""
import hashlib
import os
import shutil
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- DNS replies (RFC 1035 §4.1) ----------------------------------------------------------
def qname(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid=0x1234, rcode=0, qd=1, an=0, ns=0, ar=0, tc=False):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def question(name, qtype):
    return qname(name) + struct.pack(">HH", qtype, 1)


def rr(name_bytes, rtype, rdata, ttl=300):
    return name_bytes + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


A, AAAA, CNAME = 1, 28, 5
PTR_Q = b"\xc0\x0c"  # compression pointer to the question name


def v4(text):
    return bytes(int(x) for x in text.split("."))


def v6(text):
    import ipaddress
    return ipaddress.IPv6Address(text).packed


def reply_a(name, addrs, rcode=0):
    body = question(name, A) + b"".join(rr(PTR_Q, A, v4(a)) for a in addrs)
    return header(rcode=rcode, an=len(addrs)) + body


def reply_aaaa(name, addrs):
    body = question(name, AAAA) + b"".join(rr(PTR_Q, AAAA, v6(a)) for a in addrs)
    return header(an=len(addrs)) + body


def reply_cname(name, target, addrs):
    body = question(name, A) + rr(PTR_Q, CNAME, qname(target))
    # the A records name the CNAME target by a pointer to where it starts in the message
    target_off = 12 + len(question(name, A)) + 12
    body += b"".join(rr(struct.pack(">H", 0xC000 | target_off), A, v4(a)) for a in addrs)
    return header(an=1 + len(addrs)) + body


def frame(replies, expect=False):
    """The fuzz_dns_reply framing: run flags, then per reply flags + u16 length + bytes."""
    out = bytes([(len(replies) - 1) | (4 if expect else 0)])
    for flags, data in replies:
        out += bytes([flags]) + struct.pack(">H", len(data)) + data
    return out


def dns_seeds():
    name = "www.example.com"
    ok = reply_a(name, ["192.0.2.10", "192.0.2.11"])
    ok6 = reply_aaaa(name, ["2001:db8::10"])
    put("dns_reply", "clean-a-aaaa", frame([(0x00, ok), (0x01, ok6)], expect=True))
    put("dns_reply", "cname-chain", frame([(0x00, reply_cname(name, "edge.example.net", ["192.0.2.20"]))]))
    # Iran's block page address (iran.yaml) from one resolver, a clean answer from the other.
    put("dns_reply", "blockpage-10.10.34.34",
        frame([(0x00, reply_a(name, ["10.10.34.34"])), (0x04, ok)]))
    put("dns_reply", "bogon-127", frame([(0x00, reply_a(name, ["127.0.0.1"]))]))
    put("dns_reply", "bogon-v4-mapped-aaaa", frame([(0x01, reply_aaaa(name, ["::ffff:10.10.34.35"]))]))
    put("dns_reply", "unexpected-prefix", frame([(0x00, reply_a(name, ["93.184.216.34"]))], expect=True))
    nx = header(rcode=3) + question(name, A)
    put("dns_reply", "nxdomain-at-one", frame([(0x50, nx), (0x04, ok), (0x01, ok6)]))
    put("dns_reply", "servfail", frame([(0x60, header(rcode=2) + question(name, A))]))
    put("dns_reply", "no-answer", frame([(0x40, header() + question(name, A))]))
    put("dns_reply", "truncated-tc", frame([(0x00, header(an=1, tc=True) + question(name, A))]))
    put("dns_reply", "cut-mid-record", frame([(0x00, ok[:-3])]))
    loop = header(an=1) + question(name, A) + b"\xc0\x1d" + struct.pack(">HHIH", A, 1, 300, 4) + v4("192.0.2.1")
    put("dns_reply", "pointer-loop", frame([(0x00, loop)]))
    put("dns_reply", "wrong-rdlength", frame([(0x00, header(an=1) + question(name, A) + PTR_Q + struct.pack(">HHIH", A, 1, 300, 16) + v4("192.0.2.1"))]))
    put("dns_reply", "timeout-no-reply", frame([(0x80, b"")]))
    put("dns_reply", "refused-errno", frame([(0x90, b"")]))
    many = reply_a(name, ["192.0.2.%d" % i for i in range(1, 80)])  # more than the 64 ttls
    put("dns_reply", "many-addresses", frame([(0x00, many)]))


# ---- rollup chain (fuzz_chain's framing) ---------------------------------------------------
def chain_seed(flags, steps, scopes=(b"global", b"group:international", b"service:telegram")):
    out = bytes([flags, len(scopes)])
    for s in scopes:
        out += bytes([len(s)]) + s
    out += bytes([len(steps)])
    for step_start, rows in steps:
        out += bytes([0x00]) + struct.pack(">qI", step_start, 60) + bytes([0])  # empty hash
        out += bytes([len(rows)])
        for scope, attempts, successes in rows:
            out += bytes([scope]) + struct.pack(">II", attempts, successes)
            out += bytes([0x06])  # opt: throughput and rtt present, 1-byte failures
            if flags & 1:
                out += bytes([0, 1, 2, 0, 0, attempts - successes])
            else:
                out += bytes([0])
            out += struct.pack(">qI", 1_000_000, 25_000)
    return out


def chain_seeds():
    steps = [(1_780_000_000 + 60 * i, [(1, 10, 9), (2, 5, 5), (3, 3, 1)]) for i in range(4)]
    put("chain", "daemon-4-steps", chain_seed(0x01, steps))
    put("chain", "daemon-4-steps-corrupt", chain_seed(0x03, steps) + bytes([2, 7]))
    put("chain", "raw-4-steps", chain_seed(0x00, steps))
    put("chain", "empty", bytes([0x01, 0, 0]))


# ---- prefixes, fingerprints ----------------------------------------------------------------
def prefix_seeds():
    for i, t in enumerate(["10.0.0.0/8", "2001:db8::/32", "::ffff:10.10.34.34", "198.51.100.35",
                           "fe80::1%eth0", "0.0.0.0/0", "::/0", "1.2.3.4/33", "192.0.2.0/24x",
                           "::ffff:192.0.2.1/128", "2001:db8:bad::/48"]):
        put("prefix", "p%02d" % i, t)


def fingerprint_seeds():
    body = ('<html><head><title>blocked</title></head><body><iframe src="http://10.10.34.34'
            '?type=Invalid Site&policy=MainPolicy" style="width: 100%; height: 100%"></iframe>'
            '</body></html>')
    put("fingerprint", "iran-iframe-regexp",
        "regexp\nbody\n\n" + '<iframe[^>]+src="?https?://10\\.10\\.34\\.3[4-6]' + "\n" + body)
    put("fingerprint", "peyvandha-contains", "contains\nbody\n\npeyvandha.ir\n<a href=\"https://peyvandha.ir\">")
    put("fingerprint", "location-header-regexp",
        "regexp\nheader\nLocation\n^https?://(10\\.10\\.34\\.3[4-6]|(www\\.)?peyvandha\\.ir)\n"
        "Location: http://10.10.34.36/\nServer: nginx\n")
    put("fingerprint", "server-prefix", "prefix\nheader\nserver\nlab-filter\nServer: lab-filter/1.0\n")
    put("fingerprint", "dns-exact", "exact\ndns\n\n10.10.34.35\n10.10.34.35")
    put("fingerprint", "catastrophic-regexp", "regexp\nbody\n\n(a+)+$\n" + "a" * 3000 + "!")
    put("fingerprint", "bad-regexp", "regexp\nbody\n\n(unclosed\n(unclosed")


def copy_files():
    for src in sorted(os.listdir(os.path.join(TOP, "probes"))):
        if src.endswith(".yaml"):
            shutil.copy(os.path.join(TOP, "probes", src), os.path.join(CORPUS, "catalog", src))
    cats = os.path.join(TOP, "tests", "fixtures", "config", "catalogs")
    for src in sorted(os.listdir(cats)):
        shutil.copy(os.path.join(cats, src), os.path.join(CORPUS, "catalog", "fixture-" + src))
    cfgs = os.path.join(TOP, "tests", "fixtures", "config")
    for src in sorted(os.listdir(cfgs)):
        if src.endswith(".yaml"):
            shutil.copy(os.path.join(cfgs, src), os.path.join(CORPUS, "config", src))


def main():
    for t in ("config", "catalog"):
        os.makedirs(os.path.join(CORPUS, t), exist_ok=True)
    dns_seeds()
    chain_seeds()
    prefix_seeds()
    fingerprint_seeds()
    copy_files()
    for t in sorted(os.listdir(CORPUS)):
        print(t, len(os.listdir(os.path.join(CORPUS, t))), "seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
