#!/usr/bin/env python3
"""A hostile peer for tests/net/hostile.sh: it speaks petmail's inbound
protocol (HTTP on onion.sock, or on the agent's onion through Tor's SOCKS
port) and misbehaves in every way it knows, then says whether the agent
answered each misbehaviour as it should. Crafting bad HTTP by hand is the
point here, so this is raw sockets; SOCKS is PySocks.

Each command prints one JSON object (counts, timings, and "unexpected":
the answers that were wrong) and exits 1 if anything was unexpected.

  flood TARGET --seconds S --workers N [--token HEX] [--envelopes FILE]
        every misbehaviour in turn, as fast as it goes, on N connections
  slowloris TARGET --conns N --interval I --seconds S
        N connections that each send one header byte every I seconds;
        reports how long the agent let each live
  hold TARGET --conns N --seconds S
        open N connections at once and keep them (the agent's limit)
  replay TARGET --envelopes FILE [--rounds R]
        every captured envelope again, alone, in batches, shuffled
  rendezvous TARGET --channels N
        allocate until refused, fill channels until refused, claim,
        send and receive with wrong tokens
  invite TARGET --nameplate NP
        an invitation onion: allocate (refused), unknown nameplates,
        wrong tokens
  streams TARGET --conns N
        N streams at once on one Tor circuit (tor's MaxStreams)
  monitor DIR --contact NAME --seconds S --pid PID
        time `petmail status` and `petmail messages` and sample the
        agent's memory and descriptors until S seconds pass or SIGTERM

TARGET is unix:PATH or tor:HOST.onion:SOCKSPORT[:USERNAME].
"""
import argparse
import base64
import json
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

ENV_HEADER = 74          # version, kind, token (32), ratchet header (40)
BUCKETS = (256, 1024, 4096, 16384, 65536)
ABYTES = 16


class Target:
    def __init__(self, spec):
        kind, _, rest = spec.partition(":")
        self.kind = kind
        if kind == "unix":
            self.path = rest
            self.host = "x"
        elif kind == "tor":
            parts = rest.split(":")
            self.host = parts[0]
            self.socks_port = int(parts[1])
            self.user = parts[2] if len(parts) > 2 else None
        else:
            raise SystemExit("bad target " + spec)

    def connect(self, timeout=30, user=None):
        if self.kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(self.path)
            return s
        # An onion needs a moment after publication, and tor may be
        # building a new circuit: retry for a while, then give up.
        deadline = time.time() + 60
        while True:
            try:
                return self.connect_tor(timeout, user)
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(1)

    def connect_tor(self, timeout, user):
        import socks
        s = socks.socksocket()
        name = user or self.user
        s.set_proxy(socks.SOCKS5, "127.0.0.1", self.socks_port, rdns=True,
                    username=name, password="x" if name else None)
        s.settimeout(timeout)
        try:
            s.connect((self.host, 80))
        except BaseException:
            s.close()
            raise
        return s


