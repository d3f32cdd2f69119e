#!/usr/bin/env python3
"""e2e: `netvigil run --once` against loopback servers gives the right verdict, OONI failure
string, failed operation and method for each case (issue 2, "what it must show" 2).

  run_once_test.py --netvigil BIN

Runs in its own network namespace (only lo). The servers (servers.py) give: an HTTPS
server trusted through ca_file, a listener that never answers, a closed port, resets on
accept and after the request, wrong-host and unknown-CA certificates, a block page, a big
body, and a UDP DNS responder with a clean answer, NXDOMAIN, a bogon and a block-page
address. One sweep as JSON lines and one as the table must both say, per probe, what the
EXPECT table says; any missing, extra or different result fails the test.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common as e2e  # noqa: E402

BIG_BODY = "<title>big page</title>" + "x" * 200_000
BODY_CAP = 1000


def spec(pki):
    good, wrong, stranger = pki["good"], pki["wrong"], pki["stranger"]
    return {
        "listeners": [
            {"name": "ok", "mode": "https", "cert": good[0], "key": good[1],
             "body": "<html><title>hello e2e</title>fine</html>"},
            {"name": "wrong_host", "mode": "https", "cert": wrong[0], "key": wrong[1]},
            {"name": "unknown_ca", "mode": "https", "cert": stranger[0], "key": stranger[1]},
            {"name": "blackhole", "mode": "blackhole"},
            {"name": "closed", "mode": "closed"},
            {"name": "reset_hello", "mode": "reset_after_read"},
            {"name": "reset_request", "mode": "reset_after_request"},
            {"name": "blockpage", "mode": "http", "status": 403,
             "body": "<html><body>This site is blocked by order of the e2e authority.</body></html>"},
            {"name": "big", "mode": "https", "cert": good[0], "key": good[1], "body": BIG_BODY},
            {"name": "ok6", "mode": "https", "host": "::1", "cert": good[0], "key": good[1]},
        ],
        "dns": {"ok.test": {"a": ["192.0.2.10"]}, "bogon.test": {"a": ["127.0.0.2"]},
                "blockpage.test": {"a": ["198.51.100.35"]}, "nx.test": {"rcode": 3}},
    }


def probes(p):
    """The catalog's probes, pointing at the ports the servers got."""
    def http(id_, port, scheme="https", path="/", **kw):
        d = {"id": id_, "kind": "http", "group": "international",
             "url": f"{scheme}://good.test:{port}{path}", "address": "127.0.0.1", "source": e2e.SOURCE}
        d.update(kw)
        return d

    def tls(id_, port, **kw):
        d = {"id": id_, "kind": "tls", "group": "international", "host": "good.test",
             "address": "127.0.0.1", "ports": [port], "source": e2e.SOURCE}
        d.update(kw)
        return d

    def tcp(id_, port, host="127.0.0.1", **kw):
        d = {"id": id_, "kind": "tcp", "group": "domestic", "host": host, "ports": [port],
             "source": e2e.SOURCE}
        d.update(kw)
        return d

    def dns(id_, host):
        return {"id": id_, "kind": "dns", "group": "isp", "host": host, "resolvers": ["lab"],
                "qtypes": ["A"], "source": e2e.SOURCE}

    return [
        http("e2e-https-ok", p["ok"]),
        http("e2e-https-ok-v6", p["ok6"], address="::1"),
        tls("e2e-tls-ok", p["ok"]),
        tcp("e2e-tcp-ok", p["ok"]),
        dns("e2e-dns-ok", "ok.test"),
        tcp("e2e-tcp-refused", p["closed"]),
        http("e2e-http-refused", p["closed"], scheme="http"),
        tls("e2e-tls-reset", p["reset_hello"]),
        http("e2e-https-reset", p["reset_hello"]),
        http("e2e-http-reset", p["reset_request"], scheme="http"),
        http("e2e-http-timeout", p["blackhole"], scheme="http", timeout="2s"),
        tls("e2e-tls-timeout", p["blackhole"], timeout="2s"),
        dns("e2e-dns-nxdomain", "nx.test"),
        dns("e2e-dns-bogon", "bogon.test"),
        dns("e2e-dns-blockpage-address", "blockpage.test"),
        tls("e2e-tls-wrong-host", p["wrong_host"]),
        http("e2e-https-wrong-host", p["wrong_host"]),
        tls("e2e-tls-unknown-ca", p["unknown_ca"]),
        http("e2e-https-unknown-ca", p["unknown_ca"]),
        http("e2e-http-blockpage", p["blockpage"], scheme="http", ignore_status=True),
        http("e2e-https-body-cap", p["big"], body_cap=BODY_CAP),
    ]


