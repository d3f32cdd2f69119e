#!/usr/bin/env python3
"""Integration tests of the real netvigil binary in the shutdown lab (ctest label `lab`).

  lab_test.py setup    --runs DIR                 clear the record of lab runs
  lab_test.py GROUP    --runs DIR --netvigil BIN  one lab: up, scenarios, assertions, down
  lab_test.py hygiene  --runs DIR                 no namespace, /etc/netns dir or PID left

Each GROUP brings up its own lab (unique namespace names, state in DIR/GROUP), switches
scenarios, verifies each with `check NAME`, runs `netvigil run --once --json` inside the
vantage, and asserts the failure string and failed operation per probe. The lab always
goes down, also when an assertion fails. A lab that cannot be built is a FAIL, never a skip.
"""
import argparse
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MESSENGER_NET = ipaddress.ip_network("203.0.113.128/25")

GROUPS = {
    "normal-poison-sni": ["normal", "dns-poison", "sni-reset", "http-blockpage"],
    "blackouts": ["intl-blackout", "full-blackout", "messenger-block"],
    "local-throttle-flaky": ["local-outage", "gateway-dead", "normal", "throttle", "flaky"],
}


def conf():
    """scenarios.conf as a dict of lists."""
    out = {}
    with open(os.path.join(HERE, "scenarios.conf"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r'^([A-Z0-9_]+)="(.*)"\s*$', line)
            if m:
                out[m.group(1)] = m.group(2).split()
    return out


def hosts():
    """name or address → (zone, address) from hosts.tsv."""
    table = {}
    with open(os.path.join(HERE, "hosts.tsv"), encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if not p or p[0].startswith("#"):
                continue
            table[p[1]] = (p[0], p[1])
            for n in p[3:]:
                if n != "-":
                    table[n] = (p[0], p[1])
    return table


class Failures:
    def __init__(self):
        self.items = []

    def add(self, text):
        self.items.append(text)
        print(f"  FAIL {text}")


class Probe:
    """What the lab catalog says one probe targets."""

    def __init__(self, spec, service, table):
        self.id = spec["id"]
        self.kind = spec["kind"]
        self.group = spec.get("group") or service.get("group")
        self.service = service.get("id", "")
        self.resolvers = spec.get("resolvers") or ["system", "public"]
        self.scheme = ""
        self.port = None
        host = spec.get("host", "")
        if spec.get("url"):
            u = re.match(r"^(\w+)://(\[[^\]]+\]|[^/:]+)(?::(\d+))?", spec["url"])
            self.scheme, host = u.group(1), u.group(2).strip("[]")
            self.port = int(u.group(3)) if u.group(3) else (443 if self.scheme == "https" else 80)
        self.host = host
        self.sni = spec.get("sni") or host
        if host == "@gateway":
            self.zone, self.addr = "gateway", None
        else:
            target = spec.get("address") or host
            self.zone, self.addr = table.get(target, ("unknown", None))
        self.messenger = self.addr is not None and ipaddress.ip_address(self.addr) in MESSENGER_NET
        self.tls = self.kind == "tls" or self.scheme == "https" or (self.kind == "throughput")


def load_probes(catalog_paths, table):
    probes = {}
    for path in catalog_paths:
        with open(path, encoding="utf-8") as f:
            cat = yaml.safe_load(f)
        for spec in cat.get("probes") or []:
            probes[spec["id"]] = Probe(spec, {}, table)
        for svc in cat.get("services") or []:
            for check in svc.get("checks", []):
                for spec in check.get("endpoints", []):
                    probes[spec["id"]] = Probe(spec, svc, table)
    return probes


OK = ("ok",)
ANY = ("any",)


def fail(failures=None, ops=None, methods=None):
    return ("fail", failures, ops, methods)


def expectation(p, scenario, c):
    """What netvigil must record for probe p in scenario: OK, ANY or fail(...)."""
    poisoned = p.host in c["POISON_NAMES"]
    sni_reset = p.tls and any(pat in p.sni for pat in c["SNI_RESET_PATTERNS"])
    bp_targets = set(c["BLOCKPAGE_HTTP_TARGETS"])
    timeout = {"generic_timeout_error"}
    if scenario in ("normal", "throttle"):
        return OK
    if scenario == "flaky":
        return ANY
    if p.kind == "dns":
        # One measurement asks every resolver: it fails if any answer is tampered with,
        # else succeeds if any resolver answered (the dns probe's rule).
        if scenario == "dns-poison" and poisoned and "system" in p.resolvers:
            return fail({"dns_bogon_error"}, {"resolve"})
        reachable = {
            "system": scenario not in ("full-blackout", "local-outage", "gateway-dead"),
            "public": scenario not in ("full-blackout", "local-outage", "gateway-dead", "intl-blackout"),
        }
        if any(reachable.get(r, False) for r in p.resolvers):
            return OK
        if scenario == "local-outage":
            return fail()
        return fail(timeout, {"resolve"})
    if scenario == "local-outage":
        if p.group == "local":
            return fail({"network_unreachable", "network_down", "host_unreachable"}, {"connect"})
        return fail()
    if scenario == "gateway-dead":
        if p.group == "local":
            return fail(timeout, {"connect"})
        return fail()
    if scenario == "full-blackout":
        if p.group == "local":
            return OK
        return fail(timeout, {"resolve", "connect"})
    if scenario == "intl-blackout":
        if p.zone == "international":
            return fail(timeout, {"connect"})
        return OK
    if scenario == "messenger-block":
        if p.messenger:
            return fail(timeout, {"connect"})
        return OK
    if scenario == "dns-poison":
        if poisoned:
            return fail({"dns_bogon_error"}, None, {"dns", "http_blockpage"})
        return OK
    if scenario == "sni-reset":
        if sni_reset:
            return fail({"connection_reset"}, {"tls_handshake"})
        return OK
    if scenario == "http-blockpage":
        if p.kind == "http" and p.scheme == "http" and p.port == 80 and (
                p.host in bp_targets or p.addr in bp_targets):
            return fail(None, None, {"http_blockpage"})
        return OK
    raise ValueError(scenario)


def mismatch(r, exp):
    """None if row r meets expectation exp, else what was expected."""
    if exp == ANY:
        return None
    if exp == OK:
        return None if r["ok"] else "success"
    _, failures, ops, methods = exp
    if r["ok"]:
        return "a failure"
    code = (r.get("failure") or "").split(":")[0]
    f_ok = failures is None or code in failures
    m_ok = methods is not None and r.get("method") in methods
    o_ok = ops is None or r.get("operation") in ops
    if methods is not None and m_ok:
        good = True  # the method alone identifies the interference
    elif methods is not None and failures is None:
        good = False
    else:
        good = f_ok and o_ok
    if good:
        return None
    return (f"failure in {sorted(failures) if failures else 'any'}"
            + (f", operation in {sorted(ops)}" if ops else "")
            + (f", or method in {sorted(methods)}" if methods else ""))


def judge(rows, probes, scenario, c, out):
    """Assert every measurement row against the expectation; return a summary line."""
    by_probe = {}
    for r in rows:
        if r.get("kind") == "service":
            continue
        by_probe.setdefault(r["probe"], []).append(r)
    missing = sorted(set(probes) - set(by_probe))
    if missing:
        out.add(f"{scenario}: no measurement for {len(missing)} probes: {', '.join(missing[:8])}")
    unknown = sorted(set(by_probe) - set(probes))
    if unknown:
        out.add(f"{scenario}: measurements for probes not in the lab catalog: {', '.join(unknown[:8])}")
    n_ok = n_fail = 0
    for pid, rs in sorted(by_probe.items()):
        p = probes.get(pid)
        if p is None:
            continue
        n_ok += sum(1 for r in rs if r["ok"])
        n_fail += sum(1 for r in rs if not r["ok"])
        exp = expectation(p, scenario, c)
        for r in rs:
            err = mismatch(r, exp)
            if err:
                out.add(f"{scenario}: {pid} ({r.get('kind')}, {r.get('group')}): ok={r['ok']} "
                        f"failure={r.get('failure')!r} operation={r.get('operation')!r} "
                        f"method={r.get('method')!r} — expected {err}")
    return f"{scenario}: {len(by_probe)} probes, {n_ok} ok rows, {n_fail} failed rows"


def run(cmd, timeout, check=True, **kw):
    print("  $ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, timeout=timeout, check=check, text=True, **kw)


def netvigil_once(binary, env, cfg, scenario, workdir):
    cmd = ["ip", "netns", "exec", env["NS_V"], binary, "run", "--once", "--json", "-c", cfg]
    t0 = time.monotonic()
    proc = run(cmd, 180, check=False, capture_output=True)
    secs = time.monotonic() - t0
    with open(os.path.join(workdir, f"once-{scenario}.jsonl"), "w", encoding="utf-8") as f:
        f.write(proc.stdout)
    with open(os.path.join(workdir, f"once-{scenario}.stderr"), "w", encoding="utf-8") as f:
        f.write(proc.stderr)
    rows, bad = [], 0
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            bad += 1
    return proc.returncode, rows, bad, secs, proc.stderr


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                env[k] = v
    return env


def run_group(name, scenarios, args):
    c = conf()
    table = hosts()
    lab_dir = os.path.join(args.runs, name)
    if os.path.exists(lab_dir):
        shutil.rmtree(lab_dir)
    os.makedirs(args.runs, exist_ok=True)
    lab_id = "t" + os.urandom(3).hex()
    environ = dict(os.environ, LAB_DIR=lab_dir, LAB_ID=lab_id, LAB_KEEP="1")
    out = Failures()
    summary = []
    try:
        up = run([os.path.join(HERE, "up")], 120, check=False, env=environ)
        if up.returncode != 0:
            out.add(f"the lab could not be built (up exit {up.returncode})")
            return out
        env = read_env(os.path.join(lab_dir, "lab.env"))
        gen = run([os.path.join(HERE, "make-lab-config"), "--lab-dir", lab_dir], 60,
                  check=False, capture_output=True, env=environ)
        if gen.returncode != 0:
            out.add(f"make-lab-config failed: {gen.stderr.strip()}")
            return out
        cfg = gen.stdout.strip().splitlines()[-1]
        chk = run([args.netvigil, "check", "-c", cfg], 60, check=False, capture_output=True)
        print("  " + (chk.stdout + chk.stderr).strip())
        if chk.returncode != 0:
            out.add(f"netvigil check rejects the generated lab config (exit {chk.returncode})")
            return out
        with open(cfg, encoding="utf-8") as f:
            catalogs = yaml.safe_load(f)["catalogs"]
        probes = load_probes(catalogs, table)
        unknown = [p.id for p in probes.values() if p.zone == "unknown"]
        if unknown:
            out.add(f"lab catalog probes with a target the lab does not serve: {unknown}")
        for scenario in scenarios:
            print(f"== scenario {scenario}", flush=True)
            run([os.path.join(HERE, "scenario"), scenario], 60, env=environ)
            chk = run([os.path.join(HERE, "check"), scenario], 120, check=False, env=environ)
            if chk.returncode != 0:
                out.add(f"{scenario}: the lab's own check failed; not trusting netvigil's results")
                continue
            rc, rows, bad, secs, stderr = netvigil_once(args.netvigil, env, cfg, scenario, lab_dir)
            print(f"  netvigil run --once: exit {rc}, {len(rows)} JSON rows, {bad} other lines, {secs:.1f} s")
            if rc != 0:
                out.add(f"{scenario}: netvigil run --once exited {rc}: {stderr.strip()[-400:]}")
                continue
            if bad:
                out.add(f"{scenario}: {bad} stdout lines are not JSON")
            line = judge(rows, probes, scenario, c, out)
            extra_checks(scenario, rows, probes, out, summary)
            summary.append(line)
            print("  " + line, flush=True)
    except subprocess.TimeoutExpired as e:
        out.add(f"timed out: {e.cmd}")
    finally:
        if os.path.exists(os.path.join(lab_dir, "lab.env")):
            down = run([os.path.join(HERE, "down")], 60, check=False, env=environ)
            if down.returncode != 0:
                out.add(f"down exited {down.returncode}")
    for s in summary:
        print(s)
    return out


def extra_checks(scenario, rows, probes, out, summary):
    """Scenario facts beyond per-probe failures."""
    meas = [r for r in rows if r.get("kind") != "service"]
    if scenario == "local-outage":
        # The local group must show the own link down (carrier), not just a failure.
        for r in meas:
            if r.get("group") == "local":
                carrier = (r.get("evidence") or {}).get("carrier") or {}
                if any(v is True for v in carrier.values()):
                    out.add(f"local-outage: {r['probe']} reports carrier up: {carrier}")
    if scenario == "throttle":
        tp = {r["probe"]: r for r in meas if r.get("kind") == "throughput"}
        intl = [r for pid, r in tp.items() if probes.get(pid) and probes[pid].zone == "international"]
        dom = [r for pid, r in tp.items() if probes.get(pid) and probes[pid].zone == "domestic"]
        if not intl or not dom:
            out.add("throttle: need an international and a domestic throughput probe")
            return
        ti, td = intl[0]["total_ms"], dom[0]["total_ms"]
        summary.append(f"throttle: 1 MB international {ti:.0f} ms, domestic {td:.0f} ms")
        if not ti > 5 * max(td, 100):
            out.add(f"throttle: international download {ti:.0f} ms is not clearly slower than domestic {td:.0f} ms")
    if scenario == "flaky":
        ok = sum(1 for r in meas if r["ok"])
        summary.append(f"flaky: {ok} of {len(meas)} rows ok")
        if len(meas) == 0 or ok < 0.6 * len(meas):
            out.add(f"flaky: only {ok} of {len(meas)} rows ok; a noisy network should mostly work")


VANTAGE_ADDRESSES = (b"192.0.2.254", b"2001:db8:fe::254")


def privacy(args):
    """The vantage's own address in no --once output and no database file of any lab run."""
    out = Failures()
    scanned = 0
    for name in sorted(os.listdir(args.runs)) if os.path.isdir(args.runs) else []:
        d = os.path.join(args.runs, name)
        files = [os.path.join(d, f) for f in os.listdir(d) if f.startswith("once-") and f.endswith(".jsonl")]
        nv = os.path.join(d, "netvigil")
        if os.path.isdir(nv):
            files += [os.path.join(nv, f) for f in os.listdir(nv) if ".db" in f]
        for path in sorted(files):
            with open(path, "rb") as f:
                data = f.read()
            scanned += 1
            for addr in VANTAGE_ADDRESSES:
                n = data.count(addr)
                if n:
                    where = ""
                    if path.endswith(".jsonl"):
                        probes = sorted({json.loads(line).get("probe", "?") for line in data.decode().splitlines()
                                         if addr.decode() in line})
                        where = f" (probes: {', '.join(probes[:6])}{'…' if len(probes) > 6 else ''})"
                    out.add(f"{os.path.relpath(path, args.runs)}: the vantage's address {addr.decode()} "
                            f"appears {n} times{where}")
    if scanned == 0:
        out.add(f"nothing to scan under {args.runs}: no lab run produced output")
    print(f"privacy: {scanned} files scanned")
    return out


def hygiene(args):
    out = Failures()
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    present = {line.split()[0] for line in listed.splitlines() if line.strip()}
    runs = sorted(os.listdir(args.runs)) if os.path.isdir(args.runs) else []
    if not runs:
        out.add(f"no lab runs recorded in {args.runs}")
    for name in runs:
        d = os.path.join(args.runs, name)
        if os.path.exists(os.path.join(d, "lab.env")):
            out.add(f"{name}: lab.env still present: down never completed")
            env = read_env(os.path.join(d, "lab.env"))
        elif os.path.exists(os.path.join(d, "lab.env.down")):
            env = read_env(os.path.join(d, "lab.env.down"))
        else:
            out.add(f"{name}: no lab.env: the lab never started")
            continue
        for key in ("NS_V", "NS_ISP", "NS_DOM", "NS_INT"):
            if env[key] in present:
                out.add(f"{name}: namespace {env[key]} still exists")
        if os.path.exists(f"/etc/netns/{env['NS_V']}"):
            out.add(f"{name}: /etc/netns/{env['NS_V']} still exists")
        killed = os.path.join(d, "down.killed")
        n = 0
        if os.path.exists(killed):
            with open(killed, encoding="utf-8") as f:
                for line in f:
                    pid, start = line.split()
                    n += 1
                    try:
                        with open(f"/proc/{pid}/stat", encoding="utf-8") as st:
                            if st.read().rsplit(")", 1)[1].split()[19] == start:
                                out.add(f"{name}: process {pid} is still alive")
                    except (FileNotFoundError, ProcessLookupError, IndexError):
                        pass
        print(f"{name}: namespaces gone, {n} processes checked dead")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["setup", "hygiene", "privacy", *GROUPS])
    ap.add_argument("--runs", required=True)
    ap.add_argument("--netvigil")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("FAIL: the lab needs root (network namespaces); it is not skipped", file=sys.stderr)
        return 1
    if args.what == "setup":
        if os.path.isdir(args.runs):
            shutil.rmtree(args.runs)
        os.makedirs(args.runs)
        return 0
    if args.what == "hygiene":
        out = hygiene(args)
    elif args.what == "privacy":
        out = privacy(args)
    else:
        if not args.netvigil or not os.access(args.netvigil, os.X_OK):
            print(f"FAIL: netvigil binary not found: {args.netvigil}", file=sys.stderr)
            return 1
        out = run_group(args.what, GROUPS[args.what], args)
    print(f"{args.what}: {len(out.items)} failures")
    return 1 if out.items else 0


if __name__ == "__main__":
    sys.exit(main())
