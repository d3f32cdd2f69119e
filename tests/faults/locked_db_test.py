#!/usr/bin/env python3
"""faults: the database held by other processes while `netvigil run` writes (issue 8,
"Database locked").

  locked_db_test.py --netvigil BIN [--reader-hold 15] [--lock-hold 10]

In its own network namespace (only lo), the daemon probes 40 loopback targets every second
(the workload of kill100_test.py). Then:
  (a) a `sqlite3` shell holds a read transaction (BEGIN; SELECT count(*) …) for 15 s while
      `netvigil export --format ooni-jsonl` runs beside it: in WAL mode neither blocks the
      writer, and the shell's second count, at the end, proves its snapshot was held;
  (b) a `sqlite3` shell holds BEGIN EXCLUSIVE for 10 s: no commit can happen (the row count,
      read beside it, stays flat), the daemon keeps the rows in memory and retries, and
      /metrics shows it (netvigil_store_buffered_measurements grows, the last-write
      timestamp stalls); once the lock goes, the rows are written within a few seconds.
The daemon then stops with SIGTERM (exit 0), integrity_check must be ok, and every answer
the servers logged (logged_servers.py) must have its row — only probes still in flight at
the SIGTERM may be missing. Prints a timeline and the samples it took.
"""
import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults_common as fc  # noqa: E402

e2e = fc.e2e
METRICS = ("netvigil_store_buffered_measurements", "netvigil_store_write_errors_total",
           "netvigil_store_last_write_timestamp_seconds", "netvigil_measurements_dropped_total",
           "netvigil_store_busy_retries_total")


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+)(?:\{[^}]*\})? ([-+0-9.eE]+|NaN)$", line)
        if m and m.group(1) in METRICS:
            out[m.group(1)] = float(m.group(2))
    return out


