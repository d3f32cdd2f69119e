#!/usr/bin/env python3
"""Loopback test servers for the e2e tests: one single-threaded selector loop.

  servers.py --spec SPEC.json --ready READY.json --stats STATS.json

SPEC is {"listeners": [{"name", "mode", "host", "cert"?, "key"?, "body"?, "status"?,
"headers"?}], "dns": {"name": {"a": [...]} | {"rcode": 3}}}. Modes:
  https / http        answer one GET with status/body, then wait for the client to close
  blackhole           accept, read and discard, never answer
  reset_on_accept     accept and reset at once (SO_LINGER 0)
  reset_after_read    reset once the client's first bytes arrive (e.g. a ClientHello)
  reset_after_request read the request, then reset
  closed              a port that was bound and released: connects are refused
and "dns" adds a UDP DNS responder on 127.0.0.1. READY gets {"name": port, "dns": port}
once every socket listens. On SIGTERM the loop stops and STATS gets, per listener and in
total: accepted connections, connections open at most at once (from accept to the
client's close or reset), requests (path, SNI, connection number) and TLS failures.
Client closes are handled before new accepts in each loop pass, so a connection that
ended before the next one began is never counted as overlapping it.
"""
import argparse
import errno
import json
import os
import selectors
import signal
import socket
import ssl
import struct
import sys
import time


class Stats:
    def __init__(self):
        self.open_now = 0
        self.max_open = 0
        self.accepted = 0


