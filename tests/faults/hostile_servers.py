#!/usr/bin/env python3
"""Hostile loopback servers for the faults tests: one single-threaded selector loop.

  hostile_servers.py --spec SPEC.json --ready READY.json --stats STATS.json

SPEC is {"tcp": [{"name", "mode", "cert"?, "key"?}], "dns": [{"name", "mode"}]}; every
socket binds 127.0.0.1 on a port the kernel picks. READY gets {"name": port} once all
listen; on SIGTERM (or after --max-seconds) the loop stops and STATS gets, per server,
connections / queries seen and bytes sent. Everything is bounded: the loop by time, each
connection by what it may send (the 1 GB body stops at 1 GB, floods at FLOOD datagrams),
and each connection ends when the client closes it.

TCP modes (HTTP unless said otherwise):
  silent            accept, read and discard, never answer
  trickle_headers   after the request, the response one byte a second (headers and body)
  trickle_body      headers at once (Content-Length 100000), then the body a byte a second
  endless_body      200 without a length, then body bytes as fast as the client reads
  gig_body          Content-Length: 1073741824, streamed as fast as the client reads
  endless_headers   a status line, then header lines, as fast as the client reads
  endless_header_line  a status line, then one header line that never ends
  redirect_loop     302 to its own URL, for every request
  garbage_tls       answers the ClientHello with 32 KiB of garbage, then holds the line
  tls_chain         TLS with the given cert chain file (e.g. 100 certificates), then 200
DNS modes (UDP; some also listen on TCP on the same port, as a truncated reply asks for):
  truncated         UDP: TC bit, no answers; TCP: a clean answer (192.0.2.53)
  truncated_no_tcp  UDP: TC bit, no answers; nothing listens on TCP (connection refused)
  oversized         UDP: one 65000-byte datagram with ~4000 A records (a reply over 512
                    bytes makes c-ares ask again over TCP, where nothing listens here)
  oversized_tcp     UDP: TC bit; TCP: a 65535-byte reply with ~4000 A records
  wrong_id          a clean answer under another query id
  malformed_answer  right id and question, answer records that are junk (pointer loop)
  malformed_question  right id, then random bytes
  flood             FLOOD datagrams per query: wrong ids (203.0.113.66) and, from the
                    second on, every other one the right id (192.0.2.77)
"""
import argparse
import json
import os
import random
import selectors
import signal
import socket
import ssl
import struct
import sys
import time

GIG = 1 << 30
FLOOD = 2000
CHUNK = b"x" * 65536
STATUS_200 = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"


def now():
    return time.monotonic()


class Server:
    """Counters shared by every server kind."""

    def __init__(self, name, mode):
        self.name = name
        self.mode = mode
        self.accepted = 0
        self.queries = 0
        self.sent = 0
        self.tls_failures = 0
        self.requests = 0

    def stats(self):
        return {"mode": self.mode, "accepted": self.accepted, "queries": self.queries,
                "bytes_sent": self.sent, "tls_failures": self.tls_failures,
                "requests": self.requests}


class TcpListener(Server):
    def __init__(self, spec):
        super().__init__(spec["name"], spec["mode"])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", spec.get("port", 0)))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(128)
        self.sock.setblocking(False)
        self.ctx = None
        if self.mode == "tls_chain":
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(spec["cert"], spec["key"])
        self.garbage = b""
        if self.mode == "garbage_tls":
            rnd = random.Random(8)
            # Not a TLS record type (20..24) first: the client must see garbage, not wait
            # for a record that never completes.
            self.garbage = b"\x47" + bytes(rnd.getrandbits(8) for _ in range(32767))

    def on_accept(self, loop):
        while True:
            try:
                s, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            self.accepted += 1
            s.setblocking(False)
            if self.mode == "dns_tcp":
                DnsTcpConn(self, s, loop)
            else:
                HttpConn(self, s, loop)