class Shell:
    """An interactive sqlite3 shell on a pipe: statements in, result lines out (bounded)."""

    def __init__(self, db):
        self.proc = subprocess.Popen(["sqlite3", "-batch", db], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     bufsize=1)

    def say(self, sql, expect_line=True, timeout=20):
        self.proc.stdin.write(sql + "\n")
        self.proc.stdin.flush()
        if not expect_line:
            return None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise fc.TestFailure(f"sqlite3 shell: no answer to {sql!r} within {timeout} s")
        return self.proc.stdout.readline().strip()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(".quit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)
        rest = self.proc.stdout.read()
        self.proc.stdout.close()
        return rest.strip()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--reader-hold", type=float, default=15.0)
    ap.add_argument("--lock-hold", type=float, default=10.0)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: no netvigil binary at {args.netvigil}")
        return 1
    for tool in ("sqlite3", "unshare", "openssl", "ip"):
        if shutil.which(tool) is None:
            print(f"FAIL: {tool} is missing")
            return 1
    if not (3 <= args.reader_hold <= 120 and 3 <= args.lock_hold <= 120):
        print("FAIL: the hold times must be 3..120 s")
        return 1
    e2e.enter_private_netns()
    e2e.setup_loopback()
    t0 = time.monotonic()
    work = e2e.new_workdir("nv-faults-locked-")
    failures = []
    timeline = []
    samples = []

    def check(cond, text):
        if not cond:
            failures.append(text)
            print(f"  FAIL {text}")
        return cond

    def mark(text):
        timeline.append((time.monotonic() - t0, text))
        print(f"  {time.monotonic() - t0:6.2f} s  {text}", flush=True)

    servers = proc = None
    shells = []
    try:
        pki = e2e.make_pki(work)
        spec, make_probes = fc.workload(pki)
        servers = fc.LoggedServers(work, spec)
        p = servers.ports
        probes = make_probes(p, 0)
        cat_path = f"{work}/catalog.yaml"
        e2e.write_yaml(cat_path, e2e.catalog(probes))
        cfg_path = f"{work}/netvigil.yaml"
        cfg = e2e.base_config(work, cat_path, dns_port=p["dns"], interval="1s", timeout="800ms",
                              max_in_flight=16)
        e2e.write_yaml(cfg_path, cfg)
        e2e.check_config(args.netvigil, cfg_path)
        url = f"http://{cfg['http']['listen']}/metrics"
        db = f"{work}/netvigil.db"
        offset0 = fc.wall_minus_mono()
        log = open(f"{work}/daemon.log", "w", encoding="utf-8")
        proc = subprocess.Popen([args.netvigil, "run", "-c", cfg_path], stdout=log, stderr=log)
        mark("daemon started")

        def rows():
            return int(fc.sqlite(db, "SELECT count(*) FROM measurements"))

        def sample(phase):
            if proc.poll() is not None:
                raise fc.TestFailure(f"the daemon exited with {proc.returncode}; see {log.name}")
            m = scrape(url)
            wal = os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0
            s = {"t": time.monotonic() - t0, "phase": phase, "rows": rows(), "wal": wal, **m}
            samples.append(s)
            return s

        def sample_for(seconds, phase, step=1.0):
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                sample(phase)
                time.sleep(max(0.0, min(step, end - time.monotonic())))

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(db) and proc.poll() is None:
                try:
                    if rows() > 0:
                        break
                except fc.TestFailure:
                    pass
            time.sleep(0.2)
        check(os.path.exists(db) and rows() > 0, "no rows within 20 s of the start")
        mark(f"first rows committed ({rows()})")
        sample_for(3, "baseline")

        # (a) a long reader and an export beside it.
        reader = Shell(db)
        shells.append(reader)
        reader.say(".timeout 5000", expect_line=False)
        reader.say("BEGIN;", expect_line=False)
        first = reader.say("SELECT count(*) FROM measurements;")
        t_reader = time.monotonic()
        mark(f"(a) sqlite3 shell: BEGIN; SELECT count(*) → {first}; holding {args.reader_hold:g} s")
        rows_a0 = rows()
        sample_for(1, "reader")
        export_out = f"{work}/export.jsonl"
        mark("(a) netvigil export --format ooni-jsonl started")
        te = time.monotonic()
        ex = subprocess.run([args.netvigil, "export", "-c", cfg_path, "--format", "ooni-jsonl",
                             "--from", "1h", "-o", export_out], capture_output=True, text=True,
                            timeout=120)
        te = time.monotonic() - te
        exported = sum(1 for _ in open(export_out, encoding="utf-8")) if ex.returncode == 0 else -1
        mark(f"(a) export finished: exit {ex.returncode} in {te:.2f} s, {exported} measurements")
        check(ex.returncode == 0, f"export beside the reader: exit {ex.returncode}: {ex.stderr.strip()[-300:]}")
        sample_for(max(0.0, t_reader + args.reader_hold - time.monotonic()), "reader")
        second = reader.say("SELECT count(*) FROM measurements;")
        reader.say("COMMIT;", expect_line=False)
        rest = reader.close()
        rows_a1 = rows()
        mark(f"(a) reader's count at its end {second} (snapshot held); COMMIT; the database now "
             f"has {rows_a1} rows")
        check(first == second, f"(a) the reader's snapshot moved: {first} then {second}")
        check(rest == "", f"(a) sqlite3 shell said: {rest!r}")
        # 40 probes a second; half of that is plenty to show the writer was not held up.
        check(rows_a1 - rows_a0 >= 20 * args.reader_hold,
              f"(a) only {rows_a1 - rows_a0} rows committed during the {args.reader_hold:g} s read")
        check(rows_a0 <= exported <= rows_a1 if exported >= 0 else False,
              f"(a) export holds {exported} measurements, not within {rows_a0}..{rows_a1}")
        reader_wal = max(s["wal"] for s in samples if s["phase"] == "reader")
        sample_for(2, "after reader")

        # (b) an exclusive lock.
        locker = Shell(db)
        shells.append(locker)
        locker.say(".timeout 5000", expect_line=False)
        locker.say("BEGIN EXCLUSIVE;", expect_line=False)
        got = locker.say("SELECT 'locked';")
        t_lock = time.monotonic()
        rows_b0 = rows()
        mark(f"(b) sqlite3 shell: BEGIN EXCLUSIVE → {got!r}; holding {args.lock_hold:g} s "
             f"({rows_b0} rows)")
        check(got == "locked", f"(b) BEGIN EXCLUSIVE did not succeed: {got!r}")
        sample_for(max(0.0, t_lock + args.lock_hold - time.monotonic()), "exclusive", step=0.5)
        rows_b1 = rows()
        locker.say("COMMIT;", expect_line=False)
        rest = locker.close()
        t_unlock = time.monotonic()
        mark(f"(b) COMMIT: lock released ({rows_b1} rows while locked)")
        check(rest == "", f"(b) sqlite3 shell said: {rest!r}")
        locked = [s for s in samples if s["phase"] == "exclusive"]
        check(rows_b1 == rows_b0, f"(b) rows were committed through the exclusive lock: "
              f"{rows_b0} → {rows_b1}")
        max_buf = max((s.get("netvigil_store_buffered_measurements", 0) for s in locked), default=0)
        check(max_buf >= 20 * args.lock_hold,
              f"(b) /metrics showed at most {max_buf:g} buffered measurements under the lock")
        stall = max((s["t"] + t0 - t_lock for s in locked), default=0)
        # A commit just before the lock may reach /metrics at the next 1 s tick: look after it.
        last_w = [s.get("netvigil_store_last_write_timestamp_seconds", 0) for s in locked
                  if s["t"] + t0 >= t_lock + 1.5]
        check(len(set(last_w)) == 1 if last_w else False,
              f"(b) the last-write timestamp moved under the lock: {sorted(set(last_w))}")
        t_resume = t_drained = None
        end = time.monotonic() + 15
        while time.monotonic() < end and t_drained is None:
            s = sample("after lock")
            if t_resume is None and s["rows"] > rows_b1:
                t_resume = time.monotonic()
                mark(f"(b) writes resumed: {s['rows']} rows (+{s['rows'] - rows_b1})")
            if t_resume is not None and s.get("netvigil_store_buffered_measurements", 1) == 0:
                t_drained = time.monotonic()
                mark("(b) /metrics: buffered back to 0")
            time.sleep(0.25)
        check(t_resume is not None and t_resume - t_unlock <= 3.0,
              f"(b) rows were not written within 3 s of the unlock")
        check(t_drained is not None, "(b) the buffer did not drain within 15 s")
        sample_for(2, "after lock")
        final = scrape(url)

        # (c) SIGTERM while another process holds the write lock: the daemon waits for it
        # (up to 20 s) and writes what it holds before it exits; nothing is lost.
        stopper = Shell(db)
        shells.append(stopper)
        stopper.say(".timeout 5000", expect_line=False)
        stopper.say("BEGIN EXCLUSIVE;", expect_line=False)
        check(stopper.say("SELECT 'locked';") == "locked", "(c) BEGIN EXCLUSIVE did not succeed")
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        t_term = time.monotonic()
        # Longer than the store's default 5 s stop timeout, which lost the buffer before.
        time.sleep(7.0)
        check(proc.poll() is None, "(c) the daemon exited while the lock was held (results dropped)")
        stopper.say("COMMIT;", expect_line=False)
        stopper.close()
        rc = proc.wait(timeout=30)
        t_exit = time.monotonic()
        proc = None
        log.close()
        mark(f"(c) SIGTERM under a held lock: waited, exit {rc} {t_exit - t_term:.1f} s after it "
             f"(lock released at 7.0 s)")
        check(rc == 0, f"SIGTERM: exit {rc}")
        stats = servers.stop()
        servers = None
        offset1 = fc.wall_minus_mono()
        ic = fc.sqlite(db, "PRAGMA integrity_check", readonly=False)
        check(ic == "ok", f"integrity_check says {ic!r}")

        events = fc.server_events(stats)
        stored = fc.db_rows(db)
        missing, unpaired, lat = fc.match(events, stored, (offset0 + offset1) / 2, window=1.3)
        in_flight = [m for m in missing if t_term - m[1] <= 1.0]
        lost = [m for m in missing if t_term - m[1] > 1.0]
        n_events = sum(len(v) for v in events.values())
        n_rows = sum(len(v) for v in stored.values())
        check(not lost, f"{len(lost)} answered probes were never stored: "
              + ", ".join(f"{s} at {t - t0:.2f} s" for s, t in lost[:10]))
        bad_unpaired = [u for u in unpaired if u[2]]
        check(not bad_unpaired, f"{len(bad_unpaired)} successful rows no server answer explains")
        check(final.get("netvigil_measurements_dropped_total", -1) == 0,
              f"dropped_total {final.get('netvigil_measurements_dropped_total')}")
        busy = final.get("netvigil_store_busy_retries_total", 0)
        check(busy >= 3, f"busy_retries_total {busy}: the held lock was not counted")
        log_text = open(f"{work}/daemon.log", encoding="utf-8").read()
        said_locked = [l for l in log_text.splitlines() if "is locked by another process" in l]
        said_released = [l for l in log_text.splitlines() if "lock released" in l]
        check(said_locked and said_released, "the daemon did not log the held lock and its release")

        print("samples (t s, phase, rows, WAL bytes, buffered, write_errors_total, last write age s, dropped):")
        for s in samples:
            lw = s.get("netvigil_store_last_write_timestamp_seconds", 0)
            age = (s["t"] + t0 + offset0 - lw) if lw else float("nan")
            print(f"  {s['t']:6.2f} {s['phase']:<12} {s['rows']:6} {s['wal']:9} "
                  f"{s.get('netvigil_store_buffered_measurements', float('nan')):6g} "
                  f"{s.get('netvigil_store_write_errors_total', float('nan')):4g} {age:6.1f} "
                  f"{s.get('netvigil_measurements_dropped_total', float('nan')):4g}")
        print("figures:")
        print(f"  busy retries counted: {busy:g}; log: {said_locked[:1]} / {said_released[:1]}")
        print(f"  (a) reader held {args.reader_hold:g} s: {rows_a1 - rows_a0} rows committed meanwhile, "
              f"WAL up to {reader_wal} B; export beside it exit {ex.returncode}, {te:.2f} s, "
              f"{exported} measurements")
        print(f"  (b) exclusive lock held {t_unlock - t_lock:.1f} s: rows flat at {rows_b0}; /metrics "
              f"buffered up to {max_buf:g}, write_errors_total "
              f"{locked[-1].get('netvigil_store_write_errors_total') if locked else '?'} "
              f"(busy waits are not write errors), last-write timestamp frozen over {stall:.1f} s; "
              f"rows again {t_resume - t_unlock if t_resume else float('nan'):.2f} s after the unlock, "
              f"buffer empty after {t_drained - t_unlock if t_drained else float('nan'):.2f} s")
        print(f"  independent count: {n_events} answers logged by the servers, {n_rows} rows, "
              f"{len(lat)} paired; missing {len(missing)} ({len(in_flight)} in flight at the "
              f"SIGTERM, {len(lost)} lost); rows without an answer {len(unpaired)}; "
              f"dropped_total {final.get('netvigil_measurements_dropped_total')}; "
              f"integrity_check {ic!r}")
        print(f"  time: {time.monotonic() - t0:.1f} s")
    except fc.TestFailure as e:
        check(False, str(e))
    except subprocess.TimeoutExpired as e:
        check(False, f"timed out: {e.cmd}")
    finally:
        for sh in shells:
            sh.kill()
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if servers:
            servers.kill()
    if failures:
        print(f"FAILED: {len(failures)} check(s); files kept in {work}")
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
