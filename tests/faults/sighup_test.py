#!/usr/bin/env python3
"""faults: a running daemon given a bad config on SIGHUP keeps the old one and says why
(issue 8, "Bad input").

  sighup_test.py --netvigil BIN

In its own network namespace (only lo): `netvigil run` measures probes of an "old" loopback
server every second. Its config file is then replaced by broken ones, each followed by
SIGHUP: a wrong type at a known line, then a catalog that does not exist. Each time the
daemon must log `reload refused, keeping the running config: FILE:LINE:COL: message` with
the exact position, set netvigil_config_reload_success to 0, and keep measuring the old
probes (the old server's count keeps rising at the same rate, the new server sees nothing).
Finally a good config naming a "new" server's probes + SIGHUP: the daemon logs `reloaded`,
the gauge goes back to 1, the new probes run and the old ones stop.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_harness as fh  # noqa: E402

N = 5  # probes per server


def write_config_text(path, text):
    """Replace the file as an editor would (new inode, then rename)."""
    with open(path + ".new", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".new", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvigil", required=True)
    args = ap.parse_args()
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: no netvigil binary at {args.netvigil}")
        return 1
    fh.require_tools("unshare", "ip")
    fh.enter_namespace()
    t_start = time.monotonic()
    work = fh.e2e.new_workdir("nv-faults-sighup-")
    failures = []

    def check(cond, text):
        if not cond:
            failures.append(text)
            print(f"  FAIL {text}")
        return cond

    srv = daemon = None
    try:
        import yaml
        srv = fh.LiveServers([{"name": "old", "mode": "http"}, {"name": "new", "mode": "http"}])
        cat_old, cat_new = f"{work}/old.yaml", f"{work}/new.yaml"
        fh.e2e.write_yaml(cat_old, fh.e2e.catalog(fh.http_probes("old", srv.ports["old"], N)))
        fh.e2e.write_yaml(cat_new, fh.e2e.catalog(fh.http_probes("new", srv.ports["new"], N)))
        port = fh.free_port()
        cfg = f"{work}/netvigil.yaml"
        good_old = fh.config(work, cat_old, f"{work}/netvigil.db", port)
        good_text = yaml.safe_dump(good_old, sort_keys=False)
        write_config_text(cfg, good_text)
        fh.e2e.check_config(args.netvigil, cfg)
        daemon = fh.Daemon(args.netvigil, cfg, f"{work}/daemon.log", port)
        m = daemon.wait_metrics()
        check(m.get("netvigil_config_reload_success") == 1,
              f"netvigil_config_reload_success at start: {m.get('netvigil_config_reload_success')}")

        def rate(seconds):
            """Requests per second at each server over `seconds` (the daemon must stay up)."""
            a, b = srv.count("old"), srv.count("new")
            time.sleep(seconds)
            if not daemon.alive():
                raise fh.TestFailure(f"the daemon exited ({daemon.proc.returncode})")
            return (srv.count("old") - a) / seconds, (srv.count("new") - b) / seconds

        def hup_and_wait(pattern, before, limit=10):
            daemon.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + limit
            while time.monotonic() < deadline:
                lines = daemon.log_lines(pattern)
                if len(lines) > before:
                    return lines[before:]
                time.sleep(0.1)
            raise fh.TestFailure(f"no log line matching {pattern!r} within {limit} s of SIGHUP")

        time.sleep(2)
        old0, new0 = rate(3)
        print(f"  start: old server {old0:.1f} req/s, new server {new0:.1f} req/s")
        check(old0 >= 0.8 * N and new0 == 0, f"start: old {old0:.1f}/s, new {new0:.1f}/s")

        # 1. A wrong type at a known line.
        lines = good_text.splitlines()
        at = next(i for i, l in enumerate(lines) if l.strip().startswith("max_in_flight:"))
        lines[at] = lines[at].split(":")[0] + ": [16]"
        col = lines[at].index("[") + 1
        write_config_text(cfg, "\n".join(lines) + "\n")
        expect1 = (f"netvigil: reload refused, keeping the running config: {cfg}:{at + 1}:{col}: "
                   "max_in_flight: expected an integer from 1 to 4096, found a list")
        # 2. A catalog that cannot be opened (the config's own position of the entry).
        broken2 = dict(good_old, catalogs=[f"{work}/missing.yaml"])
        text2 = yaml.safe_dump(broken2, sort_keys=False)
        lines2 = text2.splitlines()
        at2 = next(i for i, l in enumerate(lines2) if "missing.yaml" in l)
        col2 = lines2[at2].index("-") + 3
        expect2 = (f"netvigil: reload refused, keeping the running config: {cfg}:{at2 + 1}:{col2}: "
                   f"catalogs: cannot open catalog \"{work}/missing.yaml\": No such file or directory")
        refused = 0
        for name, expect, text in (("wrong type", expect1, None), ("missing catalog", expect2, text2)):
            if text is not None:
                write_config_text(cfg, text)
            got = hup_and_wait(r"reload refused", refused)
            refused += len(got)
            print(f"  SIGHUP with a bad config ({name}); the daemon logged:")
            for l in got:
                print(f"    {l}")
            check(got == [expect], f"{name}: logged {got}, expected [{expect!r}]")
            time.sleep(0.5)
            m = daemon.metrics()
            check(m.get("netvigil_config_reload_success") == 0,
                  f"{name}: netvigil_config_reload_success {m.get('netvigil_config_reload_success')}")
            o, n = rate(4)
            print(f"    then: old server {o:.1f} req/s, new server {n:.1f} req/s, "
                  f"netvigil_config_reload_success {m.get('netvigil_config_reload_success'):g}")
            check(o >= 0.8 * N and n == 0, f"{name}: old {o:.1f}/s, new {n:.1f}/s after the refused reload")
        check(not daemon.log_lines(r"reloaded"), "a broken config was reported as reloaded")

        # 3. A good config naming the new server's probes.
        write_config_text(cfg, yaml.safe_dump(dict(good_old, catalogs=[cat_new]), sort_keys=False))
        got = hup_and_wait(r"netvigil: reloaded: ", 0)
        print(f"  SIGHUP with a good config; the daemon logged: {got}")
        check(got == [f"netvigil: reloaded: {N} jobs"], f"reload logged {got}")
        time.sleep(2)  # runs of the old generation in flight finish
        m = daemon.metrics()
        o, n = rate(4)
        print(f"    then: old server {o:.1f} req/s, new server {n:.1f} req/s, "
              f"netvigil_config_reload_success {m.get('netvigil_config_reload_success'):g}")
        check(m.get("netvigil_config_reload_success") == 1,
              f"after the good reload: netvigil_config_reload_success {m.get('netvigil_config_reload_success')}")
        check(o == 0 and n >= 0.8 * N, f"after the good reload: old {o:.1f}/s, new {n:.1f}/s")
        rc = daemon.terminate()
        check(rc == 0, f"SIGTERM: exit {rc}")
        rows = fh.rows_by_probe(f"{work}/netvigil.db")
        print(f"  stored rows: {sum(len(v) for k, v in rows.items() if k.startswith('old'))} old, "
              f"{sum(len(v) for k, v in rows.items() if k.startswith('new'))} new; exit {rc}")
        srv.stop()
        srv = None
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
