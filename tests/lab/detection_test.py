#!/usr/bin/env python3
"""Detection tests of the live daemon in the shutdown lab (ctest label `lab`).

  detection_test.py LANE --runs DIR --netvigil BIN [--step 10] [--csv FILE]

One LANE = one lab (unique namespace names, state in DIR/detect-LANE). The real
`netvigil run` measures in the vantage with the lab schedule scaled to the detector step
(probe interval step/2, throughput every step), and `tests/lab/schedule` switches each
scenario on and then back to normal; its UTC millisecond log is the ground truth. While
it runs, `netvigil events --json` is polled every second, so the table also shows when a
window became visible (wall clock) besides what the daemon recorded (start, detected_at,
end). Assertions, per scenario (S = the detector step):

  full-blackout, intl-blackout  one window of that type, start within ±1 S of the switch,
                                detected_at within 3 S of it, recovery declared (the end
                                first listed) within 10 S of the switch back;
                                intl-blackout opens no full_blackout
  dns-poison, sni-reset,        one service_interference window for each service the lab
  messenger-block               catalog's verdict rules must see blocked, none for the others,
                                each with the method (dns, tls, tcp_ip); no blackout window
  throttle                      a throttling window; no blackout window
  local-outage, gateway-dead    no blackout window; one local_outage window (the own link)
  flaky (30 whole steps)        no blackout window (and the lab did fail some probes)
  every scenario                every expected window lasts until the switch back (not for
                                throttling: see judge), no window starts more than 1 S before
                                the switch, every window is closed within 10 S of the switch
                                back (a throttling window outside `throttle` is reported, not
                                asserted: the lab's throughput is CPU-bound, see judge)

After the run the daemon is stopped and `netvigil detect --rebuild` on a copy of its
database must give the same windows (type, scope, method, start, end, detected_at).
The lab always goes down (tests/lab/down), also on failure, timeout or SIGTERM.
"""
import argparse
import csv
import datetime
import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab_test import HERE, OK, Failures, Probe, conf, expectation, hosts, read_env, run  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
BLACKOUTS = ("full_blackout", "intl_blackout")

# Scenario → steps it stays on. Lanes run in parallel (one lab each) and take about equally
# long; local-outage comes first in its lane: the own-link rule needs no baseline, while the
# cuts after it then meet an established one (relative rules active, as in production).
LANES = {
    "cuts": [("local-outage", 4), ("gateway-dead", 4), ("intl-blackout", 4),
             ("full-blackout", 4), ("sni-reset", 4), ("throttle", 6)],
    "services-flaky": [("dns-poison", 4), ("messenger-block", 4), ("flaky", 31)],
}
SERVICE_METHOD = {"dns-poison": "dns", "sni-reset": "tls", "messenger-block": "tcp_ip"}


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


