"""Shared parts of the fault tests that count results independently of the daemon: a
loopback workload whose every probe leaves a trace with its own identity in the servers'
access log (logged_servers.py), and the matching of that log against the database rows.

Identities (see workload()): an answer names its probe and the daemon run (round) that
asked. The namespace, PKI, config writers and server start-up come from
tests/e2e/e2e_common.py."""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import e2e_common as e2e  # noqa: E402,F401  (re-exported for the tests)

TestFailure = e2e.TestFailure


class LoggedServers(e2e.Servers):
    """e2e_common.Servers running logged_servers.py instead of servers.py."""

    def __init__(self, workdir, spec):
        super().__init__(workdir, spec, script=f"{HERE}/logged_servers.py")


TCP_SETS = 4  # TCP probes rotate over this many listener sets, one set per round


def workload(pki, n_https=24, n_http=8, n_tcp=4, n_dns=4):
    """(servers spec, function (ports, round) → catalog probes). Every probe succeeds on
    loopback. The round (the daemon run) is part of every answer's identity: HTTP(S) paths
    /p/ID/rN, DNS names ID.rN.dns.test, and round N's TCP probes connect to listener set
    N mod TCP_SETS (a TCP probe sends nothing, so only its listener can tell)."""
    good = pki["good"]
    listeners = [{"name": "web", "mode": "https", "cert": good[0], "key": good[1],
                  "body": "<title>w</title>" + "z" * 1000},
                 {"name": "plain", "mode": "http", "body": "<title>p</title>plain"}]
    for i in range(n_tcp):
        for k in range(TCP_SETS):
            listeners.append({"name": f"tcp{i}s{k}", "mode": "http", "log_accepts": True})
    spec = {"listeners": listeners,
            "dns": {f"fd-dns-{i}.dns.test": {"a": [f"203.0.113.{10 + i}"]} for i in range(n_dns)}}

    def probes(p, rnd):
        out = []
        for i in range(n_https):
            out.append({"id": f"fd-https-{i:02d}", "kind": "http", "group": "international",
                        "url": f"https://good.test:{p['web']}/p/fd-https-{i:02d}/r{rnd}",
                        "address": "127.0.0.1", "source": e2e.SOURCE})
        for i in range(n_http):
            out.append({"id": f"fd-http-{i:02d}", "kind": "http", "group": "domestic",
                        "url": f"http://good.test:{p['plain']}/p/fd-http-{i:02d}/r{rnd}",
                        "address": "127.0.0.1", "source": e2e.SOURCE})
        for i in range(n_tcp):
            out.append({"id": f"fd-tcp-{i}", "kind": "tcp", "group": "domestic",
                        "host": "127.0.0.1", "ports": [p[f"tcp{i}s{rnd % TCP_SETS}"]],
                        "source": e2e.SOURCE})
        for i in range(n_dns):
            out.append({"id": f"fd-dns-{i}", "kind": "dns", "group": "isp",
                        "host": f"fd-dns-{i}.r{rnd}.dns.test", "resolvers": ["lab"],
                        "qtypes": ["A"], "source": e2e.SOURCE})
        return out

    return spec, probes


def server_events(stats):
    """probe id → sorted [(monotonic time a server answered it, tag)], tag ("round", N) for
    HTTP(S) and DNS, ("set", K) for TCP."""
    ev = {}
    for name, l in stats["listeners"].items():
        for r in l["requests"]:
            m = re.fullmatch(r"tcp(\d+)s(\d+)", name)
            if r["path"] == "<connect>" and m:
                slug, tag = f"fd-tcp-{m.group(1)}", ("set", int(m.group(2)))
            else:
                m = re.fullmatch(r"/p/([a-z0-9-]+)/r(\d+)", r["path"])
                if not m:
                    raise TestFailure(f"listener {name}: unexpected request {r['path']!r}")
                slug, tag = m.group(1), ("round", int(m.group(2)))
            ev.setdefault(slug, []).append((r["t"], tag))
    for q in stats["dns_queries"]:
        m = re.fullmatch(r"([a-z0-9-]+)\.r(\d+)\.dns\.test", q["name"])
        if not m or "t" not in q:
            raise TestFailure(f"unexpected DNS query {q}")
        ev.setdefault(m.group(1), []).append((q["t"], ("round", int(m.group(2)))))
    for v in ev.values():
        v.sort()
    return ev


def sqlite(db, sql, timeout=30, readonly=True):
    """One statement through the sqlite3 CLI. Read-only by default, so the check neither
    checkpoints nor removes the WAL the daemon left behind."""
    cmd = ["sqlite3"] + (["-readonly"] if readonly else []) + ["-cmd", ".timeout 5000", db, sql]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise TestFailure(f"sqlite3 {sql!r}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout.strip()


def db_rows(db):
    """probe id → sorted [(start time in unix seconds, ok)] of every stored measurement."""
    out = {}
    text = sqlite(db, "SELECT slug || ' ' || t_ms || ' ' || ok FROM measurement_rows")
    for line in text.splitlines():
        slug, t_ms, ok = line.split()
        out.setdefault(slug, []).append((int(t_ms) / 1000.0, ok == "1"))
    for v in out.values():
        v.sort()
    return out


def match(events, rows, wall_minus_mono, window, eps=0.02):
    """Pairs each server-logged answer with the measurement that caused it: the latest
    unpaired row of that probe that started at most `eps` after the answer and at most
    `window` before it. Returns (missing [(probe, t_mono, tag)], unpaired rows [(probe,
    t_wall, ok)], latencies [s] of the pairs)."""
    missing, unpaired, lat = [], [], []
    for slug in sorted(set(events) | set(rows)):
        ev = events.get(slug, [])
        rs = rows.get(slug, [])
        j = 0
        for t, tag in ev:
            tw = t + wall_minus_mono
            k = j
            while k < len(rs) and rs[k][0] <= tw + eps:
                k += 1
            # rs[j:k] started before this answer; the last of them is its measurement.
            if k > j and tw - rs[k - 1][0] <= window:
                unpaired += [(slug, r[0], r[1]) for r in rs[j:k - 1]]
                lat.append(tw - rs[k - 1][0])
                j = k
            else:
                unpaired += [(slug, r[0], r[1]) for r in rs[j:k]]
                j = k
                missing.append((slug, t, tag))
        unpaired += [(slug, r[0], r[1]) for r in rs[j:]]
    return missing, unpaired, lat


def wall_minus_mono():
    """time.time() − time.monotonic(), read tightly (the best of five)."""
    best = None
    for _ in range(5):
        a = time.monotonic()
        w = time.time()
        b = time.monotonic()
        if best is None or b - a < best[0]:
            best = (b - a, w - (a + b) / 2)
    return best[1]


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]