class Conn:
    """One accepted connection; `loop` re-runs step() on readiness or when `due` passes."""

    def __init__(self, server, sock, loop):
        self.server = server
        self.sock = sock
        self.loop = loop
        self.inbuf = b""
        self.out = b""      # bytes queued to send now
        self.slow = b""     # bytes to send one a second
        self.due = None     # monotonic time of the next slow byte
        self.done = False
        self.events = 0
        loop.add(self)

    def close(self):
        if not self.done:
            self.done = True
            self.loop.remove(self)
            self.sock.close()

    def want(self, write):
        ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if write else 0)
        if ev != self.events:
            self.loop.sel.modify(self.sock, ev, self)
            self.events = ev

    def read(self):
        """Read what is there; False when the client closed or reset."""
        while True:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, ssl.SSLWantReadError):
                return True
            except ssl.SSLWantWriteError:
                return True
            except (OSError, ssl.SSLError):
                return False
            if not data:
                return False
            if len(self.inbuf) < 65536:
                self.inbuf += data

    def flush(self):
        while self.out:
            try:
                n = self.sock.send(self.out[:262144])
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                return True
            except (OSError, ssl.SSLError):
                return False
            self.server.sent += n
            self.out = self.out[n:]
        return True

    def more(self):
        """Refill `out` for the endless modes; nothing by default."""

    def step(self):
        if not self.read():
            return self.close()
        self.handle()
        if self.done:
            return
        if self.slow and self.due is not None and now() >= self.due:
            self.out += self.slow[:1]
            self.slow = self.slow[1:]
            self.due = now() + 1.0 if self.slow else None
        # Stream while the client reads (at most 16 refills a pass, so others get turns);
        # keep a refill queued so the loop asks for writability again.
        for _ in range(16):
            if not self.out:
                self.more()
            if not self.out:
                break
            if not self.flush():
                return self.close()
            if self.out:
                break  # the client's window is full
        if not self.out:
            self.more()
        self.want(bool(self.out))


class HttpConn(Conn):
    def __init__(self, server, sock, loop):
        self.state = "request"
        self.left = 0  # body bytes still to send (gig_body)
        self.header_no = 0
        if server.mode == "tls_chain":
            sock = server.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            self.state = "handshake"
        super().__init__(server, sock, loop)

    def step(self):
        if self.state == "handshake":
            try:
                self.sock.do_handshake()
                self.state = "request"
            except ssl.SSLWantReadError:
                return self.want(False)
            except ssl.SSLWantWriteError:
                return self.want(True)
            except (OSError, ssl.SSLError):
                self.server.tls_failures += 1
                return self.close()
        super().step()

    def handle(self):
        mode = self.server.mode
        if mode == "silent":
            self.inbuf = b""
            return
        if mode == "garbage_tls":
            if self.state == "request" and self.inbuf:
                self.out = self.server.garbage
                self.state = "held"
            self.inbuf = b""
            return
        if self.state != "request" or b"\r\n\r\n" not in self.inbuf:
            return
        self.server.requests += 1
        path = self.inbuf.split(b" ", 2)[1] if self.inbuf.count(b" ") >= 2 else b"/"
        host = b"127.0.0.1"
        for line in self.inbuf.split(b"\r\n"):
            if line.lower().startswith(b"host:"):
                host = line[5:].strip()
        self.inbuf = b""
        self.state = "answered"
        if mode == "trickle_headers":
            self.slow = STATUS_200 + b"Content-Length: 5\r\n\r\nhello"
            self.due = now() + 1.0
        elif mode == "trickle_body":
            self.out = STATUS_200 + b"Content-Length: 100000\r\n\r\n"
            self.slow = b"<html><title>slow</title>" + b"y" * 1000
            self.due = now() + 1.0
        elif mode == "endless_body":
            self.out = STATUS_200 + b"Connection: close\r\n\r\n<html><title>endless</title>"
        elif mode == "gig_body":
            self.out = STATUS_200 + f"Content-Length: {GIG}\r\n\r\n".encode()
            self.left = GIG
        elif mode in ("endless_headers", "endless_header_line"):
            self.out = b"HTTP/1.1 200 OK\r\n"
            if mode == "endless_header_line":
                self.out += b"X-Endless: "
        elif mode == "redirect_loop":
            self.out = (b"HTTP/1.1 302 Found\r\nLocation: http://" + host + path +
                        b"\r\nContent-Length: 0\r\n\r\n")
            self.state = "request"  # answer every request the same way
        elif mode == "tls_chain":
            self.out = STATUS_200 + b"Content-Length: 2\r\n\r\nok"

    def more(self):
        mode = self.server.mode
        if self.state != "answered":
            return
        if mode == "endless_body":
            self.out = CHUNK
        elif mode == "gig_body" and self.left > 0:
            n = min(self.left, len(CHUNK))
            self.out = CHUNK[:n]
            self.left -= n
        elif mode == "endless_headers":
            lines = []
            for _ in range(64):
                self.header_no += 1
                lines.append(b"X-Filler-%d: " % self.header_no + b"h" * 1000 + b"\r\n")
            self.out = b"".join(lines)
        elif mode == "endless_header_line":
            self.out = CHUNK


