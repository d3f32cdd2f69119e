#!/usr/bin/env python3
"""A real Prometheus scrapes netvigil in the shutdown lab through a scenario sequence.

  prometheus_test.py --runs DIR --netvigil BIN [--dashboards DIR] [--rules FILE]

Inside the lab's vantage namespace (loopback only): netvigil runs on the lab catalog at the
lab's scaled schedule (probe interval 5 s, detector step 10 s, warm-up 20 s) and Debian's
`prometheus` scrapes it every 2 s and evaluates dashboards/alerts/netvigil-rules.yml every
2 s. The rules are loaded from a generated copy whose `for:` durations are divided by 12
(the lab's time scale: a 60 s probe interval becomes 5 s), e.g. 2m → 10s, 5m → 25s; every
expression is unchanged. tests/lab/schedule drives SEQUENCE. Afterwards:

* every PromQL expression of every panel target and annotation in dashboards/*.json, with
  its template variables resolved the way Grafana does (query variables through the
  label-values API, "All" = the variable's allValue, and once more with the first concrete
  value; $__interval, $__rate_interval, $__range from the query), returns data over the run
  through /api/v1/query_range (instant targets also through /api/v1/query while an event is
  active); no expression may contain `vector(` padding;
* netvigil_state is one-hot at every scrape and shows each scenario's state from the
  detector's documented latency bound after the switch until the next switch (between a
  switch and that bound: the old state, the new one or `degraded`);
* each alert that belongs to a scenario fires during it (ALERTS{alertstate="firing"}) and is
  silent in every other scenario's settled window; the daemon-health alerts never fire.

Prometheus and netvigil are killed by PID; every wait is bounded; the lab always goes down.
The helpers here (Lab, Daemon, in_ns, ...) are shared with exports_test.py.
"""
import argparse
import calendar
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab_test import HERE, Failures, read_env, run  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PORT = 9567
PROM_PORT = 9090
SCRAPE_S = 2
STEP_S = 10
TIME_SCALE = 12  # lab probe interval 5 s stands for the default 60 s
# Detector latency bounds (src/detect/detector.hpp): a worse state is entered after 2 failing
# steps, a better one after 3 good steps; plus up to one step until the first whole step after
# the switch, probe timeouts finishing the step, and one scrape.
ENTER_BOUND_S = 3 * STEP_S + 10
EXIT_BOUND_S = 4 * STEP_S + 10

# (offset seconds, scenario). Segments are long enough for the bounds above plus >= 10 s.
SEQUENCE = [(0, "normal"), (55, "intl-blackout"), (105, "normal"), (165, "dns-poison"),
            (220, "normal"), (280, "full-blackout"), (330, "normal")]
END_OFFSET = 390

STATE_OF = {"normal": "normal", "intl-blackout": "intl_blackout", "full-blackout": "full_blackout",
            "dns-poison": "normal"}
SEVERITY = {"warming_up": 0, "normal": 0, "degraded": 1, "intl_blackout": 2, "full_blackout": 3}
ALERT_SCENARIOS = {"NetvigilInternationalCut": {"intl-blackout"},
                   "NetvigilFullBlackout": {"full-blackout"},
                   "NetvigilServiceBlocked": {"dns-poison"}}
HEALTH_ALERTS = {"NetvigilDown", "NetvigilNotMeasuring", "NetvigilNotWriting",
                 "NetvigilStoreWriteErrors", "NetvigilDroppingMeasurements"}


def log(text):
    print(text, flush=True)


def in_ns(ns, cmd, timeout, **kw):
    """Run cmd inside network namespace ns (bounded)."""
    return subprocess.run(["ip", "netns", "exec", ns, *cmd], timeout=timeout, text=True,
                          capture_output=True, check=False, **kw)


def http_get(ns, url, timeout=10):
    """GET url from inside ns with curl; (status, body)."""
    p = in_ns(ns, ["curl", "-sS", "-m", str(timeout), "-w", "\n%{http_code}", url], timeout + 5)
    if p.returncode != 0:
        return 0, p.stderr
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


def wait_until(pred, limit_s, every_s=0.5):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(every_s)
    return pred()