def service(p):
    def ep(id_, port):
        return {"id": id_, "kind": "tcp", "host": "127.0.0.1", "ports": [port]}
    return {"id": "e2e-messenger", "name": "E2E Messenger", "group": "international",
            "reviewed": "2026-11-26", "source": e2e.SOURCE,
            "checks": [
                {"name": "any", "rule": "any_success",
                 "endpoints": [ep("e2e-svc-any-up", p["ok"]), ep("e2e-svc-any-down", p["closed"])]},
                {"name": "all", "rule": "all_success",
                 "endpoints": [ep("e2e-svc-all-up", p["ok"]), ep("e2e-svc-all-down", p["closed"])]},
            ]}


OK = (True, "", "", "")
# probe id → (ok, failure, operation, method)
EXPECT = {
    "e2e-https-ok": OK,
    "e2e-https-ok-v6": OK,
    "e2e-tls-ok": OK,
    "e2e-tcp-ok": OK,
    "e2e-dns-ok": OK,
    "e2e-tcp-refused": (False, "connection_refused", "connect", "tcp_ip"),
    "e2e-http-refused": (False, "connection_refused", "connect", "tcp_ip"),
    "e2e-tls-reset": (False, "connection_reset", "tls_handshake", "tls"),
    "e2e-https-reset": (False, "connection_reset", "tls_handshake", "tls"),
    "e2e-http-reset": (False, "connection_reset", "http_round_trip", "http_failure"),
    "e2e-http-timeout": (False, "generic_timeout_error", "http_round_trip", "http_failure"),
    "e2e-tls-timeout": (False, "generic_timeout_error", "tls_handshake", "tls"),
    "e2e-dns-nxdomain": (False, "dns_nxdomain_error", "resolve", "dns"),
    "e2e-dns-bogon": (False, "dns_bogon_error", "resolve", "dns"),
    "e2e-dns-blockpage-address": (False, "dns_bogon_error", "resolve", "dns"),
    "e2e-tls-wrong-host": (False, "ssl_invalid_hostname", "tls_handshake", "tls"),
    "e2e-https-wrong-host": (False, "ssl_invalid_hostname", "tls_handshake", "tls"),
    "e2e-tls-unknown-ca": (False, "ssl_unknown_authority", "tls_handshake", "tls"),
    "e2e-https-unknown-ca": (False, "ssl_unknown_authority", "tls_handshake", "tls"),
    "e2e-http-blockpage": (False, "unknown_failure: http_blockpage: e2e-bp-body",
                           "http_round_trip", "http_blockpage"),
    "e2e-https-body-cap": OK,
    "e2e-svc-any-up": OK,
    "e2e-svc-any-down": (False, "connection_refused", "connect", "tcp_ip"),
    "e2e-svc-all-up": OK,
    "e2e-svc-all-down": (False, "connection_refused", "connect", "tcp_ip"),
}
# the service's checks: name → (ok, method)
EXPECT_SERVICE = {"any": (True, ""), "all": (False, "tcp_ip")}


class Checker:
    def __init__(self):
        self.failures = []

    def check(self, cond, text):
        if not cond:
            self.failures.append(text)
            print(f"  FAIL {text}")
        return cond