# --- DNS -----------------------------------------------------------------------------

def parse_query(q):
    """(id, flags, question bytes, qtype) of a query, or None."""
    if len(q) < 17:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    pos = 12
    while pos < len(q) and q[pos] != 0:
        pos += 1 + q[pos]
    pos += 1
    if qd != 1 or pos + 4 > len(q):
        return None
    qtype = struct.unpack("!H", q[pos:pos + 2])[0]
    return qid, flags, q[12:pos + 4], qtype


def a_record(addr):
    return b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)


def reply(qid, flags, question, answers, tc=False, rcode=0):
    rflags = 0x8000 | (flags & 0x0100) | 0x0080 | (0x0200 if tc else 0) | rcode
    return struct.pack("!HHHHHH", qid, rflags, 1, len(answers), 0, 0) + question + b"".join(answers)


def many_a(qid, flags, question, size):
    n = (size - 12 - len(question)) // 16
    answers = [a_record(f"192.0.2.{1 + i % 250}") for i in range(n)]
    return reply(qid, flags, question, answers)


class DnsUdp(Server):
    def __init__(self, spec, tcp_port=0):
        super().__init__(spec["name"], spec["mode"])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", tcp_port))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.rnd = random.Random(53)

    def send(self, data, peer):
        try:
            self.sent += self.sock.sendto(data, peer)
        except (BlockingIOError, OSError):
            pass  # a full buffer drops the datagram, as a network would

    def step(self):
        for _ in range(1000):
            try:
                q, peer = self.sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            self.queries += 1
            parsed = parse_query(q)
            if parsed is None:
                continue
            qid, flags, question, qtype = parsed
            answer = [a_record("192.0.2.53")] if qtype == 1 else []
            mode = self.mode
            if mode in ("truncated", "truncated_no_tcp", "oversized_tcp"):
                self.send(reply(qid, flags, question, [], tc=True), peer)
            elif mode == "oversized":
                self.send(many_a(qid, flags, question, 65000), peer)
            elif mode == "wrong_id":
                self.send(reply(qid ^ 0x5A5A, flags, question, answer), peer)
            elif mode == "malformed_answer":
                # Each record's name is a compression pointer to itself: a loop.
                start = 12 + len(question)
                junk = b"".join(struct.pack("!H", 0xC000 | (start + 16 * i)) +
                                struct.pack("!HHIH", 1, 1, 60, 4) + b"\xff\xff" for i in range(3))
                msg = struct.pack("!HHHHHH", qid, 0x8180, 1, 3, 0, 0) + question + junk
                self.send(msg, peer)
            elif mode == "malformed_question":
                junk = bytes(self.rnd.getrandbits(8) for _ in range(200))
                self.send(struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + junk, peer)
            elif mode == "flood":
                spoof = [a_record("203.0.113.66")] if qtype == 1 else []
                right = [a_record("192.0.2.77")] if qtype == 1 else []
                for i in range(FLOOD):
                    if i % 2 == 1:
                        self.send(reply(qid, flags, question, right), peer)
                    else:
                        other = (qid + 1 + self.rnd.randrange(65535)) & 0xFFFF
                        self.send(reply(other, flags, question, spoof), peer)