class Lab:
    """One lab with its own namespaces and state directory under RUNS/NAME."""

    def __init__(self, runs, name, out, id_prefix="p"):
        self.dir = os.path.join(runs, name)
        if os.path.exists(self.dir):
            shutil.rmtree(self.dir)
        os.makedirs(runs, exist_ok=True)
        self.environ = dict(os.environ, LAB_DIR=self.dir, LAB_ID=id_prefix + os.urandom(3).hex(), LAB_KEEP="1")
        self.out = out
        self.env = {}
        self.cfg = None

    def up(self, warmup="20s"):
        if run([os.path.join(HERE, "up")], 120, check=False, env=self.environ).returncode != 0:
            self.out.add("the lab could not be built (up failed)")
            return False
        self.env = read_env(os.path.join(self.dir, "lab.env"))
        gen = run([os.path.join(HERE, "make-lab-config"), "--lab-dir", self.dir, "--warmup", warmup,
                   "--port", str(PORT)], 60, check=False, capture_output=True, env=self.environ)
        if gen.returncode != 0:
            self.out.add(f"make-lab-config failed: {gen.stderr.strip()}")
            return False
        self.cfg = gen.stdout.strip().splitlines()[-1]
        return True

    @property
    def ns(self):
        return self.env["NS_V"]

    def schedule(self, sequence, log_path):
        path = os.path.join(self.dir, "run.schedule")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(f"{off} {name}\n" for off, name in sequence)
        return subprocess.Popen([os.path.join(HERE, "schedule"), path, log_path], env=self.environ)

    def down(self):
        if os.path.exists(os.path.join(self.dir, "lab.env")):
            if run([os.path.join(HERE, "down")], 60, check=False, env=self.environ).returncode != 0:
                self.out.add("down failed")


class Daemon:
    """A process in the vantage namespace, stopped by PID (SIGTERM, then SIGKILL)."""

    def __init__(self, name, ns, cmd, log_path):
        self.name = name
        self.log = open(log_path, "w", encoding="utf-8")
        # `ip netns exec` execs the command: the PID is the daemon's own.
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log(f"  started {name} pid {self.proc.pid}")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, grace_s=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                log(f"  {self.name} pid {self.proc.pid} ignored SIGTERM for {grace_s} s: SIGKILL")
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        return self.proc.returncode


def read_schedule_log(path):
    """[(unix time, scenario)] from the schedule runner's log."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            stamp, name = line.split()
            t = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
            out.append((t + float("0" + stamp[19:-1]), name))
    return out


def segments(switches, end):
    """[(start, end, scenario)] from the logged switches."""
    return [(t, switches[i + 1][0] if i + 1 < len(switches) else end, name)
            for i, (t, name) in enumerate(switches)]


# ---- Prometheus ---------------------------------------------------------------------------

def parse_duration_s(text):
    total = 0
    for num, unit in re.findall(r"(\d+)(ms|s|m|h|d)", text):
        total += int(num) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    return total


def scaled_rules(src, dst):
    """Copy the alert rules with every `for:` divided by TIME_SCALE; {alert: scaled for_s}."""
    with open(src, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    fors = {}
    for group in doc["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = f"{max(2, round(parse_duration_s(rule['for']) / TIME_SCALE))}s"
            fors[rule["alert"]] = parse_duration_s(rule.get("for", "0s"))
            log(f"  rule {rule['alert']}: for {rule.get('for', '0s')}")
    with open(dst, "w", encoding="utf-8") as f:
        f.write(f"# Generated by prometheus_test.py from {src}: `for:` divided by {TIME_SCALE}.\n")
        yaml.safe_dump(doc, f, sort_keys=False)
    return fors


class Prom:
    def __init__(self, ns):
        self.ns = ns
        self.base = f"http://127.0.0.1:{PROM_PORT}"

    def api(self, path, params):
        url = f"{self.base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
        code, body = http_get(self.ns, url, 30)
        try:
            doc = json.loads(body)
        except json.JSONDecodeError:
            return {"status": "error", "error": f"HTTP {code}: {body[:200]}"}
        return doc

    def query(self, expr, t):
        return self.api("/api/v1/query", {"query": expr, "time": f"{t:.3f}"})

    def query_range(self, expr, start, end, step):
        return self.api("/api/v1/query_range", {"query": expr, "start": f"{start:.3f}",
                                                 "end": f"{end:.3f}", "step": f"{step}s"})

    def raw(self, selector, t, window_s):
        """Raw samples of selector in (t - window, t]: [(labels, [(t, value)])]."""
        doc = self.query(f"{selector}[{int(window_s)}s]", t)
        if doc.get("status") != "success":
            raise RuntimeError(f"{selector}: {doc.get('error')}")
        return [(r["metric"], [(float(ts), float(v)) for ts, v in r["values"]]) for r in doc["data"]["result"]]


def has_data(doc):
    if doc.get("status") != "success":
        return False
    data = doc["data"]
    if data["resultType"] == "matrix":
        return any(any(v not in ("NaN", "+Inf", "-Inf") for _, v in r["values"]) for r in data["result"])
    if data["resultType"] == "vector":
        return any(r["value"][1] != "NaN" for r in data["result"])
    return data["resultType"] == "scalar" and data["result"][1] != "NaN"


# ---- Dashboards ---------------------------------------------------------------------------

IDENTITY_VARS = ("instance", "vantage")  # single-valued in the lab: tried at their value too
VAR = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")


def substitute(expr, values):
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return values.get(name, m.group(0))
    return VAR.sub(repl, expr)


def dashboard_exprs(doc):
    """[(where, expr, instant)] of every panel target and annotation with an expression."""
    out = []
    for a in doc.get("annotations", {}).get("list", []):
        if a.get("expr"):
            out.append((f"annotation {a.get('name')!r}", a["expr"], False))

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((f"panel {p.get('id')} {p.get('title')!r} ref {t.get('refId')}",
                                t["expr"], bool(t.get("instant")) and not t.get("range")))
            walk(p.get("panels", []))
    walk(doc.get("panels", []))
    return out


def regex_escape(value):
    """Grafana's escaping of a variable value inside a PromQL regex matcher."""
    return re.sub(r"([\\^$*+?.()|{}\[\]])", r"\\\\\1", value)


