#!/usr/bin/env python3
"""Test of tests/lab/schedule: switches happen at their offsets, are in effect while they
last, and are logged in UTC with milliseconds; a bad schedule switches nothing."""
import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab_test import HERE, Failures, run  # noqa: E402

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z ([a-z-]+)$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("FAIL: the lab needs root; it is not skipped", file=sys.stderr)
        return 1
    lab_dir = os.path.join(args.runs, "schedule")
    if os.path.exists(lab_dir):
        shutil.rmtree(lab_dir)
    environ = dict(os.environ, LAB_DIR=lab_dir, LAB_ID="s" + os.urandom(3).hex(), LAB_KEEP="1")
    out = Failures()
    try:
        if run([os.path.join(HERE, "up")], 120, check=False, env=environ).returncode != 0:
            out.add("the lab could not be built")
            return 1
        bad = os.path.join(lab_dir, "bad.schedule")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("0 normal\n5 no-such-scenario\n")
        badlog = os.path.join(lab_dir, "bad.log")
        if run([os.path.join(HERE, "schedule"), bad, badlog], 30, check=False, env=environ).returncode == 0:
            out.add("a schedule naming an unknown scenario was accepted")
        if os.path.exists(badlog):
            out.add("a rejected schedule still switched something")

        sched = os.path.join(lab_dir, "test.schedule")
        with open(sched, "w", encoding="utf-8") as f:
            f.write("# offset scenario\n0 intl-blackout\n20 dns-poison\n22 normal\n")
        log = os.path.join(lab_dir, "schedule.log")
        t0 = time.time()
        runner = subprocess.Popen([os.path.join(HERE, "schedule"), sched, log], env=environ)
        try:
            time.sleep(1.0)
            # While intl-blackout lasts, the lab must behave as intl-blackout.
            chk = run([os.path.join(HERE, "check"), "intl-blackout"], 30, check=False, env=environ)
            if chk.returncode != 0:
                out.add("between +1 s and +20 s the lab did not behave as intl-blackout")
            if time.time() - t0 > 19.5:
                out.add("check took too long to prove the first switch")
            rc = runner.wait(timeout=60)
        finally:
            if runner.poll() is None:
                runner.kill()
                runner.wait()
        if rc != 0:
            out.add(f"schedule exited {rc}")
        with open(log, encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f]
        print("schedule.log:\n  " + "\n  ".join(lines))
        names = []
        stamps = []
        for line in lines:
            m = LINE.match(line)
            if not m:
                out.add(f"log line not 'YYYY-MM-DDTHH:MM:SS.mmmZ SCENARIO': {line!r}")
                continue
            stamps.append(datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
                          .replace(tzinfo=datetime.timezone.utc).timestamp())
            names.append(m.group(2))
        if names != ["intl-blackout", "dns-poison", "normal"]:
            out.add(f"switches logged {names}, expected intl-blackout, dns-poison, normal")
        elif len(stamps) == 3:
            for want, got in zip((0, 20, 22), stamps):
                # Logged once the switch took effect: a little after its offset, never before.
                if not (t0 + want - 0.05 <= got <= t0 + want + 1.5):
                    out.add(f"switch for +{want} s logged at +{got - t0:.3f} s")
            print("offsets seen: " + ", ".join(f"+{s - t0:.3f} s" for s in stamps))
        with open(os.path.join(lab_dir, "scenario"), encoding="utf-8") as f:
            if f.read().strip() != "normal":
                out.add("the lab is not in the last scheduled scenario")
        if run([os.path.join(HERE, "check"), "normal"], 60, check=False, env=environ).returncode != 0:
            out.add("after the schedule the lab does not behave as normal")
    finally:
        if os.path.exists(os.path.join(lab_dir, "lab.env")):
            if run([os.path.join(HERE, "down")], 60, check=False, env=environ).returncode != 0:
                out.add("down failed")
    print(f"schedule runner: {len(out.items)} failures")
    return 1 if out.items else 0


if __name__ == "__main__":
    sys.exit(main())
