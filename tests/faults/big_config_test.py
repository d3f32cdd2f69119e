#!/usr/bin/env python3
"""faults: a 100 MB config file and a 100 MB catalog are refused quickly, with a positioned
message and exit 78, by `netvigil check` and `netvigil run` (issue 8, "Bad input").

  big_config_test.py --netvigil BIN [--near-limit]

In its own network namespace (only lo). The big files hold real bytes (YAML that would
parse: a config with padding comments, a catalog of 100 MB of probe entries), not holes.
Each command must exit 78 within 2 s with peak RSS under 64 MB (the loader checks the size
with fstat before reading a byte; the limit is 4 MiB, config_loader.hpp) and print exactly
FILE:LINE:COL: cannot open ...: file is larger than 4 MiB (N bytes); refusing to read it.
--near-limit also measures a catalog just under the limit (3.9 MiB, ~32k probes), which is
read and parsed: its time and peak RSS are printed, not judged (seconds, hundreds of MB).
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_harness as fh  # noqa: E402

SIZE = 100 * 1000 * 1000
LIMIT_TEXT = "file is larger than 4 MiB ({} bytes); refusing to read it"
PROBE = ('  - {{id: big-{i}, kind: tcp, group: domestic, host: 127.0.0.1, ports: [80], '
         'source: "https://www.rfc-editor.org/rfc/rfc6761"}}\n')



def sanitized(binary):
    """True for an AddressSanitizer build (tests/sanitize): its shadow memory makes RSS limits moot."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return "libasan" in out

def write_catalog(path, size, unique=False):
    """A catalog of probe entries (whole lines) up to `size` bytes, padded with a comment.
    Ids repeat per 1 MB block unless `unique` (slower): the big one is never parsed."""
    with open(path, "w", encoding="utf-8") as f:
        n = f.write("catalog: big\nreviewed: 2026-11-26\nlicense: CC-BY-4.0\nprobes:\n")
        i = 0
        block = "".join(PROBE.format(i=k) for k in range(7000))
        while n + len(block) <= size and not unique:
            n += f.write(block)
        line = PROBE.format(i=i)
        while n + len(line) <= size:
            n += f.write(line)
            i += 1
            line = PROBE.format(i=i)
        if size - n > 1:
            n += f.write("#" * (size - n - 1) + "\n")
    return os.path.getsize(path)


def write_padded_config(path, size):
    with open(path, "w", encoding="utf-8") as f:
        n = f.write("vantage:\n  id: big\n")
        pad = ("# " + "x" * 77 + "\n") * 10000
        while n + len(pad) <= size:
            n += f.write(pad)
        f.write("#" * (size - n - 1) + "\n")
    return os.path.getsize(path)


def measure(cmd, out_path):
    """(exit code, output, seconds, peak RSS in KiB) of one run; the RSS is GNU time's %M
    (the kernel's high-water mark of the exec'd program, via wait4)."""
    rss_path = out_path + ".rss"
    t0 = time.monotonic()
    with open(out_path, "w+", encoding="utf-8") as out:
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_path] + cmd, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            rc = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            raise fh.TestFailure(f"{' '.join(cmd)}: still running after 120 s")
        secs = time.monotonic() - t0
        out.seek(0)
        text = out.read()
    with open(rss_path, encoding="utf-8") as f:
        rss = int(f.read().split()[-1])
    return rc, text, secs, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--near-limit", action="store_true")
    args = ap.parse_args()
    if not os.access(args.netvigil, os.X_OK):
        print(f"FAIL: no netvigil binary at {args.netvigil}")
        return 1
    fh.require_tools("unshare", "ip")
    if not os.access("/usr/bin/time", os.X_OK):
        print("FAIL: /usr/bin/time is missing (Debian package time)")
        return 1
    fh.enter_namespace()
    t_start = time.monotonic()
    work = fh.e2e.new_workdir("nv-faults-bigconfig-")
    failures = []

    def check(cond, text):
        if not cond:
            failures.append(text)
            print(f"  FAIL {text}")
        return cond

    try:
        big_cfg = f"{work}/big-config.yaml"
        big_cat = f"{work}/big-catalog.yaml"
        small = f"{work}/netvigil.yaml"
        t0 = time.monotonic()
        n_cfg = write_padded_config(big_cfg, SIZE)
        n_cat = write_catalog(big_cat, SIZE)
        with open(small, "w", encoding="utf-8") as f:
            f.write(f"vantage:\n  id: big\ndatabase: {work}/netvigil.db\n"
                    f"http:\n  listen: 127.0.0.1:{fh.free_port()}\ncatalogs:\n  - big-catalog.yaml\n")
        print(f"  wrote {n_cfg} + {n_cat} bytes in {time.monotonic() - t0:.1f} s")
        cases = [
            ("check", big_cfg, f"{big_cfg}:1:1: cannot open config: " + LIMIT_TEXT.format(n_cfg)),
            ("run", big_cfg, f"{big_cfg}:1:1: cannot open config: " + LIMIT_TEXT.format(n_cfg)),
            ("check", small, f"{small}:7:5: catalogs: cannot open catalog \"big-catalog.yaml\": "
                             + LIMIT_TEXT.format(n_cat)),
            ("run", small, f"{small}:7:5: catalogs: cannot open catalog \"big-catalog.yaml\": "
                           + LIMIT_TEXT.format(n_cat)),
        ]
        print(f"  {'command':8} {'file':22} {'exit':>4} {'time s':>7} {'peak RSS MiB':>12}  message")
        for verb, path, expect in cases:
            rc, out, secs, rss_kib = measure([args.netvigil, verb, "-c", path], f"{work}/out.txt")
            lines = [l for l in out.splitlines() if l.strip()]
            what = "config" if path == big_cfg else "catalog"
            print(f"  {verb:8} {'100 MB ' + what:22} {rc:4} {secs:7.3f} {rss_kib / 1024:12.1f}  {lines}")
            check(rc == 78, f"{verb} {what}: exit {rc}, expected 78")
            check(lines[-1:] == [expect], f"{verb} {what}: printed {lines}, expected {expect!r}")
            check(secs < 2.0, f"{verb} {what}: took {secs:.2f} s")
            check(rss_kib < 64 * 1024 or sanitized(args.netvigil),
                  f"{verb} {what}: peak RSS {rss_kib / 1024:.0f} MiB")
        os.unlink(big_cfg)
        os.unlink(big_cat)

        if args.near_limit:
            near = 4 * 1024 * 1024 - 100 * 1024
            write_catalog(big_cat, near, unique=True)
            rc, out, secs, rss_kib = measure([args.netvigil, "check", "-c", small], f"{work}/out.txt")
            print(f"  near the limit: check of a {near} byte catalog: exit {rc} in {secs:.1f} s, "
                  f"peak RSS {rss_kib / 1024:.0f} MiB: {out.strip().splitlines()[-1:]}")
    except fh.TestFailure as e:
        check(False, str(e))
    return fh.verdict(failures, work, t_start)


if __name__ == "__main__":
    sys.exit(main())