def resolve_variables(doc, prom, start, end, out, where):
    """{name: [All value, first concrete value]} for query variables via the label-values API."""
    values, choices = {}, {}
    for v in doc.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.fullmatch(r"\s*label_values\((?:(.+),\s*)?(\w+)\)\s*", q or "")
        if not m:
            out.add(f"{where}: variable {v['name']}: unsupported query {q!r}")
            continue
        params = {"start": f"{start:.0f}", "end": f"{end:.0f}"}
        if m.group(1):
            params["match[]"] = substitute(m.group(1), {k: c[0] for k, c in choices.items()})
        doc_ = prom.api(f"/api/v1/label/{m.group(2)}/values", params)
        vals = doc_.get("data") or []
        if doc_.get("status") != "success" or not vals:
            out.add(f"{where}: variable {v['name']} ({q}) has no values: {doc_.get('error', '')}")
            vals = [""]
        all_value = v.get("allValue") or "(" + "|".join(re.escape(x) for x in vals) + ")"
        choices[v["name"]] = [all_value if v.get("includeAll") else vals[0], regex_escape(vals[0])]
        values[v["name"]] = vals
    return choices, values


def check_dashboards(dash_dir, prom, start, end, event_time, out):
    step = 5
    rate_interval = max(step + SCRAPE_S, 4 * SCRAPE_S)
    builtin = {"__interval": f"{step}s", "__interval_ms": str(step * 1000),
               "__rate_interval": f"{rate_interval}s", "__range": f"{int(end - start)}s",
               "__range_s": str(int(end - start)), "__range_ms": str(int(end - start) * 1000),
               "datasource": "prometheus"}
    n_expr = n_queries = 0
    files = sorted(glob.glob(os.path.join(dash_dir, "*.json")))
    if not files:
        out.add(f"no dashboards in {dash_dir}")
    for path in files:
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        choices, values = resolve_variables(doc, prom, start, end, out, name)
        log(f"  {name}: variables " + ", ".join(f"{k}={len(v)} values" for k, v in values.items()))
        exprs = dashboard_exprs(doc)
        if not exprs:
            out.add(f"{name}: no expressions")
        for where, expr, instant in exprs:
            n_expr += 1
            if re.search(r"\bvector\s*\(", expr):
                out.add(f"{name} {where}: padding with vector(): {expr}")
            # Once with every variable at "All", once with the vantage/instance variable at
            # its concrete value (the others stay at "All").
            for pick in (0, 1):
                subst = dict(builtin, **{k: c[pick if k in IDENTITY_VARS else 0] for k, c in choices.items()})
                q = substitute(expr, subst)
                if "$" in q:
                    out.add(f"{name} {where}: unresolved variable in {q}")
                    continue
                if pick == 1 and not any(f"${k}" in expr or f"${{{k}" in expr for k in IDENTITY_VARS):
                    continue
                doc_r = prom.query_range(q, start, end, step)
                n_queries += 1
                label = "All" if pick == 0 else "concrete instance/vantage"
                if doc_r.get("status") != "success":
                    out.add(f"{name} {where} [{label}]: query error {doc_r.get('error')}: {q}")
                elif not has_data(doc_r):
                    out.add(f"{name} {where} [{label}]: no data over the run: {q}")
                if instant and pick == 0:
                    doc_i = prom.query(q, event_time)
                    n_queries += 1
                    if not has_data(doc_i):
                        out.add(f"{name} {where}: instant query has no data at the blackout: {q} "
                                f"({doc_i.get('error', '')})")
    log(f"  dashboards: {len(files)} files, {n_expr} expressions, {n_queries} queries")
    return n_expr