def check_json(results, c, elapsed):
    by_probe = {}
    services = []
    for r in results:
        if r.get("kind") == "service":
            services.append(r)
            continue
        c.check(r["probe"] not in by_probe, f"{r['probe']}: more than one result")
        by_probe[r["probe"]] = r
    c.check(set(by_probe) == set(EXPECT),
            f"probes in the output {sorted(by_probe)} != expected {sorted(EXPECT)}")
    for pid, (ok, failure, op, method) in EXPECT.items():
        r = by_probe.get(pid)
        if not c.check(r is not None, f"{pid}: no result"):
            continue
        got = (r["ok"], r["failure"], r["operation"], r["method"])
        c.check(got == (ok, failure, op, method), f"{pid}: got {got}, expected {(ok, failure, op, method)}"
                f" evidence={r.get('evidence')}")
        print(f"  {pid:28} ok={r['ok']!s:5} failure={r['failure'] or '-':45} "
              f"op={r['operation'] or '-':15} method={r['method'] or '-':14} {r['total_ms']} ms")
    # Details beyond the verdict.
    ok = by_probe.get("e2e-https-ok")
    if ok:
        c.check(ok["status"] == 200, f"e2e-https-ok: status {ok['status']}")
        c.check(ok["evidence"].get("title") == "hello e2e", f"e2e-https-ok: title {ok['evidence'].get('title')}")
        c.check(ok["total_ms"] > 0, "e2e-https-ok: total_ms not positive")
    cap = by_probe.get("e2e-https-body-cap")
    if cap:
        ev = cap["evidence"]
        c.check(ev.get("body_truncated") is True, f"body cap: body_truncated {ev.get('body_truncated')}")
        c.check(ev.get("body_kept") == BODY_CAP, f"body cap: body_kept {ev.get('body_kept')}")
        want = hashlib.sha256(BIG_BODY[:BODY_CAP].encode()).hexdigest()
        c.check(ev.get("body_sha256") == want, f"body cap: sha256 {ev.get('body_sha256')} != {want}")
        c.check(ev.get("title") == "big page", f"body cap: title {ev.get('title')}")
    bp = by_probe.get("e2e-http-blockpage")
    if bp:
        c.check(bp["status"] == 403, f"blockpage: status {bp['status']}")
        c.check(bp["evidence"].get("fingerprint") == "e2e-bp-body",
                f"blockpage: fingerprint {bp['evidence'].get('fingerprint')}")
    for pid in ("e2e-http-timeout", "e2e-tls-timeout"):
        r = by_probe.get(pid)
        if r and r["total_ms"] >= 0:
            c.check(1500 <= r["total_ms"] <= 4000, f"{pid}: total_ms {r['total_ms']} not near its 2 s timeout")
    c.check(elapsed < 30, f"the sweep took {elapsed:.1f} s (> 30 s)")
    # The service verdict: one result for the service, the verdict of each check inside.
    c.check(len(services) == 1, f"{len(services)} service verdicts, expected 1")
    for s in services:
        c.check((s["probe"], s["service"]) == ("e2e-messenger", "e2e-messenger"),
                f"service verdict names {s['probe']!r}/{s['service']!r}")
        # any_success holds, all_success fails by its refused endpoint: the service fails, tcp_ip.
        c.check((s["ok"], s["failure"], s["operation"], s["method"]) ==
                (False, "connection_refused", "connect", "tcp_ip"), f"service verdict: {s}")
        checks = {x.get("name"): x for x in s["evidence"].get("checks", [])}
        c.check(set(checks) == set(EXPECT_SERVICE), f"service checks in evidence: {sorted(checks)}")
        for name, (ok_, _method) in EXPECT_SERVICE.items():
            x = checks.get(name, {})
            c.check(x.get("ok") == ok_, f"service check {name}: ok={x.get('ok')}, expected {ok_}")
            c.check(x.get("failed") == [f"e2e-svc-{name}-down"], f"service check {name}: failed={x.get('failed')}")
            print(f"  service e2e-messenger check {name:3}: ok={x.get('ok')} failed={x.get('failed')}")
        print(f"  service e2e-messenger: ok={s['ok']} failure={s['failure']} method={s['method']}")
    return by_probe