def parse_utc(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def utc(t, ms=False):
    if t is None:
        return ""
    s = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (s[:-3] if ms else s[:-7]) + "Z"


def ev_key(e):
    return (e["type"], e["scope"], e["start_unix"])


def expected_blocked_services(catalogs, scenario, c, table):
    """Services whose verdict must fail in scenario, by the catalog's own verdict rules
    applied to what lab_test expects of each endpoint."""
    blocked = set()
    for path in catalogs:
        with open(path, encoding="utf-8") as f:
            cat = yaml.safe_load(f)
        for svc in cat.get("services") or []:
            failed = False
            for check in svc.get("checks", []):
                eps = [Probe(spec, svc, table) for spec in check.get("endpoints", [])]
                up = [expectation(p, scenario, c) == OK for p in eps]
                rule = check.get("rule", "any_success")
                if rule == "all_success":
                    ok = bool(up) and all(up)
                elif rule == "each_host_any_port":
                    ok = any(up)  # some host with some port up
                else:
                    ok = any(up)
                failed |= not ok
            if failed:
                blocked.add(svc["id"])
    return blocked


class Lane:
    def __init__(self, name, args):
        self.name = name
        self.args = args
        self.S = args.step
        self.dir = os.path.join(args.runs, f"detect-{name}")
        self.environ = None
        self.env = None
        self.cfg = None
        self.daemon = None
        self.seen = {}        # event key → wall time first listed
        self.end_seen = {}    # event key → wall time first listed with an end
        self.last = []        # last events listing
        self.poll_errors = 0
        self.out = Failures()
        self.rows = []
        self.segments = []    # (scenario, switch on, switch back) completed

    # --- the daemon and its events ---------------------------------------------------
    def events(self, cfg=None):
        proc = subprocess.run([self.args.netvigil, "events", "--json", "--since", "2d", "-c", cfg or self.cfg],
                              capture_output=True, text=True, timeout=30, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"netvigil events exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
        return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]

    def poll(self):
        try:
            evs = self.events()
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as e:
            self.poll_errors += 1
            if self.poll_errors <= 3:
                print(f"  poll: {e}", flush=True)
            return self.last
        now = time.time()
        for e in evs:
            k = ev_key(e)
            if k not in self.seen:
                self.seen[k] = now
                print(f"  [{utc(now, True)}] window {e['type']} {e['scope']} {e['method']} "
                      f"start {e['start']} detected_at {e['detected_at']}", flush=True)
            if e["end_unix"] is not None and k not in self.end_seen:
                self.end_seen[k] = now
                print(f"  [{utc(now, True)}] closed {e['type']} {e['scope']} end {e['end']}", flush=True)
        self.last = evs
        return evs

    def sleep_polling(self, seconds, until=None):
        """Poll once a second for `seconds`, or until until(events) is true."""
        deadline = time.time() + seconds
        while True:
            evs = self.poll()
            if until is not None and until(evs):
                return True
            left = deadline - time.time()
            if left <= 0:
                return until is None
            time.sleep(min(1.0, left))

    # --- one scenario --------------------------------------------------------------------
    def switch(self, scenario, on_steps, log):
        """Scenario on for on_steps steps, then normal, by the schedule runner."""
        sched = os.path.join(self.dir, f"schedule-{scenario}")
        on_s = on_steps * self.S
        with open(sched, "w", encoding="utf-8") as f:
            f.write(f"0 {scenario}\n{on_s} normal\n")
        before = 0
        if os.path.exists(log):
            with open(log, encoding="utf-8") as f:
                before = len(f.readlines())
        runner = subprocess.Popen([os.path.join(HERE, "schedule"), sched, log], env=self.environ)
        try:
            self.sleep_polling(on_s + 30, until=lambda _: runner.poll() is not None)
        finally:
            if runner.poll() is None:
                runner.kill()
                runner.wait()
        if runner.returncode != 0:
            raise RuntimeError(f"schedule exited {runner.returncode} for {scenario}")
        with open(log, encoding="utf-8") as f:
            lines = f.readlines()[before:]
        stamps = [line.split() for line in lines]
        if [s[1] for s in stamps] != [scenario, "normal"]:
            raise RuntimeError(f"schedule log for {scenario}: {lines}")
        return parse_utc(stamps[0][0]), parse_utc(stamps[1][0])

    def wait_all_closed(self, t_off):
        """After the switch back: at least 2 steps, then until no window is open, at most
        10 steps + the step-closing grace + a margin."""
        S = self.S
        self.sleep_polling(max(0.0, t_off + 2 * S - time.time()))
        limit = t_off + 10 * S + self.grace + 5 - time.time()
        self.sleep_polling(max(0.0, limit), until=lambda evs: all(e["end_unix"] is not None for e in evs))
        self.sleep_polling(S)  # one more step of normal before the next switch

    # --- assertions ----------------------------------------------------------------------
    def judge(self, scenario, t_on, t_off, t_next, events):
        S = self.S
        seg = [e for e in events if t_on - 2 * S <= e["start_unix"] < t_next]
        names = ", ".join(f"{e['type']}({e['scope']},{e['method'] or '-'}) {e['start']}–{e['end'] or 'open'}"
                          for e in seg) or "none"
        print(f"== {scenario}: on {utc(t_on, True)} off {utc(t_off, True)}; windows: {names}", flush=True)
        fails_before = len(self.out.items)
        saw = self.saw(t_on, t_off)
        print("   detector input (whole steps while on): " + "; ".join(
            f"{g} {v['failed']}/{v['attempts']} failed, min ratio {v['min_ratio']:.2f} over {v['steps']} steps"
            for g, v in saw.items() if g in ("local", "isp", "domestic", "international")), flush=True)
        if scenario == "flaky":
            failed = sum(v["failed"] for g, v in saw.items() if g in ("domestic", "international"))
            if failed == 0:
                self.out.add("flaky: no failed attempt in the domestic and international groups: the lab "
                             "was not flaky, so the test proves nothing")
            n_steps = saw.get("international", {}).get("steps", 0)
            if n_steps < 30:
                self.out.add(f"flaky: only {n_steps} whole steps of flaky data (need 30)")
        by_type = {}
        for e in seg:
            by_type.setdefault(e["type"], []).append(e)
        rows = [self.latency_row(scenario, e, t_on, t_off) for e in seg]

        for e in seg:
            problems = []
            if e["end_unix"] is None:
                problems.append(f"still open {(time.time() - t_off) / S:.1f} steps after the switch back")
            elif e["end_unix"] - t_off > 10 * S:
                problems.append(f"ended {(e['end_unix'] - t_off) / S:.2f} steps after the switch back (limit 10)")
            if e["start_unix"] < t_on - S:
                problems.append(f"starts {(t_on - e['start_unix']) / S:.2f} steps before the switch")
            for p in problems:
                if e["type"] == "throttling" and scenario != "throttle":
                    # Not asserted: the lab's throughput is CPU-bound (veths on a shared host,
                    # 30 Mbit/s to 2 Gbit/s between steps), so "< 30 % of the baseline" can hold
                    # for two steps with no shaping at all. Reported in the table instead.
                    print(f"   note: throttling window outside the throttle scenario: {p}", flush=True)
                else:
                    self.out.add(f"{scenario}: {e['type']} {e['scope']} {p}")

        # The windows the scenario must open: one each (a window that flaps is not one cut),
        # lasting until the switch back (its end no earlier than the step holding it).
        expected = []
        if scenario in ("full-blackout", "intl-blackout"):
            expected = [(scenario.replace("-", "_"), "network" if scenario == "full-blackout" else "international")]
        elif scenario in SERVICE_METHOD:
            want = expected_blocked_services(self.catalogs, scenario, conf(), hosts())
            if not want:
                self.out.add(f"{scenario}: the lab catalog has no service this scenario blocks")
            expected = [("service_interference", f"service:{s}") for s in sorted(want)]
            for e in by_type.get("service_interference", []):
                if e["service"] not in want:
                    self.out.add(f"{scenario}: service {e['service']} flagged but not blocked by the scenario")
                elif e["method"] != SERVICE_METHOD[scenario]:
                    self.out.add(f"{scenario}: service {e['service']} flagged with method {e['method']!r}, "
                                 f"expected {SERVICE_METHOD[scenario]!r}")
        elif scenario == "throttle":
            expected = [("throttling", "throughput:international")]
        elif scenario in ("local-outage", "gateway-dead"):
            expected = [("local_outage", "local")]  # the own link: a gap, never a shutdown
        for typ, scope in expected:
            ws = [e for e in seg if e["type"] == typ and e["scope"] == scope]
            if typ == "throttling":
                # Only "flagged": the RTT-flat rule (connect RTT <= 3x its baseline) meets the lab's
                # sub-millisecond RTTs and a loaded host's scheduling spikes (10-150 ms seen), so
                # a throttling window may end early or split; printed, not asserted.
                if not ws:
                    self.out.add(f"{scenario}: no throttling window")
                elif len(ws) > 1 or (ws[0]["end_unix"] or t_off) < t_off - S:
                    print(f"   note: throttling split into {len(ws)} windows or ended before the switch back",
                          flush=True)
                continue
            if len(ws) != 1:
                self.out.add(f"{scenario}: {len(ws)} {typ} windows for {scope}, expected exactly 1")
            for e in ws:
                if e["end_unix"] is not None and e["end_unix"] < t_off - S:
                    self.out.add(f"{scenario}: {typ} {scope} ended at {e['end']}, "
                                 f"{(t_off - e['end_unix']) / S:.2f} steps before the switch back")
        if scenario in ("full-blackout", "intl-blackout"):
            if scenario == "intl-blackout" and by_type.get("full_blackout"):
                self.out.add("intl-blackout: a full_blackout window was opened")
            for e in by_type.get(expected[0][0], [])[:1]:
                r = self.latency_row(scenario, e, t_on, t_off)
                if abs(e["start_unix"] - t_on) > S:
                    self.out.add(f"{scenario}: start {e['start']} is {r['start_error_steps']} steps from the "
                                 f"switch (limit ±1)")
                if not 0 < r["_det"] - t_on <= 3 * S:
                    self.out.add(f"{scenario}: detected_at {e['detected_at']} is {r['detect_steps']} steps after "
                                 f"the switch (limit 3)")
                if r["_end_seen"] is None or r["_end_seen"] - t_off > 10 * S:
                    self.out.add(f"{scenario}: recovery not declared within 10 steps of the switch back "
                                 f"(listed after {r['recovery_seen_steps'] or 'never'})")
        else:
            for b in BLACKOUTS:
                for e in by_type.get(b, []):
                    self.out.add(f"{scenario}: blackout window {b} {e['start']}–{e['end']}")
        result = "ok" if len(self.out.items) == fails_before else "FAIL"
        if not rows:
            rows.append({"step_s": S, "lane": self.name, "scenario": scenario, "type": "(none)",
                         "switch_on": utc(t_on, True), "switch_off": utc(t_off, True)})
        for r in rows:
            r["result"] = result
            if r["type"] == "throttling" and scenario != "throttle":
                r["result"] = "unexpected (not asserted)"
        self.rows.extend(rows)

    def saw(self, t_on, t_off):
        """Per group over the steps wholly inside [t_on, t_off): attempts, failures, lowest ratio
        (from the stored rollups: what the detector was fed)."""
        with open(self.cfg, encoding="utf-8") as f:
            db = yaml.safe_load(f)["database"]
        first = (int(t_on) // self.S + 1) * self.S
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT sc.name, SUM(r.attempts), SUM(r.attempts - r.successes), "
                "MIN(CAST(r.successes AS REAL) / r.attempts), COUNT(*) "
                "FROM rollups r JOIN rollup_steps s USING(seq) JOIN scopes sc ON sc.id = r.scope "
                "WHERE s.step_start >= ? AND s.step_start + s.step_s <= ? AND r.attempts > 0 "
                "GROUP BY sc.name ORDER BY sc.name", (first, t_off)).fetchall()
        finally:
            con.close()
        return {name: {"attempts": a, "failed": f, "min_ratio": m, "steps": n} for name, a, f, m, n in rows}

    def latency_row(self, scenario, e, t_on, t_off):
        S = self.S
        k = ev_key(e)
        seen, end_seen = self.seen.get(k), self.end_seen.get(k)
        det = datetime.datetime.strptime(e["detected_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        return {"step_s": S, "lane": self.name, "scenario": scenario, "type": e["type"],
                "scope": e["scope"], "method": e["method"],
                "switch_on": utc(t_on, True), "start": e["start"],
                "start_error_steps": round((e["start_unix"] - t_on) / S, 2),
                "detected_at": e["detected_at"], "detect_steps": round((det - t_on) / S, 2),
                "seen_steps": round((seen - t_on) / S, 2) if seen else "",
                "switch_off": utc(t_off, True), "end": e["end"] or "",
                "end_error_steps": round((e["end_unix"] - t_off) / S, 2) if e["end_unix"] else "",
                "recovery_seen_steps": round((end_seen - t_off) / S, 2) if end_seen else "",
                "_det": det, "_end_seen": end_seen}

    # --- the whole lane ------------------------------------------------------------------
    def run(self):
        a = self.args
        if os.path.exists(self.dir):
            shutil.rmtree(self.dir)
        os.makedirs(self.dir)
        lab_id = "d" + os.urandom(3).hex()
        self.environ = dict(os.environ, LAB_DIR=self.dir, LAB_ID=lab_id, LAB_KEEP="1")
        S = self.S
        interval = max(1, S // 2) if S < 60 else S
        self.grace = 3 + 2  # probe timeout + the recorder's 2 s
        try:
            if run([os.path.join(HERE, "up")], 180, check=False, env=self.environ).returncode != 0:
                self.out.add("the lab could not be built")
                return
            self.env = read_env(os.path.join(self.dir, "lab.env"))
            gen = run([os.path.join(HERE, "make-lab-config"), "--lab-dir", self.dir,
                       "--step", f"{S}s", "--interval", f"{interval}s", "--timeout", "3s",
                       "--warmup", f"{6 * S}s", "--throughput-interval", f"{S}s",
                       "--throughput-timeout", "8s"], 60, check=False, capture_output=True, env=self.environ)
            if gen.returncode != 0:
                self.out.add(f"make-lab-config failed: {gen.stderr.strip()}")
                return
            self.cfg = gen.stdout.strip().splitlines()[-1]
            with open(self.cfg, encoding="utf-8") as f:
                self.catalogs = yaml.safe_load(f)["catalogs"]
            log = os.path.join(self.dir, "schedule.log")
            with open(os.path.join(self.dir, "daemon.log"), "w", encoding="utf-8") as dlog:
                self.daemon = subprocess.Popen(["ip", "netns", "exec", self.env["NS_V"], a.netvigil, "run",
                                                "-c", self.cfg], stdout=dlog, stderr=subprocess.STDOUT)
            t_daemon = time.time()
            print(f"  daemon pid {self.daemon.pid} started {utc(t_daemon, True)}", flush=True)
            # Two steps of normal so the first step is a whole one before the first switch.
            self.sleep_polling(2 * S + self.grace)
            if self.daemon.poll() is not None:
                self.out.add(f"the daemon exited {self.daemon.returncode} (see daemon.log)")
                return
            for scenario, on_steps in LANES[self.name]:
                t_on, t_off = self.switch(scenario, on_steps, log)
                self.wait_all_closed(t_off)
                self.segments.append((scenario, t_on, t_off))
                if self.daemon.poll() is not None:
                    self.out.add(f"the daemon exited {self.daemon.returncode} during {scenario}")
                    return
            self.poll()
            self.stop_daemon()
            final = self.judge_all()
            self.check_rebuild(final)
        except Interrupted as e:
            self.out.add(f"interrupted ({e}); judging the {len(self.segments)} scenarios completed")
            self.stop_daemon()
            try:
                self.judge_all()
            except (RuntimeError, subprocess.TimeoutExpired) as e2:
                self.out.add(f"could not judge: {e2}")
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            self.out.add(str(e))
        finally:
            signal.alarm(0)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)  # let the clean-up finish
            self.stop_daemon()
            self.save_diagnostics()
            if os.path.exists(os.path.join(self.dir, "lab.env")):
                if run([os.path.join(HERE, "down")], 90, check=False, env=self.environ).returncode != 0:
                    self.out.add("down failed")

    def judge_all(self):
        """Judge every completed scenario on the stored windows; returns them."""
        S = self.S
        final = self.events()
        segs = self.segments
        for i, (scenario, t_on, t_off) in enumerate(segs):
            t_next = segs[i + 1][1] - 2 * S if i + 1 < len(segs) else float("inf")
            self.judge(scenario, t_on, t_off, t_next, final)
        if segs:
            for e in final:
                if e["start_unix"] < segs[0][1] - 2 * S:
                    self.out.add(f"a {e['type']} window before the first switch (start {e['start']})")
        return final

    def stop_daemon(self):
        if self.daemon is None or self.daemon.poll() is not None:
            return
        self.daemon.send_signal(signal.SIGTERM)
        try:
            self.daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.out.add("the daemon did not stop within 20 s of SIGTERM")
            self.daemon.kill()
            self.daemon.wait()

    def save_diagnostics(self):
        """What the detector saw, kept beside the lab's logs for inspection."""
        if not self.cfg or not os.path.exists(self.cfg):
            return
        for name, cmd in (("timeline.txt", ["timeline", "--since", "2h", "--width", "160"]),
                          ("status.json", ["status", "--json"])):
            try:
                p = subprocess.run([self.args.netvigil, *cmd, "-c", self.cfg], capture_output=True,
                                   text=True, timeout=60, check=False)
                with open(os.path.join(self.dir, name), "w", encoding="utf-8") as f:
                    f.write(p.stdout + p.stderr)
            except subprocess.TimeoutExpired:
                pass

    def check_rebuild(self, live):
        """detect --rebuild on a copy of the database gives the live daemon's windows."""
        with open(self.cfg, encoding="utf-8") as f:
            cfg = yaml.safe_load(f)
        db = cfg["database"]
        copy = os.path.join(self.dir, "rebuild.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                shutil.copyfile(db + suffix, copy + suffix)
        cfg["database"] = copy
        cfg_copy = os.path.join(self.dir, "rebuild.yaml")
        with open(cfg_copy, "w", encoding="utf-8") as f:
            yaml.safe_dump(cfg, f)
        p = subprocess.run([self.args.netvigil, "detect", "--rebuild", "-c", cfg_copy],
                           capture_output=True, text=True, timeout=120, check=False)
        if p.returncode != 0:
            self.out.add(f"detect --rebuild exited {p.returncode}: {p.stderr.strip()[-300:]}")
            return
        fields = ("type", "scope", "method", "start", "end", "detected_at")
        a = sorted(tuple(e[k] for k in fields) for e in live)
        b = sorted(tuple(e[k] for k in fields) for e in self.events(cfg_copy))
        if a != b:
            self.out.add(f"detect --rebuild differs from the live daemon: only live {sorted(set(a) - set(b))}, "
                         f"only rebuilt {sorted(set(b) - set(a))}")
        else:
            print(f"  detect --rebuild: the same {len(a)} windows as the live daemon", flush=True)


COLUMNS = ["step_s", "lane", "scenario", "type", "scope", "method", "switch_on", "start", "start_error_steps",
           "detected_at", "detect_steps", "seen_steps", "switch_off", "end", "end_error_steps",
           "recovery_seen_steps", "result"]


def print_table(rows):
    cols = ["scenario", "type", "scope", "switch_on", "detected_at", "start_error_steps", "detect_steps",
            "seen_steps", "end_error_steps", "recovery_seen_steps", "result"]
    head = ["scenario", "window", "scope", "switch (UTC)", "detected_at", "start err", "detect",
            "seen", "end err", "recovered", "result"]
    table = [head] + [[str(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(t[i]) for t in table) for i in range(len(head))]
    print("latency in detector steps (start err = event start − switch; detect = detected_at − switch;")
    print("seen = first listed by `netvigil events` − switch; end err = end − switch back;")
    print("recovered = end first listed − switch back)")
    for t in table:
        print("  " + "  ".join(v.ljust(w) for v, w in zip(t, widths)))


def write_csv(path, lane, rows):
    """Merge this lane's rows into the shared CSV (lanes run in parallel: lock, rewrite)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    lock = os.open(directory, os.O_RDONLY)  # flock on the directory: no lock file left behind
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = []
        if os.path.exists(path):
            with open(path, encoding="utf-8", newline="") as f:
                kept = [r for r in csv.DictReader(f) if r.get("lane") != lane]
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
            w.writeheader()
            for r in kept + rows:
                w.writerow(r)
        os.replace(tmp, path)
    finally:
        os.close(lock)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lane", choices=sorted(LANES))
    ap.add_argument("--runs", required=True)
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--step", type=int, default=10, help="detector step in seconds (10 = CI, 60 = production)")
    ap.add_argument("--csv", help="latency CSV (default tests/bench/results/detection-latency-<step>.csv)")
    ap.add_argument("--deadline", type=int, help="seconds before the lane gives up and takes its lab down "
                    "(default 100 steps + 300 s; below ctest's TIMEOUT, which kills without cleanup)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("FAIL: the lab needs root (network namespaces); it is not skipped", file=sys.stderr)
        return 1
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: netvigil binary not found: {args.netvigil}", file=sys.stderr)
        return 1
    if args.step < 10:
        print("FAIL: the detector step is at least 10 s (the config loader's minimum)", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGALRM, on_signal)
    signal.alarm(args.deadline or 100 * args.step + 300)
    os.makedirs(args.runs, exist_ok=True)
    lane = Lane(args.lane, args)
    t0 = time.time()
    lane.run()
    signal.alarm(0)
    print_table(lane.rows)
    path = args.csv or os.path.join(REPO, "tests", "bench", "results", f"detection-latency-{args.step}.csv")
    if lane.rows:
        write_csv(path, args.lane, lane.rows)
        print(f"latency rows written to {path}")
    print(f"{args.lane}: {len(lane.out.items)} failures, {time.time() - t0:.0f} s")
    for item in lane.out.items:
        print(f"  FAIL {item}")
    return 1 if lane.out.items else 0


if __name__ == "__main__":
    sys.exit(main())