# ---- State and alerts ---------------------------------------------------------------------

def state_timeline(prom, end, window):
    """[(t, [states at 1])] per scrape of netvigil_state."""
    per_t = {}
    for metric, samples in prom.raw("netvigil_state", end, window):
        for t, v in samples:
            per_t.setdefault(round(t, 1), [])
            if v == 1:
                per_t[round(t, 1)].append(metric["state"])
    return sorted(per_t.items())


def settle_bounds(segs):
    """Seconds after each segment's start by which its state must show (None: first one)."""
    bounds, prev = [], None
    for i, (_, _, scen) in enumerate(segs):
        want = STATE_OF[scen]
        bounds.append(None if i == 0 else
                      ENTER_BOUND_S if SEVERITY[want] > SEVERITY[prev] else EXIT_BOUND_S)
        prev = want
    return bounds


def check_states(timeline, segs, out):
    prev = None
    for i, (s, e, scen) in enumerate(segs):
        want = STATE_OF[scen]
        samples = [(t, st) for t, st in timeline if s <= t < e]
        if not samples:
            out.add(f"{scen} at +{s - segs[0][0]:.0f}s: no netvigil_state samples")
            prev = want
            continue
        if i == 0:
            allowed_early, bound = {"warming_up", want}, None
        else:
            worse = SEVERITY[want] > SEVERITY[prev]
            bound = ENTER_BOUND_S if worse else EXIT_BOUND_S
            allowed_early = {prev, want, "degraded"}
        seen = [st[0] if len(st) == 1 else "/".join(st) or "none" for _, st in samples]
        bad = []
        for (t, st), name in zip(samples, seen):
            settled = bound is not None and t >= s + bound
            ok = name == want if settled else name in allowed_early
            if i == 0 and t >= e - 3 * SCRAPE_S:
                ok = name == want  # warm-up over before the first switch
            if not ok:
                bad.append(f"+{t - s:.0f}s {name}")
        first_want = next((t - s for (t, _), n in zip(samples, seen) if n == want), None)
        log(f"  {scen:14s} +{s - segs[0][0]:5.0f}s..+{e - segs[0][0]:5.0f}s want {want:13s} "
            f"reached after {first_want if first_want is None else f'{first_want:.0f}s'}; "
            f"states seen {sorted(set(seen))}")
        if bad:
            out.add(f"{scen} (+{s - segs[0][0]:.0f}s, want {want} from +{bound or 0}s): "
                    f"{', '.join(bad[:8])}{' …' if len(bad) > 8 else ''}")
        prev = want