def check_table(text, c):
    lines = text.splitlines()
    c.check(lines and lines[0].split()[:2] == ["probe", "kind"], f"table header: {lines[:1]}")
    rows = {}
    for line in lines[1:]:
        first = line.split(" ", 1)[0]
        if first in EXPECT:
            c.check(first not in rows, f"table: {first} printed twice")
            rows[first] = line
    for pid, (ok, failure, op, method) in EXPECT.items():
        line = rows.get(pid)
        if not c.check(line is not None, f"table: no row for {pid}"):
            continue
        if ok:
            c.check("✓ ok" in line and "✗" not in line, f"table: {pid} not ok: {line}")
        else:
            c.check(f"✗ failed ({method})" in line, f"table: {pid} lacks '✗ failed ({method})': {line}")
            c.check(f"  {failure}  " in line, f"table: {pid} lacks failure {failure!r}: {line}")
            c.check(f"  {op}  " in line, f"table: {pid} lacks operation {op!r}: {line}")
    srow = next((l for l in lines[1:] if l.split(" ", 1)[0] == "e2e-messenger"), "")
    c.check("service" in srow and "✗ failed (tcp_ip)" in srow and "  connection_refused  " in srow,
            f"table: service row {srow!r}")
    summary = lines[-1] if lines else ""
    n_fail = sum(1 for v in EXPECT.values() if not v[0])
    c.check(summary.startswith(f"{len(EXPECT) + 1} results"),
            f"table summary: {summary!r}")
    print(f"  table: {len(rows)} probe rows checked; summary: {summary}")
    return n_fail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvigil", required=True)
    args = ap.parse_args()
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: no netvigil binary at {args.netvigil}")
        return 1
    e2e.enter_private_netns()
    e2e.setup_loopback()
    work = e2e.new_workdir("nv-e2e-once-")
    servers = None
    c = Checker()
    try:
        pki = e2e.make_pki(work)
        shutil.copy(f"{work}/ca.pem", f"{work}/ca-bundle.pem")
        servers = e2e.Servers(work, spec(pki))
        p = servers.ports
        cat_path = f"{work}/catalog.yaml"
        e2e.write_yaml(cat_path, e2e.catalog(
            probes(p), services=[service(p)],
            fingerprints=[{"id": "e2e-bp-body", "where": "body", "type": "regexp",
                           "pattern": "blocked( by)? order", "country": "IR", "scope": "isp",
                           "source": e2e.SOURCE}]))
        cfg_path = f"{work}/netvigil.yaml"
        e2e.write_yaml(cfg_path, e2e.base_config(work, cat_path, dns_port=p["dns"]))
        e2e.check_config(args.netvigil, cfg_path)

        print("run --once --json:")
        t0 = time.monotonic()
        r = subprocess.run([args.netvigil, "run", "--once", "--json", "-c", cfg_path],
                           capture_output=True, text=True, timeout=90)
        elapsed = time.monotonic() - t0
        c.check(r.returncode == 0, f"run --once --json exit {r.returncode}: {r.stderr}")
        c.check("did not finish" not in r.stderr, f"run --once: {r.stderr.strip()}")
        check_json(e2e.parse_json_lines(r.stdout), c, elapsed)
        print(f"  sweep: {elapsed:.2f} s")

        print("run --once (table):")
        r = subprocess.run([args.netvigil, "run", "--once", "-c", cfg_path],
                           capture_output=True, text=True, timeout=90, env=dict(os.environ, NO_COLOR="1"))
        c.check(r.returncode == 0, f"run --once exit {r.returncode}: {r.stderr}")
        c.check("\033[" not in r.stdout, "table to a pipe has colour codes")
        print(r.stdout)
        check_table(r.stdout, c)

        stats = servers.stop()
        L = stats["listeners"]
        # Each probe that reached a server used one connection: json + table sweeps = 2 each.
        c.check(L["ok"]["accepted"] == 2 * 5, f"ok server: {L['ok']['accepted']} connections, expected 10 "
                "(https, tls, tcp, 2 service endpoints; two sweeps)")
        c.check(L["ok"]["open_now"] == 0, f"ok server: {L['ok']['open_now']} connections left open")
        c.check(L["blackhole"]["accepted"] == 2 * 2, f"blackhole: {L['blackhole']['accepted']} connections")
        c.check(len(L["ok"]["requests"]) == 2, f"ok server: {len(L['ok']['requests'])} requests, expected 2")
        # A rejected certificate: connected, but no request was ever sent over it.
        for name in ("wrong_host", "unknown_ca"):
            c.check(L[name]["accepted"] == 4 and not L[name]["requests"],
                    f"{name}: {L[name]['accepted']} connections, {len(L[name]['requests'])} requests")
        c.check(L["unknown_ca"]["tls_failures"] == 4,
                f"unknown-CA: {L['unknown_ca']['tls_failures']} handshakes refused by the client")
        c.check(set(L["ok"]["sni"]) == {"good.test"}, f"SNI seen: {L['ok']['sni']}")
        asked = {q["name"] for q in stats["dns_queries"]}
        c.check({"ok.test", "nx.test", "bogon.test", "blockpage.test"} <= asked, f"DNS names asked: {asked}")
    except e2e.TestFailure as e:
        c.check(False, str(e))
    except subprocess.TimeoutExpired as e:
        c.check(False, f"timed out: {e.cmd}")
    finally:
        if servers:
            servers.kill()
    if c.failures:
        print(f"FAILED: {len(c.failures)} check(s); files kept in {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print(f"PASS: {len(EXPECT)} probes and 1 service ({len(EXPECT_SERVICE)} checks) as expected, JSON and table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
