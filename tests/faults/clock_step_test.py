#!/usr/bin/env python3
"""faults: the wall clock steps an hour forward, then back, under a running daemon (issue 8,
"Clock steps").

  clock_step_test.py --netvigil BIN [--probes 10] [--hold 8]

The daemon runs under Debian's libfaketime (package libfaketime, pulled in by faketime),
preloaded into the daemon alone, reading its offset from FAKETIME_TIMESTAMP_FILE on every
call (FAKETIME_NO_CACHE=1) with FAKETIME_DONT_FAKE_MONOTONIC=1: only the wall clock moves,
as with a real clock step. The `faketime` wrapper itself cannot be used: its FAKETIME
variable takes precedence over the file, so the offset could not change at run time. The
machine's clock is never touched.

In its own network namespace (only lo), `netvigil run` probes loopback HTTP servers every
second; the offset goes +0 → +1 h → +0 (a step back of an hour). The servers' own request
times (this process's real monotonic clock) must show no burst and no pause around either
step; the daemon must not crash and must exit 0 on SIGTERM; every run the servers saw must
be stored; and the step back must be recorded: the stored timestamps of a probe go back
an hour, which the daemon logs and stores as a clock step (meta key clock_step:<t>).
"""
import argparse
import glob
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_harness as fh  # noqa: E402

HOUR_MS = 3_600_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--probes", type=int, default=10)
    ap.add_argument("--hold", type=int, default=8, help="seconds between steps")
    args = ap.parse_args()
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: no netvigil binary at {args.netvigil}")
        return 1
    fh.require_tools("unshare", "ip", "sqlite3", "faketime")
    libs = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    if not libs:
        print("FAIL: libfaketime.so.1 not found (Debian package libfaketime, a dependency of faketime)")
        return 1
    fh.enter_namespace()
    t_start = time.monotonic()
    work = fh.e2e.new_workdir("nv-faults-clock-")
    failures = []

    def check(cond, text):
        if not cond:
            failures.append(text)
            print(f"  FAIL {text}")
        return cond

    srv = daemon = None
    try:
        N = args.probes
        srv = fh.LiveServers([{"name": "web", "mode": "http"}])
        probes = fh.http_probes("cs", srv.ports["web"], N)
        cat = f"{work}/catalog.yaml"
        fh.e2e.write_yaml(cat, fh.e2e.catalog(probes))
        port = fh.free_port()
        cfg = f"{work}/netvigil.yaml"
        db = f"{work}/netvigil.db"
        fh.e2e.write_yaml(cfg, fh.config(work, cat, db, port))
        fh.e2e.check_config(args.netvigil, cfg)
        offset_file = f"{work}/faketime-offset"

        def set_offset(text):
            with open(offset_file + ".new", "w", encoding="utf-8") as f:
                f.write(text + "\n")
            os.replace(offset_file + ".new", offset_file)
            return time.monotonic()

        set_offset("+0")
        env = dict(os.environ, LD_PRELOAD=libs[0], FAKETIME_TIMESTAMP_FILE=offset_file,
                   FAKETIME_NO_CACHE="1", FAKETIME_DONT_FAKE_MONOTONIC="1")
        daemon = fh.Daemon(args.netvigil, cfg, f"{work}/daemon.log", port, env=env)
        daemon.wait_metrics()
        time.sleep(args.hold)
        t_fwd = set_offset("+3600")
        time.sleep(args.hold)
        t_back = set_offset("+0")
        time.sleep(args.hold)
        check(daemon.alive(), f"the daemon exited ({daemon.proc.returncode})")
        m = daemon.metrics()
        rc = daemon.terminate()
        check(rc == 0, f"SIGTERM: exit {rc}")
        requests = srv.requests()
        srv.stop()
        srv = None

        # Server side, in this process's real monotonic time: requests per second.
        times = sorted(t for _p, t in requests)
        first = times[0]
        bins = {}
        for t in times:
            bins[int(t - first)] = bins.get(int(t - first), 0) + 1
        last_bin = int(times[-1] - first)

        def window(t_step):
            """Per-second counts for 4 s before to 5 s after a step (whole seconds only)."""
            s0 = int(t_step - first)
            return [bins.get(s, 0) for s in range(s0 - 4, min(s0 + 6, last_bin))]

        print(f"  {len(requests)} server requests over {times[-1] - first:.1f} s for {N} probes "
              f"at 1 s; skipped runs {m.get('netvigil_scheduler_skipped_total', 0):g}")
        for name, t_step in (("+1 h", t_fwd), ("-1 h", t_back)):
            w = window(t_step)
            print(f"  requests per second around the {name} step (4 s before .. 5 s after): {w}")
            check(max(w) <= 1.5 * N, f"{name}: a burst of {max(w)} requests in one second ({N} probes)")
            check(min(w) >= 0.5 * N, f"{name}: only {min(w)} requests in one second: probing paused")
            pairs = [a + b for a, b in zip(w, w[1:])]
            check(all(1.5 * N <= p <= 2.5 * N for p in pairs),
                  f"{name}: two-second sums {pairs} stray from {2 * N}")

        # Stored rows: every run the server saw, stamped with the (faked) wall clock.
        integrity = fh.sqlite(db, "PRAGMA integrity_check")
        check(integrity == "ok", f"integrity_check says {integrity!r}")
        by_probe = fh.rows_by_probe(db)
        stored = sum(len(v) for v in by_probe.values())
        check(len(requests) - N <= stored <= len(requests),
              f"{stored} rows stored for {len(requests)} server requests")
        # Rows by stamp: the +1 h period lies an hour after the rest.
        ahead = [t for v in by_probe.values() for t in v if t - v[0] > HOUR_MS / 2]
        print(f"  stored rows {stored}; {len(ahead)} stamped about an hour ahead (the +1 h period, "
              f"{args.hold} s x {N} probes expected)")
        check(abs(len(ahead) - args.hold * N) <= 2 * N,
              f"{len(ahead)} rows stamped an hour ahead, expected about {args.hold * N}")
        steps = fh.sqlite(db, "SELECT key, value FROM meta WHERE key LIKE 'clock_step:%' ORDER BY key")
        clock_rows = fh.sqlite(db, "SELECT count(*), min(t), max(t) FROM clock")
        lines = daemon.log_lines(r"clock step")
        print(f"  clock-step records in meta: {steps.splitlines()}")
        print(f"  clock table (count, min t, max t): {clock_rows}")
        print("  daemon log lines about the clock:")
        for l in lines:
            print(f"    {l}")
        recorded = [l.split("|") for l in steps.splitlines()]
        deltas = sorted(int(v) for _k, v in recorded)
        check(len(recorded) == 2 and abs(deltas[0] + HOUR_MS) < 5000 and abs(deltas[1] - HOUR_MS) < 5000,
              f"expected two recorded steps of about -1 h and +1 h, found {recorded}")
        check(len(lines) == 2, f"expected two log lines about the clock steps, found {len(lines)}")
    except fh.TestFailure as e:
        check(False, str(e))
    except subprocess.TimeoutExpired as e:
        check(False, f"timed out: {e.cmd}")
    finally:
        if daemon is not None:
            daemon.kill()
        if srv is not None:
            srv.stop()
    return fh.verdict(failures, work, t_start)


if __name__ == "__main__":
    sys.exit(main())