class DnsTcpConn(Conn):
    """DNS over TCP (2-byte length prefix): a clean answer, or a 65535-byte one."""

    def handle(self):
        while len(self.inbuf) >= 2:
            n = struct.unpack("!H", self.inbuf[:2])[0]
            if len(self.inbuf) < 2 + n:
                return
            q, self.inbuf = self.inbuf[2:2 + n], self.inbuf[2 + n:]
            self.server.queries += 1
            parsed = parse_query(q)
            if parsed is None:
                continue
            qid, flags, question, qtype = parsed
            if self.server.dns_mode == "oversized_tcp" and qtype == 1:
                msg = many_a(qid, flags, question, 65535)
            else:
                msg = reply(qid, flags, question, [a_record("192.0.2.53")] if qtype == 1 else [])
            self.out += struct.pack("!H", len(msg)) + msg


class Loop:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.conns = set()

    def add(self, conn):
        self.sel.register(conn.sock, selectors.EVENT_READ, conn)
        conn.events = selectors.EVENT_READ
        self.conns.add(conn)

    def remove(self, conn):
        try:
            self.sel.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        self.conns.discard(conn)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    loop = Loop()
    servers, ready = [], {}
    for s in spec.get("tcp", []):
        tl = TcpListener(s)
        loop.sel.register(tl.sock, selectors.EVENT_READ, tl)
        servers.append(tl)
        ready[tl.name] = tl.port
    for s in spec.get("dns", []):
        # Bind TCP first where TCP is needed, then UDP on the same port (retry on a clash).
        for _attempt in range(20):
            tcp = None
            if s["mode"] in ("truncated", "oversized_tcp"):
                tcp = TcpListener({"name": s["name"] + "/tcp", "mode": "dns_tcp"})
            try:
                udp = DnsUdp(s, tcp.port if tcp else 0)
                break
            except OSError:
                tcp.sock.close()
        else:
            raise SystemExit(f"no common UDP/TCP port for {s['name']}")
        loop.sel.register(udp.sock, selectors.EVENT_READ, udp)
        servers.append(udp)
        if tcp:
            tcp.dns_mode = s["mode"]
            loop.sel.register(tcp.sock, selectors.EVENT_READ, tcp)
            servers.append(tcp)
        ready[udp.name] = udp.port
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with open(args.ready + ".tmp", "w", encoding="utf-8") as f:
        json.dump(ready, f)
    os.replace(args.ready + ".tmp", args.ready)
    end = now() + args.max_seconds
    while not stop and now() < end:
        dues = [c.due for c in loop.conns if c.due is not None]
        wait = 0.2 if not dues else max(0.0, min(0.2, min(dues) - now()))
        for key, _ in loop.sel.select(timeout=wait):
            obj = key.data
            if isinstance(obj, TcpListener):
                obj.on_accept(loop)
            elif isinstance(obj, Conn):
                if not obj.done:
                    obj.step()
            else:
                obj.step()
        for c in [c for c in loop.conns if c.due is not None and now() >= c.due]:
            if not c.done:
                c.step()
    for c in list(loop.conns):
        c.close()
    with open(args.stats + ".tmp", "w", encoding="utf-8") as f:
        json.dump({s.name: s.stats() for s in servers}, f)
    os.replace(args.stats + ".tmp", args.stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
