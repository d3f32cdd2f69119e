#!/usr/bin/env python3
"""e2e: SIGKILL of the daemon mid-sweep leaves a database that passes
`PRAGMA integrity_check` (issue 2, "what it must show" 5).

  kill9_test.py --netvigil BIN [--rounds 10] [--seed N]

In its own network namespace (only lo): `netvigil run` on a loopback catalog (HTTPS,
blackholed, refused, TCP and DNS probes) with interval 1 s, so it writes all the time.
Each round starts the daemon on the same database, waits until it has stored new rows,
kills it with SIGKILL at a random moment while probes hold connections (read from
/proc/net/tcp: mid-sweep), and checks with the sqlite3 CLI that the
database is intact and that no committed row was lost. Meanwhile /proc/PID/task must
show the same threads all along: the loop, the store's writer and the metrics server's
civetweb threads (no thread per probe or lookup). A last round ends with SIGTERM,
which must exit 0. Rounds, moments, row counts and WAL sizes are printed.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common as e2e  # noqa: E402


def sqlite(db, sql, timeout=20):
    r = subprocess.run(["sqlite3", "-cmd", ".timeout 5000", db, sql], capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        raise e2e.TestFailure(f"sqlite3 {sql!r}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout.strip()


def rows(db):
    return int(sqlite(db, "SELECT count(*) FROM measurements"))


def probe_connections(ports):
    """Client sockets open (SYN_SENT or ESTABLISHED) towards `ports` in this namespace."""
    n = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(path, encoding="utf-8") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                rem_port = int(parts[2].rsplit(":", 1)[1], 16)
                if rem_port in ports and parts[3] in ("01", "02"):
                    n += 1
    return n


def thread_names(pid):
    """Thread names (comm) of a live process; [] once it is gone."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/comm", encoding="utf-8") as f:
                    out.append(f.read().strip())
            except OSError:
                pass
    except OSError:
        pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: no netvigil binary at {args.netvigil}")
        return 1
    if shutil.which("sqlite3") is None:
        print("FAIL: the sqlite3 CLI is missing (Debian package sqlite3)")
        return 1
    e2e.enter_private_netns()
    e2e.setup_loopback()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}")
    work = e2e.new_workdir("nv-e2e-kill9-")
    failures = []

    def check(cond, text):
        if not cond:
            failures.append(text)
            print(f"  FAIL {text}")
        return cond

    servers = None
    proc = None
    kills = 0
    try:
        pki = e2e.make_pki(work)
        good = pki["good"]
        servers = e2e.Servers(work, {
            "listeners": [{"name": "web", "mode": "https", "cert": good[0], "key": good[1],
                           "body": "<title>w</title>" + "z" * 2000},
                          {"name": "hole", "mode": "blackhole"},
                          {"name": "closed", "mode": "closed"}],
            "dns": {"ok.test": {"a": ["192.0.2.10"]}, "nx.test": {"rcode": 3}}})
        p = servers.ports
        probes = []
        for i in range(40):
            probes.append({"id": f"k9-web-{i:02d}", "kind": "http", "group": "international",
                           "url": f"https://w{i:02d}.fast.test:{p['web']}/{i}", "address": "127.0.0.1",
                           "source": e2e.SOURCE})
        for i in range(4):
            probes.append({"id": f"k9-hole-{i}", "kind": "http", "group": "international",
                           "url": f"https://good.test:{p['hole']}/", "address": "127.0.0.1",
                           "source": e2e.SOURCE})
        probes += [
            {"id": "k9-refused", "kind": "tcp", "group": "domestic", "host": "127.0.0.1",
             "ports": [p["closed"]], "source": e2e.SOURCE},
            {"id": "k9-tcp", "kind": "tcp", "group": "domestic", "host": "127.0.0.1",
             "ports": [p["web"]], "source": e2e.SOURCE},
            {"id": "k9-dns", "kind": "dns", "group": "isp", "host": "ok.test", "resolvers": ["lab"],
             "qtypes": ["A"], "source": e2e.SOURCE},
            {"id": "k9-nx", "kind": "dns", "group": "isp", "host": "nx.test", "resolvers": ["lab"],
             "qtypes": ["A"], "source": e2e.SOURCE},
        ]
        cat_path = f"{work}/catalog.yaml"
        e2e.write_yaml(cat_path, e2e.catalog(probes))
        cfg_path = f"{work}/netvigil.yaml"
        e2e.write_yaml(cfg_path, e2e.base_config(work, cat_path, dns_port=p["dns"], interval="1s",
                                                 timeout="800ms", max_in_flight=16))
        e2e.check_config(args.netvigil, cfg_path)
        db = f"{work}/netvigil.db"
        log = open(f"{work}/daemon.log", "w", encoding="utf-8")

        def start():
            return subprocess.Popen([args.netvigil, "run", "-c", cfg_path], stdout=log, stderr=log)

        def wait_for_rows(proc, before, limit):
            """Until the daemon has stored rows beyond `before` (bounded)."""
            deadline = time.monotonic() + limit
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise e2e.TestFailure(f"the daemon exited with {proc.returncode}; see {log.name}")
                if os.path.exists(db):
                    try:
                        if rows(db) > before:
                            return
                    except e2e.TestFailure:
                        pass  # schema not there yet
                time.sleep(0.2)
            raise e2e.TestFailure(f"no new rows within {limit} s")

        confirmed = 0
        threads, ps_shown = [], None
        for rnd in range(1, args.rounds + 1):
            proc = start()
            wait_for_rows(proc, confirmed, 40)
            moment = rng.uniform(0.1, 2.5)
            until = time.monotonic() + moment
            while time.monotonic() < until:
                th = thread_names(proc.pid)
                if th:
                    threads.append(th)
                time.sleep(0.01)
            if ps_shown is None:
                ps_shown = subprocess.run(["ps", "-T", "-p", str(proc.pid)], capture_output=True,
                                          text=True, timeout=10).stdout
                print("ps -T of the daemon mid-sweep:\n" + ps_shown.rstrip())
            if not check(proc.poll() is None, f"round {rnd}: the daemon exited by itself ({proc.returncode})"):
                break
            # Mid-sweep: kill only while probes hold connections (bounded wait).
            until = time.monotonic() + 5
            while probe_connections({p["web"], p["hole"]}) == 0 and time.monotonic() < until:
                time.sleep(0.005)
            in_flight = probe_connections({p["web"], p["hole"]})
            wal = os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc = None
            kills += 1
            integrity = sqlite(db, "PRAGMA integrity_check")
            n = rows(db)
            check(in_flight > 0, f"round {rnd}: no probe connection open at the kill")
            print(f"  round {rnd:2}: SIGKILL {moment:.2f} s after new rows, {in_flight} probe connections "
                  f"open, WAL {wal} bytes, "
                  f"integrity_check {integrity!r}, measurements {n}")
            check(integrity == "ok", f"round {rnd}: integrity_check says {integrity!r}")
            check(n >= confirmed, f"round {rnd}: {n} rows after the kill, {confirmed} were seen before")
            confirmed = max(confirmed, n)

        # The loop, the store's writer and the metrics server's (civetweb) threads; the same
        # set all along: no thread per probe or per lookup.
        own = [sum(1 for t in th if not t.startswith("civetweb-")) for th in threads]
        counts = [len(th) for th in threads]
        check(threads and max(own) <= 2, f"daemon: up to {max(own, default=0)} non-HTTP threads "
              "(the loop and the writer expected)")
        check(threads and min(counts) == max(counts), f"daemon thread count varied: {min(counts, default=0)}.."
              f"{max(counts, default=0)}")
        names = sorted({t for th in threads for t in th})
        print(f"  daemon threads over {len(threads)} samples: {min(counts, default=0)}..{max(counts, default=0)}"
              f" ({max(own, default=0)} loop/writer, names {names})")

        # The last run ends cleanly: SIGTERM flushes and exits 0.
        proc = start()
        wait_for_rows(proc, confirmed, 40)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
        proc = None
        check(rc == 0, f"SIGTERM: exit {rc}")
        integrity = sqlite(db, "PRAGMA integrity_check")
        n = rows(db)
        check(integrity == "ok", f"after SIGTERM: integrity_check says {integrity!r}")
        check(n > confirmed, f"after SIGTERM: {n} rows, not more than {confirmed}")
        fails = sqlite(db, "SELECT count(*) FROM measurements WHERE ok = 0")
        print(f"  SIGTERM run: exit {rc}, integrity_check {integrity!r}, measurements {n} "
              f"({fails} failed measurements stored as data)")
        log.close()
    except e2e.TestFailure as e:
        check(False, str(e))
    except subprocess.TimeoutExpired as e:
        check(False, f"timed out: {e.cmd}")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if servers:
            servers.kill()
    print(f"{kills} SIGKILLs, each followed by integrity_check")
    if failures or kills != args.rounds:
        print(f"FAILED: {len(failures)} check(s), {kills}/{args.rounds} kills; files kept in {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
