#!/usr/bin/env python3
"""faults: the daemon's state directory fills up and empties again (issue 8, "Disk full").

  disk_full_test.py --netvigil BIN [--probes 20] [--full-seconds 20] [--tmpfs-mb 8]

Inside `unshare --net --mount`: a small tmpfs is the state directory holding the database;
`netvigil run` probes loopback HTTP servers every second (metrics on a loopback port).
A filler file then takes every free byte of the tmpfs. While it is full the daemon must
keep probing (the servers' request count keeps rising), keep its results in its memory
buffer (netvigil_store_buffered_measurements rises, netvigil_store_write_errors_total
counts the failed commits, a log line says so), and keep serving /metrics. Once the filler
is deleted the buffer must be written out (the gauge returns to 0, a log line says so);
after SIGTERM the database passes `PRAGMA integrity_check`, every row stored before the
fill is unchanged, and per probe the stored rows match the servers' own request log (none
missing across the full period). A timeline (seconds, buffered, rows, server requests,
log lines) is printed.
"""
import argparse
import errno
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_harness as fh  # noqa: E402

FAIL_LINE = r"netvigil: store: cannot write to .*\(disk full or I/O error, SQLite code 13\)"
BACK_LINE = r"netvigil: store: writing again; buffered measurements written out"


def fill(path):
    """Write zeros until the filesystem refuses (ENOSPC); bytes written."""
    n = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        for _ in range(100000):  # bound: 6.5 GB, far above any tmpfs used here
            try:
                n += f.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
        # The last partial page, byte by byte would be slow; a 4 KiB then 1-byte tail.
        for size in (4096, 1):
            for _ in range(16):
                try:
                    n += f.write(b"\0" * size)
                except OSError:
                    break
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--probes", type=int, default=20)
    ap.add_argument("--full-seconds", type=int, default=20)
    ap.add_argument("--tmpfs-mb", type=int, default=8)
    args = ap.parse_args()
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: no netvigil binary at {args.netvigil}")
        return 1
    fh.require_tools("sqlite3", "mount", "umount", "unshare", "ip")
    fh.enter_namespace(mount=True)
    t_start = time.monotonic()
    work = fh.e2e.new_workdir("nv-faults-diskfull-")
    state = f"{work}/state"
    os.makedirs(state)
    failures = []

    def check(cond, text):
        if not cond:
            failures.append(text)
            print(f"  FAIL {text}")
        return cond

    srv = daemon = None
    mounted = False
    timeline = []
    try:
        fh.e2e.run(["mount", "-t", "tmpfs", "-o", f"size={args.tmpfs_mb}m,mode=0700", "tmpfs", state], 10)
        mounted = True
        srv = fh.LiveServers([{"name": "web", "mode": "http", "body": "<title>w</title>ok"}])
        probes = fh.http_probes("df", srv.ports["web"], args.probes)
        cat = f"{work}/catalog.yaml"
        fh.e2e.write_yaml(cat, fh.e2e.catalog(probes))
        db = f"{state}/netvigil.db"
        port = fh.free_port()
        cfg = f"{work}/netvigil.yaml"
        fh.e2e.write_yaml(cfg, fh.config(work, cat, db, port))
        fh.e2e.check_config(args.netvigil, cfg)
        daemon = fh.Daemon(args.netvigil, cfg, f"{work}/daemon.log", port)
        daemon.wait_metrics()
        t0 = time.monotonic()

        def sample(phase):
            m = daemon.metrics()
            try:
                rows = int(fh.sqlite(db, "SELECT count(*) FROM measurements"))
            except fh.TestFailure as e:
                rows = f"? ({e})"
            st = os.statvfs(state)
            s = {"t": time.monotonic() - t0, "phase": phase,
                 "buffered": int(m.get("netvigil_store_buffered_measurements", -1)),
                 "errors": int(m.get("netvigil_store_write_errors_total", -1)),
                 "dropped": int(m.get("netvigil_measurements_dropped_total", -1)),
                 "rows": rows, "requests": srv.count(), "free_kb": st.f_bavail * st.f_frsize // 1024,
                 "alive": daemon.alive()}
            timeline.append(s)
            return s

        # Steady state first: rows are being committed.
        for _ in range(6):
            time.sleep(1)
            sample("before")
        check(isinstance(timeline[-1]["rows"], int) and timeline[-1]["rows"] > 0,
              "no rows committed before the fill")
        before = fh.sqlite(db, "SELECT id, ok, failure, op, method, status, bytes FROM measurements")
        before_rows = set(before.splitlines())

        # Fill every byte of the tmpfs.
        t_fill = time.monotonic() - t0
        filled = fill(f"{state}/filler")
        s = sample("full")
        print(f"  filled the tmpfs at t={t_fill:.1f} s with {filled // 1024} KiB ({s['free_kb']} KiB left)")
        check(s["free_kb"] == 0, f"the filler left {s['free_kb']} KiB free")
        for _ in range(args.full_seconds):
            time.sleep(1)
            sample("full")
        full = [x for x in timeline if x["phase"] == "full"]
        fail_lines = daemon.log_lines(FAIL_LINE)

        # Space returns.
        t_free = time.monotonic() - t0
        os.unlink(f"{state}/filler")
        back_at = None
        for _ in range(30):  # retry_interval is 5 s: bounded at 30 s
            time.sleep(1)
            s = sample("freed")
            if back_at is None and s["buffered"] == 0 and daemon.log_lines(BACK_LINE):
                back_at = s["t"]
            if back_at is not None and s["t"] - back_at >= 3:
                break
        final_metrics = daemon.metrics()
        rc = daemon.terminate()
        requests = srv.requests()
        srv.stop()
        srv = None

        print("disk-full timeline (t in s since /metrics first answered):")
        print(f"  {'t':>5}  {'phase':6} {'buffered':>8} {'w.errors':>8} {'dropped':>7} "
              f"{'rows in db':>10} {'srv reqs':>8} {'free KiB':>8}")
        for x in timeline:
            print(f"  {x['t']:5.1f}  {x['phase']:6} {x['buffered']:8} {x['errors']:8} {x['dropped']:7} "
                  f"{x['rows']!s:>10} {x['requests']:8} {x['free_kb']:8}")
        log_lines = daemon.log_lines(r"store:")
        print("daemon log (store lines):")
        for l in log_lines:
            print(f"  {l}")
        print(f"  fill at t={t_fill:.1f} s, filler removed at t={t_free:.1f} s, "
              f"buffer back to 0 with the recovery line at t={back_at}")

        # While full: probing went on, results were buffered, the condition was visible.
        check(all(x["alive"] for x in timeline), "the daemon exited during the test")
        reqs_full = full[-1]["requests"] - full[0]["requests"]
        expect = args.probes * args.full_seconds
        check(reqs_full >= 0.8 * expect,
              f"while full the servers saw {reqs_full} requests, expected about {expect}")
        # The gauge is the writer's pending batch as of its last retry (every 5 s), so it
        # trails the runs by up to 5 s of results.
        max_buf = max(x["buffered"] for x in full)
        check(max_buf >= 0.5 * expect, f"buffered measurements peaked at {max_buf}, expected about {expect}")
        check(full[-1]["errors"] >= 1, "netvigil_store_write_errors_total did not count the failures")
        rows_full = [x["rows"] for x in full if isinstance(x["rows"], int)]
        check(len(rows_full) == len(full), "the database could not be read while the disk was full")
        check(rows_full and rows_full[-1] - rows_full[1] <= args.probes,
              f"rows kept growing on a full disk: {rows_full}")
        check(len(fail_lines) == 1, f"expected one log line for the write failure, got {fail_lines}")
        # After: written out, nothing lost, nothing damaged.
        check(back_at is not None, "the buffer never went back to 0 with the recovery line")
        check(final_metrics.get("netvigil_measurements_dropped_total") == 0,
              f"measurements were dropped: {final_metrics.get('netvigil_measurements_dropped_total')}")
        check(rc == 0, f"SIGTERM: exit {rc}")
        integrity = fh.sqlite(db, "PRAGMA integrity_check")
        check(integrity == "ok", f"integrity_check says {integrity!r}")
        after_rows = set(fh.sqlite(db, "SELECT id, ok, failure, op, method, status, bytes "
                                       "FROM measurements").splitlines())
        missing_before = before_rows - after_rows
        check(not missing_before, f"{len(missing_before)} of the {len(before_rows)} rows stored "
              "before the fill changed or vanished")
        by_probe = fh.rows_by_probe(db)
        served = {}
        for path, _t in requests:
            served[path.lstrip("/")] = served.get(path.lstrip("/"), 0) + 1
        worst_gap, diffs = 0.0, []
        for p in probes:
            ts = by_probe.get(p["id"], [])
            n_srv = served.get(p["id"], 0)
            # A run in flight at SIGTERM reached the server without becoming a row: at most 1.
            if not 0 <= n_srv - len(ts) <= 1:
                diffs.append(f"{p['id']}: {len(ts)} rows, {n_srv} requests")
            gaps = [(b - a) / 1000 for a, b in zip(ts, ts[1:])]
            worst_gap = max([worst_gap] + gaps)
        check(not diffs, "stored rows differ from the servers' request log: " + "; ".join(diffs[:5]))
        check(worst_gap <= 2.5, f"a probe's stored rows have a {worst_gap:.1f} s gap (interval 1 s)")
        total_rows = sum(len(v) for v in by_probe.values())
        print(f"  after: integrity_check {integrity!r}, {len(before_rows)} rows from before the fill "
              f"intact ({len(missing_before)} changed), {total_rows} rows for {len(requests)} "
              f"server requests, largest gap between a probe's rows {worst_gap:.2f} s, "
              f"dropped {final_metrics.get('netvigil_measurements_dropped_total')}, exit {rc}")
    except fh.TestFailure as e:
        check(False, str(e))
    except subprocess.TimeoutExpired as e:
        check(False, f"timed out: {e.cmd}")
    finally:
        if daemon is not None:
            daemon.kill()
        if srv is not None:
            srv.stop()
        if mounted and failures:
            # Keep the evidence: copy the database out before the tmpfs goes away.
            for f in os.listdir(state):
                if f != "filler":
                    shutil.copy(f"{state}/{f}", f"{work}/{f}")
        if mounted:
            subprocess.run(["umount", state], timeout=10)
    return fh.verdict(failures, work, t_start)


if __name__ == "__main__":
    sys.exit(main())
