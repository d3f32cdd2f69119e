"""CPU and memory of running processes from /proc, and of finished children from wait4."""
import os
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_times(pid):
    """(utime, stime) of a live process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        text = f.read()
    # The command name may hold spaces: fields start after the last ')'.
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def cpu_seconds(pid):
    """utime + stime of a live process (all its threads), in seconds."""
    return sum(cpu_times(pid))


def memory_kib(pid):
    """VmRSS, VmHWM, RssAnon, RssFile of /proc/PID/status in KiB."""
    keys = ("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:")
    got = dict.fromkeys(keys, 0)
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            k = line.split(":", 1)[0] + ":"
            if k in got:
                got[k] = int(line.split()[1])
    return tuple(got[k] for k in keys)


class Snapshot:
    """CPU, RSS and peak RSS of one process at one moment."""

    def __init__(self, pid):
        self.t = time.monotonic()
        self.user, self.sys = cpu_times(pid)
        self.cpu = self.user + self.sys
        self.rss_kib, self.hwm_kib, self.anon_kib, self.file_kib = memory_kib(pid)


def run_measured(cmd, timeout, stdout, stderr, env=None):
    """Run a child to completion; return (exit code, wall s, cpu s, max RSS KiB, sys s)."""
    import subprocess
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env)
    deadline = t0 + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, ru = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return -9, time.monotonic() - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, ru.ru_stime
        time.sleep(0.01)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, ru.ru_stime