class Listener:
    def __init__(self, spec, total):
        self.spec = spec
        self.name = spec["name"]
        self.mode = spec["mode"]
        self.total = total
        self.open_now = 0
        self.max_open = 0
        self.accepted = 0
        self.requests = []
        self.tls_failures = 0
        self.ctx = None
        self.sni = []
        family = socket.AF_INET6 if ":" in spec.get("host", "127.0.0.1") else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((spec.get("host", "127.0.0.1"), 0))
        self.port = self.sock.getsockname()[1]
        if self.mode == "closed":
            self.sock.close()
            self.sock = None
            return
        self.sock.listen(1024)
        self.sock.setblocking(False)
        if self.mode == "https":
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(spec["cert"], spec["key"])
            self.ctx.sni_callback = lambda s, name, c: self.sni.append(name or "")
        status = spec.get("status", 200)
        body = spec.get("body", "ok").encode()
        extra = "".join(f"{h}\r\n" for h in spec.get("headers", []))
        self.response = (f"HTTP/1.1 {status} X\r\nContent-Type: text/html\r\n"
                         f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body

    def opened(self):
        self.accepted += 1
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        t = self.total
        t.accepted += 1
        t.open_now += 1
        t.max_open = max(t.max_open, t.open_now)

    def closed(self):
        self.open_now -= 1
        self.total.open_now -= 1


def rst_close(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class Conn:
    """One accepted connection: TLS handshake, one request, answer, wait for EOF."""

    def __init__(self, listener, sock, number, sel):
        self.l = listener
        self.sock = sock
        self.number = number
        self.sel = sel
        self.inbuf = b""
        self.out = b""
        self.answered = False
        self.state = "handshake" if listener.mode == "https" else "read"
        if listener.mode == "https":
            self.sock = listener.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        sel.register(self.sock, selectors.EVENT_READ, self)

    def finish(self, reset=False):
        try:
            self.sel.unregister(self.sock)
        except (KeyError, ValueError):
            pass
        if reset:
            rst_close(self.sock)
        else:
            self.sock.close()
        self.l.closed()
        self.state = "done"

    def want(self, events):
        self.sel.modify(self.sock, events, self)

    def step(self):
        try:
            self._step()
        except (ssl.SSLWantReadError,):
            self.want(selectors.EVENT_READ)
        except ssl.SSLWantWriteError:
            self.want(selectors.EVENT_WRITE)
        except ssl.SSLError:
            if self.state == "handshake":
                self.l.tls_failures += 1
            self.finish()
        except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError):
            self.finish()
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return
            self.finish()

    def _step(self):
        if self.state == "handshake":
            self.sock.do_handshake()
            self.state = "read"
            self.want(selectors.EVENT_READ)
        while self.state == "read":
            data = self.sock.recv(65536)
            if not data:
                self.finish()
                return
            if self.l.mode == "reset_after_read":
                self.finish(reset=True)
                return
            if self.l.mode == "blackhole" or self.answered:
                continue  # discard; only EOF matters
            self.inbuf += data
            if b"\r\n\r\n" not in self.inbuf:
                continue
            line = self.inbuf.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            self.l.requests.append({"conn": self.number, "path": parts[1] if len(parts) > 1 else "",
                                    "t": time.monotonic()})
            if self.l.mode == "reset_after_request":
                self.finish(reset=True)
                return
            self.answered = True
            self.out = self.l.response
            self.state = "write"
        while self.state == "write":
            if not self.out:
                self.state = "read"
                self.want(selectors.EVENT_READ)
                return
            n = self.sock.send(self.out)
            self.out = self.out[n:]


class Dns:
    """UDP DNS: A answers, NOERROR/NODATA for other types, or an rcode, per name."""

    def __init__(self, table):
        self.table = {k.lower().rstrip("."): v for k, v in table.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.queries = []

    def step(self):
        while True:
            try:
                q, peer = self.sock.recvfrom(4096)
            except BlockingIOError:
                return
            reply = self.answer(q)
            if reply:
                self.sock.sendto(reply, peer)

    def answer(self, q):
        if len(q) < 12:
            return None
        qid, flags, qd = struct.unpack("!HHH", q[:6])
        pos, labels = 12, []
        while pos < len(q) and q[pos] != 0:
            n = q[pos]
            labels.append(q[pos + 1:pos + 1 + n].decode("latin-1"))
            pos += 1 + n
        pos += 1
        qtype, _qclass = struct.unpack("!HH", q[pos:pos + 4])
        question = q[12:pos + 4]
        name = ".".join(labels).lower()
        self.queries.append({"name": name, "qtype": qtype})
        entry = self.table.get(name, {"rcode": 3})
        rcode = entry.get("rcode", 0)
        answers = []
        if rcode == 0 and qtype == 1:
            for a in entry.get("a", []):
                answers.append(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(a))
        rflags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode  # QR, RD copied, RA
        return struct.pack("!HHHHHH", qid, rflags, 1, len(answers), 0, 0) + question + b"".join(answers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--stats", required=True)
    args = ap.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    total = Stats()
    sel = selectors.DefaultSelector()
    listeners = [Listener(s, total) for s in spec.get("listeners", [])]
    for l in listeners:
        if l.sock is not None:
            sel.register(l.sock, selectors.EVENT_READ, l)
    ready = {l.name: l.port for l in listeners}
    dns = None
    if "dns" in spec:
        dns = Dns(spec["dns"])
        sel.register(dns.sock, selectors.EVENT_READ, dns)
        ready["dns"] = dns.port
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with open(args.ready + ".tmp", "w", encoding="utf-8") as f:
        json.dump(ready, f)
    os.replace(args.ready + ".tmp", args.ready)
    numbers = 0
    while not stop:
        events = sel.select(timeout=0.2)
        # Closes and reads first, accepts last (see the module comment).
        events.sort(key=lambda e: isinstance(e[0].data, Listener))
        for key, _ in events:
            obj = key.data
            if isinstance(obj, Listener):
                while True:
                    try:
                        s, _peer = obj.sock.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    obj.opened()
                    numbers += 1
                    if obj.mode == "reset_on_accept":
                        rst_close(s)
                        obj.closed()
                        continue
                    s.setblocking(False)
                    Conn(obj, s, numbers, sel)
            elif isinstance(obj, Conn):
                if obj.state != "done":
                    obj.step()
            else:
                obj.step()
    out = {"total": {"accepted": total.accepted, "max_open": total.max_open, "open_now": total.open_now},
           "listeners": {l.name: {"port": l.port, "mode": l.mode, "accepted": l.accepted,
                                  "max_open": l.max_open, "open_now": l.open_now,
                                  "requests": l.requests, "tls_failures": l.tls_failures,
                                  "sni": l.sni} for l in listeners},
           "dns_queries": dns.queries if dns else []}
    with open(args.stats + ".tmp", "w", encoding="utf-8") as f:
        json.dump(out, f)
    os.replace(args.stats + ".tmp", args.stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
