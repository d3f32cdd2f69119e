"""Shared parts of the e2e tests: a private network namespace, a test PKI, the loopback
servers (servers.py), config files, and bounded runs of the real netvigil binary.

Every test re-executes itself under `unshare --net` (a fresh namespace with only lo, which
vanishes with its last process: nothing to remove by name), so the daemon can reach
nothing but the servers this test starts. Every process started is killed by PID."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NETNS_MARK = "NETVIGIL_E2E_NETNS"


class TestFailure(Exception):
    pass


def enter_private_netns():
    """Re-exec this script in a new network namespace with lo up (once)."""
    if os.environ.get(NETNS_MARK) == "inside":
        return
    env = dict(os.environ)
    env[NETNS_MARK] = "inside"
    cmd = ["unshare", "--net", "--", sys.executable, os.path.abspath(sys.argv[0])] + sys.argv[1:]
    try:
        proc = subprocess.Popen(cmd, env=env)
    except OSError as e:
        print(f"FAIL: cannot start unshare --net: {e}")
        sys.exit(1)
    try:
        rc = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    sys.exit(rc if rc >= 0 else 1)


def setup_loopback():
    """Inside the namespace: bring lo up and make sure nothing but lo exists."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    links = subprocess.run(["ip", "-o", "link", "show"], check=True, timeout=10,
                           capture_output=True, text=True).stdout.splitlines()
    names = [l.split(":")[1].strip().split("@")[0] for l in links if l.strip()]
    if names != ["lo"]:
        raise TestFailure(f"namespace is not loopback-only: {names}")


def run(cmd, timeout, **kw):
    return subprocess.run(cmd, timeout=timeout, check=True, capture_output=True, text=True, **kw)


def make_pki(d):
    """CA, a cert for good.test and *.fast.test, one for wrong.test, and a good.test cert
    from a second CA netvigil does not trust. EC P-256 keys: cheap handshakes."""
    def key(name):
        run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", f"{d}/{name}.key"], 30)

    def ca(name, cn):
        key(name)
        run(["openssl", "req", "-x509", "-new", "-key", f"{d}/{name}.key", "-out", f"{d}/{name}.pem",
             "-days", "2", "-subj", f"/CN={cn}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"], 30)

    def leaf(name, ca_name, cn, sans):
        key(name)
        run(["openssl", "req", "-new", "-key", f"{d}/{name}.key", "-out", f"{d}/{name}.csr",
             "-subj", f"/CN={cn}"], 30)
        ext = f"{d}/{name}.ext"
        with open(ext, "w", encoding="utf-8") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                    "extendedKeyUsage=serverAuth\nsubjectAltName=" +
                    ",".join(f"DNS:{s}" for s in sans) + "\n")
        run(["openssl", "x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/{ca_name}.pem",
             "-CAkey", f"{d}/{ca_name}.key", "-CAcreateserial", "-days", "2",
             "-extfile", ext, "-out", f"{d}/{name}.pem"], 30)

    ca("ca", "netvigil e2e CA")
    ca("other-ca", "unknown e2e CA")
    leaf("good", "ca", "good.test", ["good.test", "*.fast.test"])
    leaf("wrong", "ca", "wrong.test", ["wrong.test"])
    leaf("stranger", "other-ca", "good.test", ["good.test"])
    return {n: (f"{d}/{n}.pem", f"{d}/{n}.key") for n in ("good", "wrong", "stranger")}


class Servers:
    """servers.py as a child process; ports once ready, stats after stop()."""

    def __init__(self, workdir, spec, script=None):
        self.dir = workdir
        self.spec_path = f"{workdir}/servers-spec.json"
        self.ready_path = f"{workdir}/servers-ready.json"
        self.stats_path = f"{workdir}/servers-stats.json"
        with open(self.spec_path, "w", encoding="utf-8") as f:
            json.dump(spec, f)
        self.log = open(f"{workdir}/servers.log", "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, script or f"{HERE}/servers.py", "--spec", self.spec_path,
             "--ready", self.ready_path, "--stats", self.stats_path],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.ready_path):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise TestFailure("the loopback servers did not start; see " + self.log.name)
            time.sleep(0.05)
        with open(self.ready_path, encoding="utf-8") as f:
            self.ports = json.load(f)

    def stop(self):
        """SIGTERM, wait (bounded), and return the servers' statistics."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
                raise TestFailure("the loopback servers did not stop on SIGTERM")
        self.log.close()
        if not os.path.exists(self.stats_path):
            raise TestFailure("the loopback servers wrote no statistics")
        with open(self.stats_path, encoding="utf-8") as f:
            return json.load(f)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def write_yaml(path, data):
    import yaml
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False)


def base_config(workdir, catalog_path, dns_port=None, **schedule):
    cfg = {
        "vantage": {"id": "e2e-1", "country": "IR", "asn": "AS64500",
                    "network_type": "broadband", "timezone": "UTC"},
        "database": f"{workdir}/netvigil.db",
        "http": {"listen": "127.0.0.1:9567"},
        "ca_file": f"{workdir}/ca.pem",
        "catalogs": [catalog_path],
        "schedule": {"interval": "60s", "jitter": "0s", "timeout": "3s", "max_in_flight": 16},
        "bogons": {"ordinary": ["192.0.2.0/24"]},
        "blockpage_addresses": ["198.51.100.35"],
    }
    cfg["schedule"].update(schedule)
    if dns_port is not None:
        cfg["resolvers"] = [{"name": "lab", "address": "127.0.0.1", "port": dns_port,
                             "transports": ["udp"]}]
    return cfg


def catalog(probes, **extra):
    c = {"catalog": "e2e", "reviewed": "2026-11-26", "license": "CC-BY-4.0",
         "description": "End-to-end test targets on loopback.", "probes": probes}
    c.update(extra)
    return c


SOURCE = "https://www.rfc-editor.org/rfc/rfc6761"


def check_config(netvigil, config_path):
    r = subprocess.run([netvigil, "check", "-c", config_path], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise TestFailure(f"netvigil check rejected the test config (exit {r.returncode}):\n"
                          f"{r.stdout}{r.stderr}")


def parse_json_lines(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            out.append(json.loads(line))
    return out


def new_workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)
