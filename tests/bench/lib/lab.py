"""The benchmark's loopback lab: a test CA, one nginx serving every t<i>.bench.test name by
SNI on 127.0.0.1:8443 (no keep-alive, no session resumption), an /etc/hosts for the names
(bind-mounted in the private mount namespace only), and the access log that proves one
fresh connection and one full handshake per probe."""
import os
import signal
import subprocess
import time

PORT = 8443
DOMAIN = "bench.test"


def host_name(i):
    return f"t{i:05d}.{DOMAIN}"


def url(i):
    return f"https://{host_name(i)}:{PORT}/"


def _run(cmd, timeout=60):
    subprocess.run(cmd, check=True, timeout=timeout, capture_output=True, text=True)


def make_pki(d):
    """CA and one leaf for *.bench.test; EC P-256 keys as a small device would use."""
    def key(name):
        _run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-out", f"{d}/{name}.key"])

    key("ca")
    _run(["openssl", "req", "-x509", "-new", "-key", f"{d}/ca.key", "-out", f"{d}/ca.pem",
          "-days", "2", "-subj", "/CN=netvigil bench CA",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    key("leaf")
    _run(["openssl", "req", "-new", "-key", f"{d}/leaf.key", "-out", f"{d}/leaf.csr",
          "-subj", f"/CN=bench.{DOMAIN}"])
    with open(f"{d}/leaf.ext", "w", encoding="utf-8") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                f"extendedKeyUsage=serverAuth\nsubjectAltName=DNS:*.{DOMAIN}\n")
    _run(["openssl", "x509", "-req", "-in", f"{d}/leaf.csr", "-CA", f"{d}/ca.pem",
          "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2", "-extfile",
          f"{d}/leaf.ext", "-out", f"{d}/leaf.pem"])
    return f"{d}/ca.pem"


def bind_hosts(d, n):
    """Give this mount namespace an /etc/hosts naming every target (the host's file is
    untouched: the bind mount lives and dies with the namespace)."""
    path = f"{d}/hosts"
    with open(path, "w", encoding="ascii") as f:
        f.write("127.0.0.1 localhost\n::1 localhost\n")
        for i in range(n):
            f.write(f"127.0.0.1 {host_name(i)}\n")
    _run(["mount", "--bind", path, "/etc/hosts"])


NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 8192;
pid {d}/nginx.pid;
error_log {d}/nginx.error.log warn;
events {{ worker_connections 4096; }}
http {{
  log_format bench '$msec $connection $connection_requests $ssl_session_reused '
                   '$ssl_protocol $status $ssl_server_name';
  access_log {d}/access.log bench;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server_tokens off;
  keepalive_timeout 0;
  ssl_session_cache off;
  ssl_session_tickets off;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {{
    listen 127.0.0.1:{port} ssl backlog=4096;
    server_name *.{domain};
    ssl_certificate {d}/leaf.pem;
    ssl_certificate_key {d}/leaf.key;
    location / {{ default_type text/plain; return 200 "ok\\n"; }}
  }}
}}
"""


class Nginx:
    def __init__(self, d):
        self.dir = d
        self.log_path = f"{d}/access.log"
        conf = f"{d}/nginx.conf"
        with open(conf, "w", encoding="ascii") as f:
            f.write(NGINX_CONF.format(d=d, port=PORT, domain=DOMAIN))
        _run(["nginx", "-t", "-q", "-p", f"{d}/", "-e", "stderr", "-c", conf])
        self.err = open(f"{d}/nginx.stderr", "w", encoding="utf-8")
        self.proc = subprocess.Popen(["nginx", "-p", f"{d}/", "-e", "stderr", "-c", conf],
                                     stdout=self.err, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.log_path) or not _port_open(PORT):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start; see {d}/nginx.stderr")
            time.sleep(0.05)
        self.pid = self.proc.pid

    def log_offset(self):
        return os.path.getsize(self.log_path)

    def entries(self, start, end=None):
        """Parsed access-log lines between two byte offsets."""
        with open(self.log_path, "rb") as f:
            f.seek(start)
            data = f.read() if end is None else f.read(end - start)
        out = []
        for line in data.decode("ascii", "replace").splitlines():
            p = line.split()
            if len(p) < 7:
                continue
            out.append({"t": float(p[0]), "conn": int(p[1]), "reqs": int(p[2]),
                        "reused": p[3], "proto": p[4], "status": int(p[5]), "sni": p[6]})
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.err.close()


def _port_open(port):
    import socket
    s = socket.socket()
    try:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0
    finally:
        s.close()


def connection_check(entries):
    """Proof of one fresh connection and one full handshake per request."""
    conns = {e["conn"] for e in entries}
    return {
        "requests": len(entries),
        "connections": len(conns),
        "reused_connections": sum(1 for e in entries if e["reqs"] != 1),
        "resumed_sessions": sum(1 for e in entries if e["reused"] == "r"),
        "non_200": sum(1 for e in entries if e["status"] != 200),
        "protocols": sorted({e["proto"] for e in entries}),
        "names": len({e["sni"] for e in entries}),
        "span_s": (max(e["t"] for e in entries) - min(e["t"] for e in entries)) if entries else 0,
    }