def check_alerts(prom, segs, end, window, poisoned_services, fors, out):
    firing = prom.raw('ALERTS{alertstate="firing"}', end, window)
    by_alert = {}
    for metric, samples in firing:
        by_alert.setdefault(metric["alertname"], []).append((metric, [t for t, v in samples if v == 1]))
    for name in sorted(HEALTH_ALERTS):
        for metric, ts in by_alert.get(name, []):
            if ts:
                out.add(f"{name} fired ({len(ts)} samples, first at +{ts[0] - segs[0][0]:.0f}s): {metric}")
    bounds = settle_bounds(segs)
    for name, scenarios in ALERT_SCENARIOS.items():
        series = by_alert.get(name, [])
        for (s, e, scen), bound in zip(segs, bounds):
            settled_from = s + (bound or 0)
            ts = [t for _, tl in series for t in tl if s <= t < e]
            if scen in scenarios:
                # Fires during it: detection bound plus the (scaled) `for:` plus two evaluations.
                limit = s + ENTER_BOUND_S + fors[name] + 2 * SCRAPE_S
                if not ts:
                    out.add(f"{name} never fired during {scen} (+{s - segs[0][0]:.0f}s..+{e - segs[0][0]:.0f}s)")
                elif ts[0] > limit:
                    out.add(f"{name} fired {ts[0] - s:.0f}s into {scen}, later than {limit - s:.0f}s")
                else:
                    log(f"  {name} firing {ts[0] - s:.0f}s after {scen} started")
                if name == "NetvigilServiceBlocked":
                    for metric, tl in series:
                        if any(s <= t < e for t in tl):
                            if metric.get("method") != "dns" or metric.get("service") not in poisoned_services:
                                out.add(f"{name} during {scen} for {metric.get('service')} by "
                                        f"{metric.get('method')}: expected method dns on one of "
                                        f"{sorted(poisoned_services)}")
            else:
                late = [t for t in ts if t >= settled_from]
                if late:
                    out.add(f"{name} firing during {scen} (+{late[0] - s:.0f}s into it, "
                            f"{len(late)} samples after the settling bound)")


def poisoned_services(cfg_path, poison_names):
    with open(cfg_path, encoding="utf-8") as f:
        catalogs = yaml.safe_load(f)["catalogs"]
    out = set()
    for path in catalogs:
        with open(path, encoding="utf-8") as f:
            cat = yaml.safe_load(f)
        for svc in cat.get("services") or []:
            for check in svc.get("checks", []):
                for ep in check.get("endpoints", []):
                    host = ep.get("host") or urllib.parse.urlsplit(ep.get("url", "")).hostname
                    if host in poison_names:
                        out.add(svc["id"])
    return out


