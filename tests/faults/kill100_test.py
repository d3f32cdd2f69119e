#!/usr/bin/env python3
"""faults: SIGKILL of `netvigil run` at random moments, 100 times in a row on the same
database (issue 8, "Crash safety").

  kill100_test.py --netvigil BIN [--rounds 100] [--seed S] [--min-delay 0.2] [--max-delay 2.5]

In its own network namespace (only lo): 40 loopback probes (24 HTTPS, 8 HTTP, 4 TCP, 4 DNS)
at a 1 s interval, so the daemon probes and commits all the time. Each round starts the
daemon on the same database and SIGKILLs it a seeded random delay after the start; then
`PRAGMA integrity_check` (a read-only sqlite3, so the WAL is left for the daemon to
recover) must say ok and no committed row may have gone.

The count is independent of the daemon: the servers log every answer with its time and
probe identity (logged_servers.py). At the end every logged answer is paired with its row;
an answer without a row may only be one the last unflushed batch held when a kill came:
answered at most 1 s + the store's commit interval (1 s, StoreOptions::commit_interval)
before that kill. `netvigil verify --chain` must accept the rollup chain the kills left.
"""
import argparse
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults_common as fc  # noqa: E402

e2e = fc.e2e
COMMIT_INTERVAL_S = 1.0   # StoreOptions::commit_interval (src/store/measurement_store.hpp)
PROBE_TIMEOUT_S = 0.8     # schedule.timeout below (must be under the 1 s interval)
MAX_LOSS_WINDOW_S = 1.0 + COMMIT_INTERVAL_S