def read_answer(s, limit=1 << 20):
    """(status, headers, body) or (None, None, b"") if the agent closed."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None, None, data
            data += chunk
            if len(data) > limit:
                return -1, None, data
        head, body = data.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get(b"content-length", b"0"))
        while len(body) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body
    except (socket.timeout, ConnectionError, OSError):
        return None, None, data


def request(method, path, body=b"", headers=None, host="x"):
    h = {"Host": host, "Content-Length": str(len(body))}
    h.update(headers or {})
    text = "%s %s HTTP/1.1\r\n" % (method, path)
    text += "".join("%s: %s\r\n" % kv for kv in h.items())
    return text.encode() + b"\r\n" + body


def batch(envs, version=1, count=None):
    out = bytes([version, len(envs) if count is None else count])
    for e in envs:
        out += struct.pack(">I", len(e)) + e
    return out


def fake_envelope(token=None, bucket=256, version=1, kind=1, pn=None,
                  n=None):
    tok = token if token is not None else os.urandom(32)
    hdr = os.urandom(32) + struct.pack(">II",
                                       random.randrange(1000) if pn is None else pn,
                                       random.randrange(1000) if n is None else n)
    return bytes([version, kind]) + tok + hdr + os.urandom(bucket + ABYTES)


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.unexpected = []
        self.requests = 0
        self.shed = 0

    def shed_one(self):
        with self.lock:
            self.requests += 1
            self.shed += 1

    def add(self, name, ok, detail="", n=1):
        with self.lock:
            self.requests += n
            c = self.counts.setdefault(name, [0, 0])
            c[0 if ok else 1] += 1
            if not ok and len(self.unexpected) < 40:
                self.unexpected.append("%s: %s" % (name, detail))

    def result(self, **extra):
        r = {"requests": self.requests, "shed": self.shed,
             "attacks": {k: {"ok": v[0], "unexpected": v[1]}
                         for k, v in sorted(self.counts.items())},
             "unexpected": self.unexpected}
        r.update(extra)
        # Shedding is fine under a flood, but most must get answers.
        if self.shed * 4 > self.requests:
            r["unexpected"].append("%d of %d requests shed" %
                                   (self.shed, self.requests))
        return r


def results_of(body):
    try:
        return [x.get("status") for x in json.loads(body)["results"]]
    except (ValueError, KeyError, TypeError):
        return None


class Attacks:
    """Each attack sends one misbehaviour and checks the answer. ANSWERED
    means an HTTP status; CLOSED that the agent hung up without one."""

    def __init__(self, target, tally, token=None, envelopes=()):
        self.t = target
        self.tally = tally
        self.token = token
        self.envelopes = list(envelopes)

    def exchange(self, raw, timeout=10, close_after=False):
        s = self.t.connect(timeout)
        try:
            try:
                s.sendall(raw)
            except OSError:
                return None, None, b""      # the agent hung up on us
            if close_after:
                return None, None, b""
            return read_answer(s)
        finally:
            s.close()

    def check(self, name, raw, want, **kw):
        """Send RAW; its answer must be one of WANT. An agent at its
        connection limit may refuse the connection or close it without
        an answer: that is counted as shed, not as wrong."""
        try:
            st, _, body = self.exchange(raw, **kw)
        except (BlockingIOError, ConnectionRefusedError, socket.timeout):
            self.tally.shed_one()
            time.sleep(0.05)        # the agent is full: do not spin
            return "refused", b""
        except OSError as e:
            st, body = "error:%r" % e, b""
        if st is None and None not in want:
            self.tally.shed_one()
            return st, body
        ok = st in want
        self.tally.add(name, ok, "answered %s, wanted one of %s: %r" %
                       (st, want, body[:120]))
        return st, body

    def msg(self, body, headers=None):
        return request("POST", "/v1/msg", body, dict(headers or {},
                       **{"Content-Type": "application/octet-stream"}),
                       host=self.t.host)

    # -- the misbehaviours ------------------------------------------------
    def wrong_batch_version(self):
        env = fake_envelope()
        self.check("batch version", self.msg(batch([env], version=random.choice(
            [0, 2, 255]))), (400,))

    def wrong_envelope_version(self):
        env = fake_envelope(version=random.choice([0, 2, 255]))
        self.check("envelope version", self.msg(batch([env])), (400,))
        env = fake_envelope(kind=random.choice([0, 2, 255]))
        self.check("envelope kind", self.msg(batch([env])), (400,))

    def count_mismatch(self):
        envs = [fake_envelope() for _ in range(2)]
        cases = [batch(envs, count=5), batch(envs, count=1), batch([], count=0),
                 batch(envs * 17, count=33)[:1000],
                 bytes([1, 1]) + struct.pack(">I", 1 << 30) + envs[0],
                 bytes([1, 1]) + struct.pack(">I", 10) + envs[0],
                 batch(envs) + b"trailing",
                 bytes([1, 1]) + struct.pack(">I", len(envs[0]) - 1) + envs[0][:-1],
                 bytes([1])]
        for c in cases:
            self.check("count or length mismatch", self.msg(c), (400,))

    def bad_bucket(self):
        env = fake_envelope(bucket=300)
        self.check("bucket size", self.msg(batch([env])), (400,))

    def unknown_token(self):
        envs = [fake_envelope() for _ in range(random.randint(1, 32))]
        st, body = self.check("unknown token", self.msg(batch(envs)), (200,))
        if st == 200:
            r = results_of(body)
            self.tally.add("unknown token results",
                           r is not None and len(r) == len(envs) and
                           all(x == "rejected" for x in r), repr(body[:200]))

    def bad_mac(self):
        if self.token is None:
            return
        envs = [fake_envelope(self.token, pn=999, n=999)
                for _ in range(random.randint(1, 8))]
        st, body = self.check("bad MAC, real token", self.msg(batch(envs)),
                              (200,))
        if st == 200:
            r = results_of(body)
            # Rejected, or "error" (try later) when the agent sheds load.
            self.tally.add("bad MAC results", r is not None and
                           len(r) == len(envs) and
                           all(x in ("rejected", "error") for x in r),
                           repr(body[:200]))

    def tampered_replay(self):
        """A delivered envelope with one bit flipped. In its ratchet
        header it is a new message that fails its MAC: rejected. In its
        ciphertext the header is one already seen: answered "replay"
        without being opened (petmail-protocol(7)), never stored."""
        if not self.envelopes:
            return
        env = bytearray(random.choice(self.envelopes))
        in_header = random.random() < 0.5
        i = random.randrange(34, ENV_HEADER) if in_header else \
            random.randrange(ENV_HEADER, len(env))
        env[i] ^= 1 << random.randrange(8)
        st, body = self.check("tampered envelope", self.msg(batch([bytes(env)])),
                              (200,))
        if st == 200:
            r = results_of(body)
            # A flipped counter can make the header of another message
            # of the conversation: that one was seen, so it is a replay.
            seen = bytes(env[34:ENV_HEADER]) in {
                e[34:ENV_HEADER] for e in self.envelopes}
            want = (["replay"],) if seen else (["rejected"], ["error"])
            self.tally.add("tampered results", r in want, repr(body[:200]))

    def truncated(self):
        body = batch([fake_envelope()])
        raw = request("POST", "/v1/msg", body, {"Content-Length":
                      str(len(body) + 5000)}, host=self.t.host)
        self.check("truncated body", raw, (None,), close_after=True)
        raw = request("POST", "/v1/msg", b"", {"Content-Length": "100"},
                      host=self.t.host)[:random.randint(5, 40)]
        self.check("truncated header", raw, (None,), close_after=True)

    def oversized_body(self):
        raw = request("POST", "/v1/msg", b"", {"Content-Length":
                      str(random.choice([300000, 10 << 20, 1 << 62]))},
                      host=self.t.host)
        self.check("oversized Content-Length", raw, (413, 400, None))
        body = os.urandom(270 * 1024)
        self.check("oversized body", self.msg(body), (413, 400, None))

    def oversized_headers(self):
        raw = (b"POST /v1/msg HTTP/1.1\r\nHost: x\r\nX-Big: " +
               b"a" * 20000 + b"\r\n\r\n")
        self.check("oversized header", raw, (413, 400, None))
        raw = b"POST /v1/msg HTTP/1.1\r\n" + b"".join(
            b"X-%d: y\r\n" % i for i in range(3000)) + b"\r\n"
        self.check("too many headers", raw, (413, 400, None))
        raw = b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        self.check("oversized request line", raw, (413, 414, 400, None))

    def chunked(self):
        base = b"POST /v1/msg HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        # Refused (4xx) or left unanswered: never taken as a body.
        no = (400, 413, None)
        cases = [
            (base + b"ffffffffffffffff\r\n" + b"a" * 100, no),
            (base + b"-5\r\nabcde\r\n0\r\n\r\n", no),
            (base + b"zz\r\nabc\r\n0\r\n\r\n", no),
            (base + b"".join(b"1000\r\n" + b"b" * 4096 + b"\r\n"
                             for _ in range(70)), no),
            (base + b"5\r\nab", no),
            (base + b"2\r\n\x01\x01\r\n0\r\n\r\n", (400,)),
        ]
        for raw, want in cases:
            self.check("chunked abuse", raw, want, timeout=3)

    def not_http(self):
        cases = [os.urandom(random.randint(1, 3000)),
                 b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + os.urandom(60),
                 b"GET /\r\n\r\n", b"\r\n\r\n\r\n",
                 b"GET /v1/hello HTTP/9.9\r\nHost: x\r\n\r\n"]
        for raw in cases:
            self.check("not HTTP", raw, (400, 405, 501, 505, None), timeout=3)

    def methods_and_paths(self):
        for m in ("PUT", "DELETE", "TRACE", "CONNECT", "OPTIONS", "PATCH"):
            self.check("method " + m, request(m, "/v1/msg", host=self.t.host),
                       (405, 501, 400, None))
        self.check("GET /v1/msg", request("GET", "/v1/msg", host=self.t.host),
                   (405,))
        for p in ("/", "/v1/../etc/passwd", "/v1/status", "/v1/messages",
                  "/v1/contacts", "/v1/stop", "http://evil/v1/msg",
                  "/v1/msg?x=" + "%00" * 50, "/v1/hello/../../v1/stop"):
            st, _ = self.check("path", request("POST", p, host=self.t.host),
                               (404, 400, 405, 200, None))
            if p == "/v1/stop" and isinstance(st, int):
                self.tally.add("no local API on the onion", st == 404, p)

    def keepalive_thousand(self):
        s = self.t.connect(30)
        good = 0
        try:
            for _ in range(200):
                s.sendall(request("GET", "/v1/hello", host=self.t.host))
                st, _, body = read_answer(s)
                if st != 200 or b'"petmail"' not in body:
                    break
                good += 1
        finally:
            s.close()
        self.tally.add("200 hellos on one connection", good == 200,
                       "only %d answered" % good, n=max(good, 1))

    ALL = ["wrong_batch_version", "wrong_envelope_version", "count_mismatch",
           "bad_bucket", "unknown_token", "bad_mac", "tampered_replay",
           "truncated", "oversized_body", "oversized_headers", "chunked",
           "not_http", "methods_and_paths", "keepalive_thousand"]


def cmd_flood(a):
    t = Target(a.target)
    tally = Tally()
    token = bytes.fromhex(a.token) if a.token else None
    envs = load_envelopes(a.envelopes) if a.envelopes else []
    stop = time.time() + a.seconds
    names = [n for n in Attacks.ALL if not a.only or n in a.only.split(",")]

    def worker(k):
        att = Attacks(t, tally, token, envs)
        i = k
        while time.time() < stop:
            try:
                getattr(att, names[i % len(names)])()
            except (OSError, ConnectionError) as e:
                # A connection refused while the agent sheds load is fine;
                # the agent's answers are what is checked.
                tally.add("connect", isinstance(e, (BlockingIOError,
                          socket.timeout, ConnectionRefusedError)), repr(e))
                time.sleep(0.05)
            i += 1

    run_threads(worker, a.workers)
    r = tally.result(seconds=a.seconds)
    if r["requests"] < a.min_requests:
        r["unexpected"].append("only %d requests made" % r["requests"])
    report(r)


def cmd_slowloris(a):
    t = Target(a.target)
    raw = request("POST", "/v1/msg", b"x" * 100, host=t.host)
    conns = []
    for _ in range(a.conns):
        try:
            s = t.connect(10)
            s.setblocking(False)
            conns.append([s, time.time(), 0, None])
        except OSError:
            pass
    stop = time.time() + a.seconds
    while time.time() < stop and any(c[3] is None for c in conns):
        for c in conns:
            if c[3] is not None:
                continue
            s = c[0]
            try:
                r, _, _ = select.select([s], [], [], 0)
                if r and s.recv(1000) == b"":
                    raise ConnectionResetError()
                s.send(raw[c[2] % len(raw):c[2] % len(raw) + 1])
                c[2] += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                c[3] = time.time() - c[1]
        time.sleep(a.interval)
    lives = [c[3] for c in conns if c[3] is not None]
    alive = sum(1 for c in conns if c[3] is None)
    for c in conns:
        c[0].close()
    r = {"connections": len(conns), "cut": len(lives),
         "still_open": alive, "bytes_sent_max": max([c[2] for c in conns] or [0]),
         "longest_life": round(max(lives), 1) if lives else None,
         "shortest_life": round(min(lives), 1) if lives else None,
         "unexpected": []}
    if alive:
        r["unexpected"].append("%d slow connections were never cut" % alive)
    if lives and max(lives) > a.limit:
        r["unexpected"].append("a slow connection lived %.0f s" % max(lives))
    report(r)


def cmd_hold(a):
    t = Target(a.target)
    conns, refused = [], 0
    for _ in range(a.conns):
        if t.kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(t.path)
            except BlockingIOError:
                refused += 1      # the backlog is full: the kernel says wait
                s.close()
                continue
            except OSError:
                refused += 1
                s.close()
                continue
        else:
            try:
                s = t.connect(20)
            except OSError:
                refused += 1
                continue
        try:
            s.send(b"POST /v1/msg HTTP/1.1\r\n")
        except OSError:
            pass
        conns.append(s)
    time.sleep(a.seconds)
    for s in conns:
        s.close()
    report({"connected": len(conns), "refused": refused, "unexpected": []})


def load_envelopes(path):
    data = open(path, "rb").read()
    out, off = [], 0
    while off < len(data):
        (n,) = struct.unpack(">I", data[off:off + 4])
        out.append(data[off + 4:off + 4 + n])
        off += 4 + n
    return out


def cmd_replay(a):
    t = Target(a.target)
    tally = Tally()
    envs = load_envelopes(a.envelopes)
    att = Attacks(t, tally)

    def post(group, name):
        st, body = att.check(name, att.msg(batch(group)), (200,))
        if st == 200:
            r = results_of(body)
            tally.add(name + " results", r == ["replay"] * len(group),
                      repr(body[:200]))

    for _ in range(a.rounds):
        for e in envs:
            post([e], "replay one")
        shuffled = envs[:]
        random.shuffle(shuffled)
        for i in range(0, len(shuffled), 5):
            post(shuffled[i:i + 5], "replay batch")
        post((envs * 32)[:32], "replay 32 copies")
    report(tally.result(envelopes=len(envs)))


def rv_post(t, s, path, obj, raw=None):
    body = raw if raw is not None else json.dumps(obj).encode()
    s.sendall(request("POST", path, body, {"Content-Type": "application/json"},
                      host=t.host))
    st, _, b = read_answer(s)
    try:
        return st, json.loads(b) if b else None
    except ValueError:
        return st, None


def cmd_rendezvous(a):
    t = Target(a.target)
    tally = Tally()
    s = t.connect(30)
    chans, refused, full = [], None, 0
    big = base64.b64encode(os.urandom(4096)).decode()
    t0 = time.time()
    for i in range(a.channels):
        st, j = rv_post(t, s, "/v1/rv/allocate", {"lifetime": 86400})
        if st == 429:
            refused = i
            break
        if st is None:       # the agent cut this connection: open another
            s.close()
            s = t.connect(30)
            continue
        ok = st == 200 and isinstance(j, dict) and "token" in j
        tally.add("allocate", ok, "%s %r" % (st, j))
        if ok:
            chans.append(j)
    alloc_secs = time.time() - t0
    tally.add("allocations refused at a limit", refused is not None,
              "%d allocated and never refused" % len(chans))
    # Fill channels (both sides) until the service says it is full.
    for ch in chans[:a.fill]:
        st, j = rv_post(t, s, "/v1/rv/claim", {"nameplate": ch["nameplate"]})
        tokens = [ch["token"]] + ([j["token"]] if st == 200 else [])
        for tok in tokens:
            for k in range(8):
                st, j = rv_post(t, s, "/v1/rv/send", {
                    "nameplate": ch["nameplate"], "token": tok, "body": big,
                    "index": k})
                if st == 503:
                    full += 1     # full: later indexes would be past the end
                    break
                tally.add("send", st == 200, "%s %r" % (st, j))
    tally.add("sends refused when full", full > 0 or a.fill * 16 * 4096 <
              16 << 20, "never refused")
    # Wrong tokens, unknown nameplates, bad bodies: all refused.
    for i in range(200):
        np = random.choice([str(random.randint(1, 9999999)), "0", "-1",
                            "x" * 57, "", "01"])
        st, _ = rv_post(t, s, "/v1/rv/claim", {"nameplate": np})
        tally.add("claim unknown", st in (404, 400, 409), "%s for %r" % (st, np))
        if chans:
            ch = random.choice(chans)
            for path in ("/v1/rv/send", "/v1/rv/recv", "/v1/rv/release"):
                st, _ = rv_post(t, s, path, {"nameplate": ch["nameplate"],
                                "token": "0" * 64, "after": 0, "index": 0,
                                "body": "QQ=="})
                tally.add("wrong token", st == 403, "%s on %s" % (st, path))
    for raw in (b"[" * 5000, b'{"nameplate": "1", "nameplate": "2"}',
                b"\xff\xfe", b'{"body": "' + b"A" * 8000 + b'"}', b"null"):
        st, _ = rv_post(t, s, "/v1/rv/claim", None, raw=raw)
        tally.add("bad JSON", st in (400, 413), "%s" % st)
    # Many held receives on one channel: one per side is kept.
    if chans:
        ch = chans[-1]
        held = []
        for i in range(20):
            h = t.connect(40)
            h.sendall(request("POST", "/v1/rv/recv", json.dumps({
                "nameplate": ch["nameplate"], "token": ch["token"],
                "after": 8}).encode(), host=t.host))
            held.append(h)
        time.sleep(1)
        answered = 0
        for h in held[:-1]:
            h.settimeout(5)
            st, _, _ = read_answer(h)
            answered += st == 200
            h.close()
        held[-1].close()
        tally.add("older held receives answered", answered == 19,
                  "%d of 19" % answered)
    s.close()
    report(tally.result(channels=len(chans), refused_at=refused,
                        allocate_seconds=round(alloc_secs, 1),
                        sends_refused=full))


def cmd_invite(a):
    t = Target(a.target)
    tally = Tally()
    s = t.connect(30)
    for i in range(a.rounds):
        st, _ = rv_post(t, s, "/v1/rv/allocate", {})
        if st is None:
            s.close()
            s = t.connect(30)
            continue
        tally.add("allocate on an invitation onion", st == 404, str(st))
        np = "%056x" % random.getrandbits(224)
        st, _ = rv_post(t, s, "/v1/rv/claim", {"nameplate": np})
        tally.add("claim another nameplate", st == 404, str(st))
        for path in ("/v1/rv/send", "/v1/rv/recv", "/v1/rv/release"):
            st, _ = rv_post(t, s, path, {"nameplate": a.nameplate,
                            "token": os.urandom(32).hex(), "after": 0,
                            "index": 0, "body": "QQ=="})
            tally.add("wrong token on the invitation", st == 403, str(st))
        s.sendall(request("POST", "/v1/msg", batch([fake_envelope()]),
                          host=t.host))
        st, _, _ = read_answer(s)
        tally.add("no messages on an invitation onion", st == 404, str(st))
    s.close()
    report(tally.result())


def cmd_streams(a):
    t = Target(a.target)
    user = "streams-%d" % random.getrandbits(32)
    socks = []
    opened = 0
    lock = threading.Lock()

    def one(k):
        nonlocal opened
        try:
            s = t.connect(60, user=user)
            s.sendall(b"POST /v1/msg HTTP/1.1\r\nHost: x\r\n")
            with lock:
                opened += 1
                socks.append(s)
        except OSError:
            pass

    run_threads(one, a.conns)
    time.sleep(3)
    dead = 0
    for s in socks:
        try:
            s.setblocking(False)
            if s.recv(100) == b"":
                dead += 1
        except BlockingIOError:
            pass
        except OSError:
            dead += 1
        s.close()
    # Tor closes the whole circuit past MaxStreams: streams die with it.
    r = {"streams": a.conns, "opened": opened, "closed_by_tor": dead,
         "unexpected": []}
    if opened - dead > 8:
        r["unexpected"].append("%d streams stayed open on one circuit" %
                               (opened - dead))
    report(r)


def cmd_monitor(a):
    stop = time.time() + a.seconds
    pm = [a.petmail, "-d", a.dir]
    worst = {"status": 0.0, "messages": 0.0}
    samples = {"status": [], "messages": []}
    rss = fds = 0
    failures = []
    alive = [True]
    signal.signal(signal.SIGTERM, lambda *x: alive.__setitem__(0, False))
    while time.time() < stop and alive[0]:
        for name, args in (("status", ["status", "--json"]),
                           ("messages", ["messages", a.contact, "--json"])):
            t0 = time.time()
            try:
                r = subprocess.run(pm + args, capture_output=True, timeout=30)
                ok = r.returncode == 0
            except subprocess.TimeoutExpired:
                ok = False
            dt = time.time() - t0
            samples[name].append(dt)
            worst[name] = max(worst[name], dt)
            if not ok:
                failures.append("%s failed after %.1f s" % (name, dt))
        try:
            for line in open("/proc/%d/status" % a.pid):
                if line.startswith("VmRSS:"):
                    rss = max(rss, int(line.split()[1]))
            fds = max(fds, len(os.listdir("/proc/%d/fd" % a.pid)))
        except OSError:
            failures.append("the agent (pid %d) is gone" % a.pid)
            break
        time.sleep(a.interval)
    out = {"samples": len(samples["status"]),
           "status_max_s": round(worst["status"], 3),
           "messages_max_s": round(worst["messages"], 3),
           "status_median_s": round(sorted(samples["status"])[
               len(samples["status"]) // 2], 3) if samples["status"] else None,
           "rss_peak_kb": rss, "fds_peak": fds, "unexpected": failures}
    if max(worst.values()) > a.bound:
        failures.append("the user waited %.2f s (bound %.1f s)" %
                        (max(worst.values()), a.bound))
    report(out)


def run_threads(fn, n):
    ts = [threading.Thread(target=fn, args=(k,), daemon=True) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def report(r):
    print(json.dumps(r, sort_keys=True))
    sys.exit(1 if r.get("unexpected") else 0)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flood")
    f.add_argument("target")
    f.add_argument("--seconds", type=float, default=30)
    f.add_argument("--workers", type=int, default=8)
    f.add_argument("--token")
    f.add_argument("--envelopes")
    f.add_argument("--only")
    f.add_argument("--min-requests", type=int, default=100)
    f.set_defaults(fn=cmd_flood)
    f = sub.add_parser("slowloris")
    f.add_argument("target")
    f.add_argument("--conns", type=int, default=50)
    f.add_argument("--interval", type=float, default=5)
    f.add_argument("--seconds", type=float, default=90)
    f.add_argument("--limit", type=float, default=75)
    f.set_defaults(fn=cmd_slowloris)
    f = sub.add_parser("hold")
    f.add_argument("target")
    f.add_argument("--conns", type=int, default=300)
    f.add_argument("--seconds", type=float, default=10)
    f.set_defaults(fn=cmd_hold)
    f = sub.add_parser("replay")
    f.add_argument("target")
    f.add_argument("--envelopes", required=True)
    f.add_argument("--rounds", type=int, default=3)
    f.set_defaults(fn=cmd_replay)
    f = sub.add_parser("rendezvous")
    f.add_argument("target")
    f.add_argument("--channels", type=int, default=10001)
    f.add_argument("--fill", type=int, default=300)
    f.set_defaults(fn=cmd_rendezvous)
    f = sub.add_parser("invite")
    f.add_argument("target")
    f.add_argument("--nameplate", required=True)
    f.add_argument("--rounds", type=int, default=100)
    f.set_defaults(fn=cmd_invite)
    f = sub.add_parser("streams")
    f.add_argument("target")
    f.add_argument("--conns", type=int, default=20)
    f.set_defaults(fn=cmd_streams)
    f = sub.add_parser("monitor")
    f.add_argument("dir")
    f.add_argument("--petmail", required=True)
    f.add_argument("--contact", required=True)
    f.add_argument("--pid", type=int, required=True)
    f.add_argument("--seconds", type=float, default=120)
    f.add_argument("--interval", type=float, default=0.5)
    f.add_argument("--bound", type=float, default=2.0)
    f.set_defaults(fn=cmd_monitor)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