def prometheus_config(lab_dir, rules):
    path = os.path.join(lab_dir, "prometheus.yml")
    cfg = {"global": {"scrape_interval": f"{SCRAPE_S}s", "evaluation_interval": f"{SCRAPE_S}s",
                      "scrape_timeout": f"{SCRAPE_S}s"},
           "rule_files": [rules],
           "scrape_configs": [{"job_name": "netvigil", "scrape_interval": f"{SCRAPE_S}s",
                               "static_configs": [{"targets": [f"127.0.0.1:{PORT}"]}]}]}
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--dashboards", default=os.path.join(REPO, "dashboards"))
    ap.add_argument("--rules", default=os.path.join(REPO, "dashboards", "alerts", "netvigil-rules.yml"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("FAIL: the lab needs root (network namespaces); it is not skipped", file=sys.stderr)
        return 1
    for tool in ("prometheus", "promtool", "curl"):
        if not shutil.which(tool):
            print(f"FAIL: {tool} not installed (Debian package prometheus / curl)", file=sys.stderr)
            return 1
    t_begin = time.monotonic()
    out = Failures()
    lab = Lab(args.runs, "prometheus", out)
    daemons = []
    sched = None
    try:
        if not lab.up():
            return 1
        rules = os.path.join(lab.dir, "netvigil-rules.scaled.yml")
        fors = scaled_rules(args.rules, rules)
        chk = run(["promtool", "check", "rules", rules], 60, check=False, capture_output=True)
        if chk.returncode != 0:
            out.add(f"promtool rejects the scaled rules: {chk.stdout}{chk.stderr}")
            return 1
        prom_cfg = prometheus_config(lab.dir, rules)
        nv = Daemon("netvigil", lab.ns, [args.netvigil, "run", "-c", lab.cfg],
                    os.path.join(lab.dir, "netvigil.log"))
        daemons.append(nv)
        tsdb = os.path.join(lab.dir, "prometheus-data")
        prom_proc = Daemon("prometheus", lab.ns,
                           ["prometheus", f"--config.file={prom_cfg}", f"--storage.tsdb.path={tsdb}",
                            f"--web.listen-address=127.0.0.1:{PROM_PORT}", "--storage.tsdb.retention.time=1d",
                            "--log.level=warn"], os.path.join(lab.dir, "prometheus.log"))
        daemons.append(prom_proc)
        prom = Prom(lab.ns)
        if not wait_until(lambda: http_get(lab.ns, f"http://127.0.0.1:{PORT}/healthz", 2)[0] == 200, 30):
            out.add(f"netvigil /healthz did not answer within 30 s (alive: {nv.alive()})")
            return 1
        if not wait_until(lambda: http_get(lab.ns, f"{prom.base}/-/ready", 2)[0] == 200, 60):
            out.add(f"prometheus not ready within 60 s (alive: {prom_proc.alive()})")
            return 1
        log("== schedule: " + ", ".join(f"+{o}s {n}" for o, n in SEQUENCE) + f", end +{END_OFFSET}s")
        sched_log = os.path.join(lab.dir, "schedule.log")
        t0 = time.time()
        sched = lab.schedule(SEQUENCE, sched_log)
        while time.time() < t0 + END_OFFSET:
            if not nv.alive() or not prom_proc.alive():
                out.add(f"a process died during the run: netvigil alive {nv.alive()}, "
                        f"prometheus alive {prom_proc.alive()}")
                return 1
            time.sleep(1)
        if sched.wait(timeout=30) != 0:
            out.add(f"schedule exited {sched.returncode}")
        end = time.time()
        switches = read_schedule_log(sched_log)
        if [n for _, n in switches] != [n for _, n in SEQUENCE]:
            out.add(f"schedule log {switches} does not match the sequence")
            return 1
        segs = segments(switches, end)
        window = end - segs[0][0] + 5
        # Let the last scrape and rule evaluation land.
        time.sleep(2 * SCRAPE_S)
        up = prom.raw('up{job="netvigil"}', end, window)
        ups = [v for _, s in up for _, v in s]
        log(f"  scrapes: {len(ups)}, up=1 in {sum(1 for v in ups if v == 1)}")
        if not ups or min(ups) != 1:
            out.add(f"scrapes failed: {ups.count(0)} of {len(ups)} have up=0")

        log("== netvigil_state")
        check_states(state_timeline(prom, end, window), segs, out)
        log("== alerts")
        conf = {}
        with open(os.path.join(HERE, "scenarios.conf"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r'^([A-Z0-9_]+)="(.*)"\s*$', line)
                if m:
                    conf[m.group(1)] = m.group(2).split()
        services = poisoned_services(lab.cfg, set(conf["POISON_NAMES"]))
        log(f"  services with a poisoned endpoint: {sorted(services)}")
        check_alerts(prom, segs, end, window, services, fors, out)
        api_alerts = prom.api("/api/v1/rules", {"type": "alert"})
        n_rules = sum(len(g["rules"]) for g in api_alerts.get("data", {}).get("groups", []))
        if n_rules != len(fors):
            out.add(f"Prometheus loaded {n_rules} alert rules, the file has {len(fors)}")
        health = [r for g in api_alerts.get("data", {}).get("groups", []) for r in g["rules"]
                  if r.get("health") != "ok"]
        for r in health:
            out.add(f"rule {r['name']} health {r.get('health')}: {r.get('lastError')}")

        log("== dashboards")
        intl = next(s for s in segs if s[2] == "intl-blackout")
        check_dashboards(args.dashboards, prom, segs[0][0], end, intl[1] - 2, out)
    except subprocess.TimeoutExpired as e:
        out.add(f"timed out: {e.cmd}")
    finally:
        if sched is not None and sched.poll() is None:
            sched.kill()
            sched.wait(timeout=10)
        for d in reversed(daemons):
            rc = d.stop()
            if d.name == "netvigil" and rc not in (0, -signal.SIGTERM):
                out.add(f"netvigil exited {rc} on SIGTERM (log: {d.log.name})")
        lab.down()
        log(f"prometheus lab test: {time.monotonic() - t_begin:.0f} s")
    log(f"prometheus: {len(out.items)} failures")
    return 1 if out.items else 0


if __name__ == "__main__":
    sys.exit(main())