def wal_checkpoint_seq(db):
    """The WAL header's checkpoint sequence number: +1 each time a writer restarts the WAL
    after a complete checkpoint. 0 when there is no WAL header yet."""
    try:
        with open(db + "-wal", "rb") as f:
            head = f.read(16)
    except OSError:
        return 0
    return struct.unpack(">I", head[12:16])[0] if len(head) == 16 else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--min-delay", type=float, default=0.2)
    ap.add_argument("--max-delay", type=float, default=2.5)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: no netvigil binary at {args.netvigil}")
        return 1
    for tool in ("sqlite3", "unshare", "openssl", "ip"):
        if shutil.which(tool) is None:
            print(f"FAIL: {tool} is missing")
            return 1
    if not 1 <= args.rounds <= 1000 or not 0 < args.min_delay <= args.max_delay <= 30:
        print("FAIL: --rounds must be 1..1000 and 0 < --min-delay <= --max-delay <= 30")
        return 1
    e2e.enter_private_netns()
    e2e.setup_loopback()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}, rounds {args.rounds}, kill delays U({args.min_delay}, {args.max_delay}) s "
          f"after the start")
    t_begin = time.monotonic()
    work = e2e.new_workdir("nv-faults-kill100-")
    failures = []

    def check(cond, text):
        if not cond:
            failures.append(text)
            print(f"  FAIL {text}")
        return cond

    servers = proc = None
    kills = []          # (round, monotonic time of the kill, delay)
    spawns = []         # monotonic time each round's daemon was started
    integrity = []      # per round
    rows_after = []
    wal_sizes = []      # WAL bytes just before each kill
    wal_resets = []     # the WAL header's checkpoint sequence number then
    try:
        pki = e2e.make_pki(work)
        spec, make_probes = fc.workload(pki)
        servers = fc.LoggedServers(work, spec)
        p = servers.ports
        probes = make_probes(p, 1)
        cat_path = f"{work}/catalog.yaml"
        e2e.write_yaml(cat_path, e2e.catalog(probes))
        cfg_path = f"{work}/netvigil.yaml"
        e2e.write_yaml(cfg_path, e2e.base_config(work, cat_path, dns_port=p["dns"], interval="1s",
                                                 timeout=f"{int(PROBE_TIMEOUT_S * 1000)}ms", max_in_flight=16))
        e2e.check_config(args.netvigil, cfg_path)
        db = f"{work}/netvigil.db"
        log = open(f"{work}/daemon.log", "w", encoding="utf-8")
        offset0 = fc.wall_minus_mono()
        t_loop = time.monotonic()
        committed = 0
        for rnd in range(1, args.rounds + 1):
            delay = rng.uniform(args.min_delay, args.max_delay)
            # This round's catalog: the same probes, their answers marked with the round.
            e2e.write_yaml(cat_path, e2e.catalog(make_probes(p, rnd)))
            spawns.append(time.monotonic())
            proc = subprocess.Popen([args.netvigil, "run", "-c", cfg_path], stdout=log, stderr=log)
            until = time.monotonic() + delay
            while time.monotonic() < until and proc.poll() is None:
                time.sleep(min(0.01, max(0.0, until - time.monotonic())))
            if not check(proc.poll() is None, f"round {rnd}: the daemon exited by itself "
                         f"({proc.returncode}); see {log.name}"):
                break
            wal = os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0
            wal_sizes.append(wal)
            wal_resets.append(wal_checkpoint_seq(db))
            proc.send_signal(signal.SIGKILL)
            t_kill = time.monotonic()
            proc.wait(timeout=10)
            proc = None
            kills.append((rnd, t_kill, delay))
            if not os.path.exists(db):
                integrity.append("no database yet")
                rows_after.append(0)
                print(f"  round {rnd:3}: kill at {delay:.2f} s, no database yet")
                continue
            ic = fc.sqlite(db, "PRAGMA integrity_check")
            n = int(fc.sqlite(db, "SELECT count(*) FROM measurements"))
            integrity.append(ic)
            rows_after.append(n)
            print(f"  round {rnd:3}: kill at {delay:.2f} s, WAL {wal:>8} B, integrity {ic!r}, "
                  f"rows {n} (+{n - committed})")
            check(ic == "ok", f"round {rnd}: integrity_check says {ic!r}")
            check(n >= committed, f"round {rnd}: {n} rows after the kill, {committed} before")
            committed = max(committed, n)
        t_loop = time.monotonic() - t_loop
        with open(f"{work}/kills.json", "w", encoding="utf-8") as f:
            json.dump({"kills": kills, "spawns": spawns, "wal": wal_sizes, "rows": rows_after}, f)
        log.close()
        stats = servers.stop()
        servers = None
        offset1 = fc.wall_minus_mono()

        # Independent count: every answer the servers logged against the rows.
        events = fc.server_events(stats)
        rows = fc.db_rows(db)
        missing, unpaired, lat = fc.match(events, rows, (offset0 + offset1) / 2,
                                          window=PROBE_TIMEOUT_S + 0.5)
        n_events = sum(len(v) for v in events.values())
        n_rows = sum(len(v) for v in rows.values())
        check(set(events) == {pr["id"] for pr in probes},
              f"the servers saw {len(events)} of the {len(probes)} probes")
        # Each missing answer belongs to the run that asked for it: its round, or for TCP
        # the latest round of its listener set started before the answer.
        def run_of(t, tag):
            if tag[0] == "round":
                return tag[1] - 1 if 1 <= tag[1] <= len(kills) else None
            cands = [i for i in range(len(kills))
                     if (i + 1) % fc.TCP_SETS == tag[1] and spawns[i] <= t]
            return cands[-1] if cands else None

        per_kill = [0] * len(kills)
        late, ages = [], []
        for slug, t, tag in missing:
            i = run_of(t, tag)
            if i is None:
                late.append((slug, t, None, None))
                continue
            per_kill[i] += 1
            ages.append(kills[i][1] - t)
            if kills[i][1] - t > MAX_LOSS_WINDOW_S:
                late.append((slug, t, kills[i][1] - t, kills[i]))
        check(not late, f"{len(late)} answered probes have no row although their kill came more "
              f"than {MAX_LOSS_WINDOW_S:g} s later: "
              + ", ".join(f"{s} ({'no run' if d is None else f'{d:.2f} s before the kill of round {k[0]}, {k[2]:.2f} s after its start'})"
                          for s, _, d, k in late[:10]))
        bad_unpaired = [u for u in unpaired if u[2]]
        check(not bad_unpaired, f"{len(bad_unpaired)} successful rows no server answer explains: "
              f"{bad_unpaired[:5]}")
        chain = subprocess.run([args.netvigil, "verify", "--chain", "-c", cfg_path],
                               capture_output=True, text=True, timeout=120)
        check(chain.returncode == 0, f"verify --chain: exit {chain.returncode}: "
              f"{(chain.stdout + chain.stderr).strip()[-400:]}")
        final_ic = fc.sqlite(db, "PRAGMA integrity_check", readonly=False)
        check(final_ic == "ok", f"final read-write integrity_check says {final_ic!r}")

        ok_rounds = sum(1 for ic in integrity if ic == "ok")
        progress = sum(1 for a, b in zip([0] + rows_after, rows_after) if b > a)
        print("figures:")
        print(f"  kills (SIGKILL): {len(kills)} of {args.rounds}; integrity_check ok after "
              f"{ok_rounds} ({len(integrity) - ok_rounds} other: "
              f"{sorted(set(ic for ic in integrity if ic != 'ok'))}); final read-write check "
              f"{final_ic!r}; verify --chain exit {chain.returncode}")
        print(f"  rounds that committed new rows: {progress}; WAL before the kills "
              f"{min(wal_sizes, default=0)}..{max(wal_sizes, default=0)} B, checkpoint sequence "
              f"{min(wal_resets, default=0)}..{max(wal_resets, default=0)} (WAL restarted after "
              f"a complete checkpoint)")
        print(f"  rows in the database: {n_rows}; answers the servers logged: {n_events}; "
              f"paired {len(lat)} (answer − start p50 {fc.percentile(lat, .5) * 1000:.0f} ms, "
              f"max {max(lat, default=0) * 1000:.0f} ms)")
        print(f"  rows without a server answer: {len(unpaired)} ({len(bad_unpaired)} of them ok)")
        print(f"  missing (answered, never stored): {len(missing)} in total, per kill max "
              f"{max(per_kill, default=0)}, mean {len(missing) / max(1, len(kills)):.1f}; "
              f"answer→kill age of the missing: "
              f"{min(ages, default=0):.2f}..{max(ages, default=0):.2f} s (bound {MAX_LOSS_WINDOW_S:g} s; "
              f"below 0: the server read the request after the kill)")
        print(f"  time: kill loop {t_loop:.1f} s, whole test {time.monotonic() - t_begin:.1f} s")
        if chain.returncode == 0:
            print("  verify --chain: " + chain.stdout.strip().splitlines()[-1][:200]
                  if chain.stdout.strip() else "  verify --chain: ok")
    except fc.TestFailure as e:
        check(False, str(e))
    except subprocess.TimeoutExpired as e:
        check(False, f"timed out: {e.cmd}")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if servers:
            servers.kill()
    if failures or len(kills) != args.rounds:
        print(f"FAILED: {len(failures)} check(s), {len(kills)}/{args.rounds} kills; files kept in {work}")
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
