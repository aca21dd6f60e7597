#!/usr/bin/env python3
"""Packet captures of real Linux kernel TCP connections, with controlled faults.

Run as root:  sudo python3 scripts/make-kernel-captures.py [--only VARIANT ...]

For each variant this makes two network namespaces (client `tcpcap-a`,
server `tcpcap-b`), each with a TAP (or, for one variant, a TUN) device
whose other end is a file descriptor held by this program. A forked copy of
this program is the wire between them: it delays every frame by a fixed
one-way delay (keeping order) and applies the variant's faults to TCP
segments only, counted in the order they are seen (never at random), so each
run makes the same kind of trace. tcpdump records the traffic inside the
namespaces, a poller in each namespace records every state change of the
test connection's socket as /proc/net/tcp{,6} shows it, and small Python
programs (run with `ip netns exec`) are the kernel's client and server.

Output, in engine/tests/captures/kernel/ (or --out): one capture per
vantage and link type, a NAME.json sidecar for each (addresses, the states
each end went through, the faults), and README.md (a table of them all).

Standard library only. Needs: ip (iproute2), tcpdump; editcap for pcapng;
tshark (optional) for the README's table of tcp.analysis flags.
"""

import argparse
import atexit
import errno
import fcntl
import json
import math
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DEFAULT = REPO / "engine" / "tests" / "captures" / "kernel"

PREFIX = "tcpcap-"
NS = {"client": "tcpcap-a", "server": "tcpcap-b"}
NS_PARENT = "tcpcap-p"  # only creates the other two, so they get small socket hash tables
DEV = {"client": "tcpcap0", "server": "tcpcap1"}
MAC = {"client": "02:00:0a:09:00:01", "server": "02:00:0a:09:00:02"}
ADDR = {4: {"client": "10.9.0.1", "server": "10.9.0.2"},
        6: {"client": "fd00:9::1", "server": "fd00:9::2"}}
PLEN = {4: 24, 6: 64}

DELAY = 0.020          # one-way delay of the wire, seconds
HOLD_LIMIT = 0.200     # a held (reordered) frame goes out after this at the latest
SETTLE = 1.5           # wait after the links come up (IPv6 MLD reports) before capturing
TAIL = 0.5             # keep recording this long after both ends are done
CMD_TIMEOUT = 15       # any one `ip`/`sysctl`/`editcap` command

C2S, S2C = "c2s", "s2c"
WORDS = {C2S: "client->server", S2C: "server->client"}

# /proc/net/tcp state codes -> RFC 9293 names.
STATES = {
    "01": "ESTABLISHED", "02": "SYN-SENT", "03": "SYN-RECEIVED",
    "04": "FIN-WAIT-1", "05": "FIN-WAIT-2", "06": "TIME-WAIT", "07": "CLOSED",
    "08": "CLOSE-WAIT", "09": "LAST-ACK", "0A": "LISTEN", "0B": "CLOSING",
    "0C": "SYN-RECEIVED", "CLOSED": "CLOSED",
}

CLIENT_CLOSES = (["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"],
                 ["LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"])
SERVER_CLOSES = (["SYN-SENT", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"],
                 ["LISTEN", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"])
RESET_BY_SERVER = (["SYN-SENT", "ESTABLISHED", "CLOSED"],
                   ["LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSED"])

# Each variant: one connection. `rules` are the wire's faults (see Policy);
# `captures` are (vantage, link, container).
VARIANTS = [
    dict(name="v4-loss", ip=4, dev="tap", port=5001, cport=40001,
         server=dict(mode="respond", resp=160_000),
         client=dict(mode="read"),
         rules=[dict(dir=S2C, kind="data", nth=25, action="drop"),
                dict(dir=S2C, kind="data", nth=70, action="drop")],
         summary="two of the server's data segments dropped mid-transfer (SACK-based fast retransmits)",
         captures=[("client", "ethernet", "pcap"), ("server", "sll", "pcap")],
         expect=CLIENT_CLOSES),
    dict(name="v4-rto", ip=4, dev="tap", port=5002, cport=40002,
         server=dict(mode="respond", resp=40_000),
         client=dict(mode="read"),
         rules=[dict(dir=S2C, kind="tail", times=2, action="drop")],
         summary="the last segment of the server's response dropped, and its first retransmission "
                 "(the tail loss probe) too, so only the retransmission timer recovers it",
         captures=[("client", "ethernet", "pcap"), ("server", "sll2", "pcap")],
         expect=CLIENT_CLOSES),
    dict(name="v6-dup-reorder", ip=6, dev="tap", port=5003, cport=40003,
         server=dict(mode="respond", resp=64_000),
         client=dict(mode="read", request_pad=600),
         rules=[dict(dir=C2S, kind="data", nth=1, action="dup"),
                dict(dir=S2C, kind="data", nth=8, action="dup"),
                dict(dir=S2C, kind="data", nth=20, action="hold"),
                dict(dir=S2C, kind="data", nth=36, action="hold")],
         summary="the client's request duplicated; one server data segment duplicated; "
                 "two server data segments each held back until the next one had passed",
         captures=[("client", "ethernet", "pcapng"), ("server", "sll", "pcap")],
         expect=CLIENT_CLOSES),
    dict(name="v4-syn-lost", ip=4, dev="tap", port=5004, cport=40004,
         server=dict(mode="respond", resp=3_000),
         client=dict(mode="read"),
         rules=[dict(dir=C2S, kind="syn", nth=1, action="drop")],
         summary="the client's first SYN dropped (the kernel sends it again after about 1 s)",
         captures=[("client", "ethernet", "pcap"), ("server", "sll2", "pcap")],
         expect=CLIENT_CLOSES),
    dict(name="v4-zero-window", ip=4, dev="tap", port=5005, cport=40005,
         server=dict(mode="respond", resp=48_000),
         client=dict(mode="read", rcvbuf=4096, sleep_before_read=1.5),
         rules=[],
         summary="no faults; the client (SO_RCVBUF 4096) reads nothing for 1.5 s, so its "
                 "window closes and the server probes it, then it reads everything",
         captures=[("client", "ethernet", "pcap"), ("server", "sll", "pcap")],
         expect=CLIENT_CLOSES),
    dict(name="v6-keepalive", ip=6, dev="tap", port=5006, cport=40006,
         server=dict(mode="respond", resp=1_000),
         client=dict(mode="read", keepalive=True, idle=3.5),
         rules=[],
         summary="no faults; the client (SO_KEEPALIVE, TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s) "
                 "stays idle 3.5 s after the response, then closes",
         captures=[("client", "ethernet", "pcap"), ("server", "sll2", "pcapng")],
         expect=CLIENT_CLOSES),
    dict(name="v4-reset", ip=4, dev="tap", port=5007, cport=40007,
         server=dict(mode="reset"),
         client=dict(mode="reset", request_pad=2000),
         rules=[],
         summary="no faults; the server reads 5 bytes of the client's 2 KB request and closes "
                 "with the rest unread, so its kernel sends an RST",
         captures=[("client", "ethernet", "pcap"), ("server", "sll", "pcap")],
         expect=RESET_BY_SERVER),
    dict(name="v4-server-closes-first", ip=4, dev="tun", port=5008, cport=40008,
         server=dict(mode="close-first", resp=4_000),
         client=dict(mode="to-eof"),
         rules=[dict(dir=S2C, kind="fin", nth=1, action="drop")],
         summary="TUN link (raw IP); the server closes first and its first FIN-carrying "
                 "segment is dropped, so the FIN is retransmitted",
         captures=[("client", "raw", "pcap"), ("server", "sll2", "pcap")],
         expect=SERVER_CLOSES),
]

LINKTYPES = {"ethernet": 1, "sll": 113, "sll2": 276, "raw": 101}  # pcap file header values
LINK_WORDS = {"ethernet": "Ethernet (TAP device)", "sll": "Linux cooked v1 (-i any -y LINUX_SLL)",
              "sll2": "Linux cooked v2 (-i any -y LINUX_SLL2)", "raw": "raw IP (TUN device)"}

# ---------------------------------------------------------------------------
# Programs run inside the namespaces (python3 -c CODE ARGS).

POLLER = r'''
import json, os, signal, sys, time
port = int(sys.argv[1])
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
signal.signal(signal.SIGINT, lambda *a: stop.append(1))
try:
    os.nice(-10)                   # keep up with the wire when the machine is busy
except OSError:
    pass
def scan():
    cur = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            f.readline()
            for line in f:
                p = line.split()
                if len(p) < 4:
                    continue
                l, r, st = p[1], p[2], p[3]
                lp = int(l.rsplit(":", 1)[1], 16)
                rp = int(r.rsplit(":", 1)[1], 16)
                if st == "0A":
                    if lp == port:
                        cur["LISTEN " + l] = st
                elif lp == port or rp == port:
                    cur[l + " " + r] = st
    return cur
prev = {}
first = True
last = None
while not stop:
    cur = scan()
    t = time.time()
    if last is not None and t - last > 0.002:
        print(json.dumps({"gap": t - last, "t": t}), flush=True)
    last = t
    for k, st in cur.items():
        if prev.get(k) != st:
            print(json.dumps({"t": t, "k": k, "st": st}), flush=True)
    for k in prev:
        if k not in cur:
            print(json.dumps({"t": t, "k": k, "st": "CLOSED"}), flush=True)
    prev = cur
    if first:
        print("ready", flush=True)
        first = False
    time.sleep(0.0005)
'''

COMMON = r'''
import json, socket, sys, time
a = json.loads(sys.argv[1])
fam = socket.AF_INET6 if a["ip"] == 6 else socket.AF_INET
def payload(n, tag):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += b"%s %07d abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\n" % (tag, i)
        i += 1
    return bytes(out[:n])
'''

SERVER = COMMON + r'''
ls = socket.socket(fam, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((a["addr"], a["port"]))
ls.listen(4)
ls.settimeout(a["timeout"])
print("ready", flush=True)
c, peer = ls.accept()
c.settimeout(a["timeout"])
mode = a["mode"]
if mode == "reset":
    c.recv(5)
    time.sleep(0.3)
    c.close()                      # unread data in the receive buffer: RST
else:
    req = b""
    while not req.endswith(b"\n"):
        d = c.recv(4096)
        if not d:
            break
        req += d
    c.sendall(payload(a["resp"], b"srv"))
    if mode == "close-first":
        time.sleep(0.1)            # a visible ESTABLISHED before FIN-WAIT-1
        c.close()
    else:
        while c.recv(65536):
            pass
        time.sleep(0.3)            # a visible CLOSE-WAIT (and FIN-WAIT-2 at the client)
        c.close()
ls.close()
print("done", flush=True)
'''

CLIENT = COMMON + r'''
s = socket.socket(fam, socket.SOCK_STREAM)
if a.get("rcvbuf"):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a["rcvbuf"])
if a.get("keepalive"):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 9)
s.bind((a["addr"], a["cport"]))
s.settimeout(a["timeout"])
s.connect((a["server"], a["port"]))
req = b"GET %d\n" % a.get("resp", 0)
pad = a.get("request_pad", 0)
if pad:
    req = payload(pad - 1, b"cli") + b"\n"
s.sendall(req)
if a.get("sleep_before_read"):
    time.sleep(a["sleep_before_read"])
mode = a["mode"]
got = 0
if mode == "reset":
    try:
        while s.recv(65536):
            pass
        print("no reset", flush=True)
    except ConnectionResetError:
        print("reset", flush=True)
    s.close()
elif mode == "to-eof":
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += len(d)
    time.sleep(0.3)                # a visible CLOSE-WAIT (and FIN-WAIT-2 at the server)
    s.close()
else:
    while got < a["resp"]:
        d = s.recv(65536)
        if not d:
            break
        got += len(d)
    if a.get("idle"):
        time.sleep(a["idle"])
    s.close()
print("got", got, flush=True)
'''

# ---------------------------------------------------------------------------
# Child processes and clean-up.

CHILDREN = []      # subprocess.Popen
RELAYS = []        # pids of forked relays


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, timeout=CMD_TIMEOUT, check=True):
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def list_namespaces():
    out = run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in out.splitlines() if line.split()]


def delete_namespaces():
    for ns in list_namespaces():
        if ns.startswith(PREFIX):
            run(["ip", "netns", "del", ns], check=False)
    for dev in DEV.values():       # a device not yet moved out of this namespace
        if os.path.exists(f"/sys/class/net/{dev}"):
            run(["ip", "link", "del", dev], check=False)


def stop_relays():
    for pid in list(RELAYS):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        RELAYS.remove(pid)


def kill_children():
    for p in CHILDREN:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except Exception:
                pass
    CHILDREN.clear()


MAIN_PID = os.getpid()


def cleanup():
    if os.getpid() != MAIN_PID:
        return
    kill_children()
    stop_relays()
    delete_namespaces()


class Proc:
    """A child process whose stdout and stderr lines are collected by threads."""

    def __init__(self, cmd, label):
        self.label = label
        self.out, self.err = [], []
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        CHILDREN.append(self.p)
        self.threads = [threading.Thread(target=self._read, args=(self.p.stdout, self.out), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_line(self, text, timeout, stream="out"):
        lines = self.out if stream == "out" else self.err
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(text in line for line in lines):
                return
            if self.p.poll() is not None:
                time.sleep(0.05)
                if any(text in line for line in lines):
                    return
                raise RuntimeError(f"{self.label} exited ({self.p.returncode}) before '{text}': "
                                   + " | ".join(self.err[-5:] + self.out[-5:]))
            time.sleep(0.005)
        raise RuntimeError(f"{self.label}: no '{text}' within {timeout} s: " + " | ".join(self.err[-5:]))

    def wait(self, timeout):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{self.label} still running after {timeout} s: "
                               + " | ".join(self.err[-5:] + self.out[-5:]))
        for t in self.threads:
            t.join(5)
        return rc

    def stop(self, sig, timeout):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.wait(timeout)
        except RuntimeError:
            self.p.kill()
            return self.wait(5)


# ---------------------------------------------------------------------------
# Links.

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000


def make_device(name, kind):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    flags = (IFF_TAP if kind == "tap" else IFF_TUN) | IFF_NO_PI
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), flags))
    return fd


def ns_sysctl(ns, *settings):
    run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", *settings])


def add_namespaces():
    """Makes the client and server namespaces.

    Reading /proc/net/tcp walks the whole established-socket hash table, which is
    shared by all namespaces unless net.ipv4.tcp_child_ehash_entries was set in
    the namespace that created them: with the host's table (here 262144 buckets)
    one read takes milliseconds, too slow to see short states. So a parent
    namespace with that setting creates them (`ip netns add` run by nsenter in
    the parent's network namespace only), and the host's setting is left alone.
    """
    nsenter = shutil.which("nsenter")
    if nsenter:
        run(["ip", "netns", "add", NS_PARENT])
        ns_sysctl(NS_PARENT, "net.ipv4.tcp_child_ehash_entries=1024")
    else:
        log("   warning: no nsenter: the namespaces share the host's socket hash table "
            "and the pollers will be slow")
    for side in ("client", "server"):
        prefix = [nsenter, f"--net=/run/netns/{NS_PARENT}"] if nsenter else []
        run(prefix + ["ip", "netns", "add", NS[side]])
    if nsenter:
        run(["ip", "netns", "del", NS_PARENT])


def setup_links(kind):
    fds = {}
    add_namespaces()
    for side in ("client", "server"):
        ns = NS[side]
        # Quiet IPv6: no router solicitations, no DAD (the devices inherit these
        # defaults when they are moved in).
        ns_sysctl(ns, *[f"net.ipv6.conf.{c}.{k}={v}" for c in ("all", "default")
                        for k, v in (("accept_dad", 0), ("dad_transmits", 0),
                                     ("router_solicitations", 0))])
    for side in ("client", "server"):
        ns, dev = NS[side], DEV[side]
        fds[side] = make_device(dev, kind)
        run(["ip", "link", "set", "dev", dev, "netns", ns])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        if kind == "tap":
            run(["ip", "-n", ns, "link", "set", "dev", dev, "address", MAC[side]])
        run(["ip", "-n", ns, "addr", "add", f"{ADDR[4][side]}/{PLEN[4]}", "dev", dev])
        run(["ip", "-n", ns, "addr", "add", f"{ADDR[6][side]}/{PLEN[6]}", "dev", dev, "nodad"])
        run(["ip", "-n", ns, "link", "set", "dev", dev, "up"])
        # The /24 and /64 prefix routes cover the peer on the point-to-point
        # TUN device too; check they are there.
        routes = run(["ip", "-n", ns, "route", "show", "dev", dev]) + \
            run(["ip", "-n", ns, "-6", "route", "show", "dev", dev])
        for prefix in ("10.9.0.0/24", "fd00:9::/64"):
            if prefix not in routes:
                run(["ip", "-n", ns, "route", "add", prefix, "dev", dev])
    return fds


# ---------------------------------------------------------------------------
# The wire.

class Seg:
    __slots__ = ("sport", "dport", "seq", "ack", "flags", "dlen")

    def __init__(self, sport, dport, seq, ack, flags, dlen):
        self.sport, self.dport, self.seq, self.ack = sport, dport, seq, ack
        self.flags, self.dlen = flags, dlen

    @property
    def syn(self):
        return bool(self.flags & 0x02)

    @property
    def fin(self):
        return bool(self.flags & 0x01)

    def flag_words(self):
        names = [(0x02, "SYN"), (0x01, "FIN"), (0x04, "RST"), (0x08, "PSH"), (0x10, "ACK")]
        return "+".join(n for bit, n in names if self.flags & bit)


def parse_tcp(frame, kind):
    """The TCP segment in a frame, or None."""
    off = 0
    if kind == "tap":
        if len(frame) < 14:
            return None
        ethertype = int.from_bytes(frame[12:14], "big")
        if ethertype not in (0x0800, 0x86DD):
            return None
        off = 14
    if len(frame) < off + 20:
        return None
    version = frame[off] >> 4
    if version == 4:
        ihl = (frame[off] & 15) * 4
        if frame[off + 9] != 6 or int.from_bytes(frame[off + 6:off + 8], "big") & 0x1FFF:
            return None
        total = int.from_bytes(frame[off + 2:off + 4], "big")
        t, ip_payload = off + ihl, total - ihl
    elif version == 6:
        if len(frame) < off + 40 or frame[off + 6] != 6:
            return None
        t, ip_payload = off + 40, int.from_bytes(frame[off + 4:off + 6], "big")
    else:
        return None
    if len(frame) < t + 20:
        return None
    sport, dport, seq, ack = struct.unpack("!HHII", frame[t:t + 12])
    doff = (frame[t + 12] >> 4) * 4
    return Seg(sport, dport, seq, ack, frame[t + 13], max(0, ip_payload - doff))


class Policy:
    """Decides what the wire does with each TCP segment, counting by order seen.

    Rules: dict(dir, kind, action, nth | times) where kind is
      data  the nth segment carrying data in that direction (retransmissions count),
      syn   the nth segment with SYN set,
      fin   the nth segment with FIN set,
      tail  the segment ending at the server's last response byte, its first `times` sendings;
    and action is drop, dup (send twice) or hold (send after the next TCP segment of that
    direction has passed).
    """

    def __init__(self, rules, resp_len):
        self.rules = rules
        self.resp_len = resp_len
        self.n = {d: {"seg": 0, "data": 0, "syn": 0, "fin": 0} for d in (C2S, S2C)}
        self.isn = {}
        self.hits = [0] * len(rules)
        self.log = []

    def rel(self, d, seq):
        return (seq - self.isn[d]) & 0xFFFFFFFF if d in self.isn else None

    def decide(self, d, seg):
        n = self.n[d]
        n["seg"] += 1
        if seg.syn:
            n["syn"] += 1
            self.isn.setdefault(d, seg.seq)
        if seg.fin:
            n["fin"] += 1
        if seg.dlen:
            n["data"] += 1
        for i, r in enumerate(self.rules):
            if r["dir"] != d:
                continue
            kind = r["kind"]
            if kind == "data":
                hit = seg.dlen > 0 and n["data"] == r["nth"]
                what = f"data segment #{r['nth']}"
            elif kind == "syn":
                hit = seg.syn and n["syn"] == r["nth"]
                what = f"SYN #{r['nth']}"
            elif kind == "fin":
                hit = seg.fin and n["fin"] == r["nth"]
                what = f"FIN-carrying segment #{r['nth']}"
            elif kind == "tail":
                end = (self.isn.get(d, 0) + 1 + self.resp_len) & 0xFFFFFFFF
                hit = (d in self.isn and seg.dlen > 0 and self.hits[i] < r["times"]
                       and (seg.seq + seg.dlen) & 0xFFFFFFFF == end)
                what = "segment ending at the response's last byte, sending #%d" % (self.hits[i] + 1)
            else:
                raise ValueError(kind)
            if hit:
                self.hits[i] += 1
                self.log.append(dict(t=time.time(), dir=d, action=r["action"], what=what,
                                     seg_no=n["seg"], rel_seq=self.rel(d, seg.seq),
                                     len=seg.dlen, flags=seg.flag_words()))
                return r["action"]
        return "pass"


def relay(fds, kind, policy, wake_r, stop):
    """Moves frames between the two devices until stop is set; returns counters."""
    out = {C2S: fds["server"], S2C: fds["client"]}
    src = {fds["client"]: C2S, fds["server"]: S2C}
    queue = {C2S: deque(), S2C: deque()}
    held = {C2S: None, S2C: None}
    count = {"frames": {C2S: 0, S2C: 0}, "tcp": {C2S: 0, S2C: 0}, "sent": {C2S: 0, S2C: 0},
             "write_errors": 0, "hold_timeouts": 0}
    poll = select.poll()
    for fd in (*src, wake_r):
        poll.register(fd, select.POLLIN)
    while not stop:
        now = time.monotonic()
        for d in (C2S, S2C):
            q = queue[d]
            while q and q[0][0] <= now:
                frame = q.popleft()[1]
                try:
                    os.write(out[d], frame)
                    count["sent"][d] += 1
                except OSError:
                    count["write_errors"] += 1
            if held[d] and held[d][1] <= now:
                queue[d].append((now + DELAY, held[d][0]))
                held[d] = None
                count["hold_timeouts"] += 1
        due = [q[0][0] for q in queue.values() if q] + [h[1] for h in held.values() if h]
        timeout = -1 if not due else max(0, math.ceil((min(due) - now) * 1000))
        for fd, _ in poll.poll(timeout):
            if fd == wake_r:
                os.read(wake_r, 64)
                continue
            d = src[fd]
            while True:
                try:
                    frame = os.read(fd, 65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as e:
                    if e.errno == errno.EAGAIN:
                        break
                    raise
                t = time.monotonic()
                count["frames"][d] += 1
                seg = parse_tcp(frame, kind)
                if seg is None:
                    queue[d].append((t + DELAY, frame))
                    continue
                count["tcp"][d] += 1
                action = policy.decide(d, seg)
                if action == "drop":
                    continue
                if action == "hold":
                    if held[d]:
                        queue[d].append((t + DELAY, held[d][0]))
                    held[d] = (frame, t + HOLD_LIMIT)
                    continue
                queue[d].append((t + DELAY, frame))
                if action == "dup":
                    queue[d].append((t + DELAY, frame))
                if held[d]:
                    queue[d].append((t + DELAY, held[d][0]))
                    held[d] = None
    return count


def start_relay(fds, kind, policy):
    """Forks the wire. Returns (pid, pipe its counters and log come back on)."""
    result_r, result_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(result_r)
            stop = []
            wake_r, wake_w = os.pipe()

            def on_term(*_):
                stop.append(1)
                os.write(wake_w, b"x")
            signal.signal(signal.SIGTERM, on_term)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                os.nice(-10)
            except OSError:
                pass
            count = relay(fds, kind, policy, wake_r, stop)
            data = json.dumps(dict(count=count, log=policy.log, isn=policy.isn)).encode()
            while data:
                data = data[os.write(result_w, data):]
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(result_w)
    RELAYS.append(pid)
    for fd in fds.values():
        os.close(fd)       # the relay holds them now; the devices go when it exits
    return pid, result_r


def finish_relay(pid, result_r):
    os.kill(pid, signal.SIGTERM)
    data = b""
    end = time.monotonic() + 10
    while time.monotonic() < end:
        r, _, _ = select.select([result_r], [], [], 0.5)
        if r:
            chunk = os.read(result_r, 65536)
            if not chunk:
                break
            data += chunk
    os.close(result_r)
    _, status = os.waitpid(pid, 0)
    RELAYS.remove(pid)
    if status != 0 or not data:
        raise RuntimeError(f"relay failed (status {status})")
    return json.loads(data)


# ---------------------------------------------------------------------------
# One variant.

def endpoint(ip, side, port):
    a = ADDR[ip][side]
    return f"[{a}]:{port}" if ip == 6 else f"{a}:{port}"


def conn_events(lines, vantage, cport):
    """The poller's records for the test connection (and the listener) on one side."""
    conn, listen = [], []
    for line in lines:
        if not line.startswith("{"):
            continue
        ev = json.loads(line)
        key = ev.get("k")
        if key is None:
            continue
        if key.startswith("LISTEN "):
            listen.append(ev)
            continue
        local, remote = key.split()
        lport = int(local.rsplit(":", 1)[1], 16)
        rport = int(remote.rsplit(":", 1)[1], 16)
        if (vantage == "client" and lport == cport) or (vantage == "server" and rport == cport):
            conn.append(ev)
    return conn, listen


def state_list(events):
    out = []
    for ev in events:
        name = STATES.get(ev["st"], ev["st"])
        if not out or out[-1] != name:
            out.append(name)
    return out


class Incomplete(RuntimeError):
    """A run whose capture missed packets: worth another try."""


def run_variant(v, tmp):
    log(f"== {v['name']}")
    delete_namespaces()
    ip, kind, port, cport = v["ip"], v["dev"], v["port"], v["cport"]
    resp = v["server"].get("resp", 0)
    fds = setup_links(kind)
    policy = Policy(v["rules"], resp)
    relay_pid, relay_r = start_relay(fds, kind, policy)
    time.sleep(SETTLE)

    py = sys.executable
    pollers = {side: Proc(["ip", "netns", "exec", NS[side], py, "-u", "-c", POLLER, str(port)],
                          f"poller-{side}") for side in ("client", "server")}
    for p in pollers.values():
        p.wait_line("ready", 10)

    dumps = []
    for vantage, link, container in v["captures"]:
        iface = DEV[vantage] if link in ("ethernet", "raw") else "any"
        path = tmp / f"{v['name']}-{vantage}-{link}.pcap"
        cmd = ["ip", "netns", "exec", NS[vantage], "tcpdump", "-n", "-U", "--immediate-mode",
               "-Z", "root", "-i", iface]
        if iface == "any":
            # In immediate mode libpcap's ring has one snaplen-sized slot per
            # packet, and on `any` (no MTU to size them by) the default 2 MiB
            # is only 7 slots: make it big enough for a whole burst.
            cmd += ["-B", "65536"]
        if link in ("sll", "sll2"):
            # tcpdump 4.99 picks cooked v2 for `any` by default: say which.
            cmd += ["-y", "LINUX_SLL" if link == "sll" else "LINUX_SLL2"]
        cmd += ["-w", str(path)]
        p = Proc(cmd, f"tcpdump-{vantage}-{link}")
        p.wait_line("listening on", 10, stream="err")
        dumps.append((vantage, link, container, path, p))
    time.sleep(0.1)

    t_start = time.time()
    base = dict(ip=ip, port=port, cport=cport, timeout=20)
    sargs = dict(base, addr=ADDR[ip]["server"], **v["server"])
    cargs = dict(base, addr=ADDR[ip]["client"], server=ADDR[ip]["server"], resp=resp, **v["client"])
    server = Proc(["ip", "netns", "exec", NS["server"], py, "-u", "-c", SERVER, json.dumps(sargs)],
                  "server")
    server.wait_line("ready", 10)
    client = Proc(["ip", "netns", "exec", NS["client"], py, "-u", "-c", CLIENT, json.dumps(cargs)],
                  "client")
    for p in (client, server):
        rc = p.wait(30)
        if rc != 0:
            raise RuntimeError(f"{p.label} failed ({rc}): " + " | ".join(p.err[-8:]))
    log(f"   client: {' '.join(client.out)}")

    # Until both sockets are in TIME-WAIT or gone, then a little longer.
    end = time.monotonic() + 15
    while time.monotonic() < end:
        last = []
        for side in ("client", "server"):
            conn, _ = conn_events(pollers[side].out, side, cport)
            last.append(STATES.get(conn[-1]["st"]) if conn else None)
        if all(s in ("TIME-WAIT", "CLOSED") for s in last):
            break
        time.sleep(0.01)
    else:
        log(f"   warning: final states not reached: {last}")
    time.sleep(TAIL)

    captured = {}
    for vantage, link, container, path, p in dumps:
        p.stop(signal.SIGINT, 10)
        text = "\n".join(p.err)
        m = re.search(r"(\d+) packets? captured", text)
        dropped = re.search(r"(\d+) packets? dropped by kernel", text)
        captured[path.name] = int(m.group(1)) if m else None
        if m is None or dropped is None:
            raise Incomplete(f"{path.name}: tcpdump did not report its counts: {text!r}")
        if int(dropped.group(1)):
            raise Incomplete(f"{path.name}: {dropped.group(1)} packets dropped by kernel")
        header = path.read_bytes()[:24]
        if len(header) < 24 or struct.unpack("<I", header[20:24])[0] != LINKTYPES[link]:
            raise RuntimeError(f"{path.name}: not a little-endian pcap with link type "
                               f"{LINKTYPES[link]} ({link})")
    for p in pollers.values():
        p.stop(signal.SIGTERM, 5)
    wire = finish_relay(relay_pid, relay_r)
    kill_children()
    delete_namespaces()

    states, logs, notes, gaps = {}, {}, [], {}
    for side in ("client", "server"):
        # The longest time between two reads of /proc while the connection lived.
        conn, _ = conn_events(pollers[side].out, side, cport)
        if conn:
            lo, hi = conn[0]["t"], conn[-1]["t"]
            gaps[side] = round(max([json.loads(line)["gap"] for line in pollers[side].out
                                    if line.startswith('{"gap"') and lo <= json.loads(line)["t"] <= hi]
                                   + [0.002]) * 1000, 1)
    for i, side in enumerate(("client", "server")):
        conn, listen = conn_events(pollers[side].out, side, cport)
        keys = {ev["k"] for ev in conn}
        if len(keys) != 1:
            notes.append(f"{side}: {len(keys)} sockets matched the test connection")
        events = conn
        if side == "server" and listen and conn and listen[0]["t"] <= conn[0]["t"] \
                and listen[0]["st"] == "0A":
            events = [listen[0]] + conn
        states[side] = state_list(events)
        logs[side] = [[round(ev["t"], 6), STATES.get(ev["st"], ev["st"])] for ev in events]
        if states[side] != v["expect"][i]:
            notes.append(f"{side}: expected {', '.join(v['expect'][i])}; the poller saw "
                         f"{', '.join(states[side]) or 'nothing'}")
    return dict(states=states, logs=logs, notes=notes, gaps=gaps, wire=wire, captured=captured,
                dumps=dumps, t_start=t_start)


def fault_words(v, wire):
    parts = [f"every frame delayed {DELAY * 1000:.0f} ms each way"]
    if v["summary"]:
        parts.append(v["summary"])
    for e in wire["log"]:
        verb = {"drop": "dropped", "dup": "duplicated", "hold": "held back (reordered)"}[e["action"]]
        seq = "" if e["rel_seq"] is None else f", relative seq {e['rel_seq']}"
        parts.append(f"{verb} {WORDS[e['dir']]} {e['what']} (TCP segment #{e['seg_no']} that way, "
                     f"{e['flags']}{seq}, {e['len']} data bytes)")
    expected = sum(1 for _ in v["rules"])
    if expected and not wire["log"]:
        parts.append("note: no fault rule matched")
    return "; ".join(parts)


def write_outputs(v, res, out_dir):
    for old in out_dir.glob(f"{v['name']}-*"):
        if old.name.startswith(v["name"] + "-client-") or old.name.startswith(v["name"] + "-server-"):
            old.unlink()
    faults = fault_words(v, res["wire"])
    made = []
    for vantage, link, container, path, _ in res["dumps"]:
        stem = path.stem
        if container == "pcapng":
            dest = out_dir / f"{stem}.pcapng"
            run(["editcap", "-F", "pcapng", str(path), str(dest)])
        else:
            dest = out_dir / f"{stem}.pcap"
            shutil.copyfile(path, dest)
        side = dict(
            variant=v["name"], file=dest.name, format=container, link=link,
            linktype=LINKTYPES[link], ip=v["ip"],
            vantage=vantage,
            client=endpoint(v["ip"], "client", v["cport"]),
            server=endpoint(v["ip"], "server", v["port"]),
            client_states=res["states"]["client"],
            server_states=res["states"]["server"],
            faults=faults,
            packets=res["captured"].get(path.name),
            delay_ms_each_way=round(DELAY * 1000),
            client_state_log=res["logs"]["client"],
            server_state_log=res["logs"]["server"],
            poller_max_gap_ms=res["gaps"],
            wire_log=res["wire"]["log"],
        )
        if res["notes"]:
            side["note"] = "; ".join(res["notes"])
        (out_dir / f"{stem}.json").write_text(json.dumps(side, indent=1) + "\n")
        made.append(dest)
    return made


# ---------------------------------------------------------------------------
# README.

FLAG_FIELDS = [
    ("retransmission", "tcp.analysis.retransmission"),
    ("fast retransmission", "tcp.analysis.fast_retransmission"),
    ("spurious retransmission", "tcp.analysis.spurious_retransmission"),
    ("out-of-order", "tcp.analysis.out_of_order"),
    ("previous segment not captured", "tcp.analysis.lost_segment"),
    ("ACKed unseen segment", "tcp.analysis.ack_lost_segment"),
    ("dup ACK", "tcp.analysis.duplicate_ack"),
    ("zero window", "tcp.analysis.zero_window"),
    ("zero window probe", "tcp.analysis.zero_window_probe"),
    ("zero window probe ACK", "tcp.analysis.zero_window_probe_ack"),
    ("window full", "tcp.analysis.window_full"),
    ("window update", "tcp.analysis.window_update"),
    ("keep-alive", "tcp.analysis.keep_alive"),
    ("keep-alive ACK", "tcp.analysis.keep_alive_ack"),
    ("port numbers reused", "tcp.analysis.reused_ports"),
    ("RST", "tcp.flags.reset"),
]


def tshark_flags(path):
    if not shutil.which("tshark"):
        return None
    cmd = ["tshark", "-n", "-r", str(path), "-Y", "tcp", "-T", "fields", "-E", "separator=|"]
    for _, f in FLAG_FIELDS:
        cmd += ["-e", f]
    out = run(cmd, timeout=60)
    counts = {}
    for line in out.splitlines():
        for (name, field), value in zip(FLAG_FIELDS, line.split("|")):
            if value and value not in ("0", "False"):
                counts[name] = counts.get(name, 0) + 1
    return counts


def tool_versions(cmd, lines=1):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return ", ".join(line.strip() for line in (r.stdout + r.stderr).splitlines()[:lines])
    except Exception:
        return "unknown"


def write_readme(out_dir, sysctls):
    sides = sorted((json.loads(p.read_text()) for p in out_dir.glob("*.json")),
                   key=lambda s: ([v["name"] for v in VARIANTS].index(s["variant"])
                                  if s["variant"] in [v["name"] for v in VARIANTS] else 99,
                                  s["vantage"]))
    lines = [
        "# Captures of the Linux kernel's own TCP",
        "",
        "Made by `sudo python3 scripts/make-kernel-captures.py` (regenerate with the same",
        "command; `--only VARIANT` remakes one). Each variant is one TCP connection between",
        "two network namespaces (client `tcpcap-a`: 10.9.0.1, fd00:9::1; server `tcpcap-b`:",
        "10.9.0.2, fd00:9::2), each with a TAP device (a TUN device for",
        "`v4-server-closes-first`) whose other end the script holds. The script itself is",
        f"the wire: it delays every frame {DELAY * 1000:.0f} ms each way, keeping order, and applies",
        "the variant's faults to TCP segments, counted in the order seen (never at random).",
        "The kernel's client and server are small Python programs; tcpdump records inside",
        "the namespaces (`-U --immediate-mode`; `-i DEV` for Ethernet and raw IP, `-i any -y",
        "LINUX_SLL` for Linux cooked v1, `-i any -y LINUX_SLL2` for v2; pcapng files are tcpdump's pcap",
        "converted with `editcap -F pcapng`).",
        "",
        "Each `NAME.json` holds the ground truth: the addresses, the faults, and the states",
        "each end's socket went through as a poller in its namespace saw them in",
        "/proc/net/tcp{,6} (read every 0.5 ms, in namespaces made with their own small",
        "socket hash table so a read is quick; `*_state_log` has the wall-clock times, the",
        "same clock as the capture's timestamps). The server's list starts with its",
        "listening socket's LISTEN. A socket leaving the table is CLOSED; recording stops",
        f"{TAIL} s after both ends are in TIME-WAIT or closed, so a TIME-WAIT is the last state",
        "recorded, not the last state the socket will have. `poller_max_gap_ms` is the",
        "longest pause between two reads while the connection lived (2.0: under 2 ms); a",
        "state shorter than that could be missed. `note` says where the poller's list",
        "differs from the expected one. `wire_log` lists each fault the wire applied.",
        "",
        f"- Kernel: {os.uname().release}",
        f"- {tool_versions(['tcpdump', '--version'], 2)}",
        f"- Flags below from {tool_versions(['tshark', '--version'])}",
        "- TCP settings in the namespaces (kernel defaults): "
        + ", ".join(f"{k}={v}" for k, v in sysctls.items()),
        "",
        "| file | bytes | packets | variant | link | IP | vantage | faults |",
        "|---|---|---|---|---|---|---|---|",
    ]
    summaries = {v["name"]: v["summary"] for v in VARIANTS}
    for s in sides:
        size = (out_dir / s["file"]).stat().st_size
        lines.append(f"| {s['file']} | {size} | {s.get('packets')} | {s['variant']} | "
                     f"{LINK_WORDS[s['link']]} | {s['ip']} | {s['vantage']} | "
                     f"{summaries.get(s['variant'], s['faults'])} |")
    lines += ["", "## States (as the pollers saw them)", "",
              "| variant | client | server |", "|---|---|---|"]
    seen = set()
    for s in sides:
        if s["variant"] in seen:
            continue
        seen.add(s["variant"])
        lines.append(f"| {s['variant']} | {' → '.join(s['client_states'])} | "
                     f"{' → '.join(s['server_states'])} |")
    lines += ["", "## tcp.analysis flags tshark finds (frames with each)", "",
              "| file | flags |", "|---|---|"]
    for s in sides:
        flags = tshark_flags(out_dir / s["file"])
        if flags is None:
            lines.append(f"| {s['file']} | (tshark not installed) |")
        else:
            lines.append(f"| {s['file']} | " + (", ".join(f"{k} {flags[k]}" for k, _ in FLAG_FIELDS
                                                           if k in flags) or "none") + " |")
    lines += [
        "",
        "Notes:",
        "",
        "- Linux probes a zero window with a zero-length segment one below the next",
        "  sequence number (as a keep-alive is), so tshark calls the probes in",
        "  `v4-zero-window` keep-alives and its ZeroWindowProbe flag never appears.",
        "- The faults happen on the wire between the two vantages: a segment the wire",
        "  dropped is in the sender's capture only, a duplicate or reordered one shows as",
        "  such only in the receiver's. So `v4-rto-client-ethernet.pcap` shows the tail",
        "  segment arriving once, late, and `v4-server-closes-first-client-raw.pcap` one",
        "  FIN; their flags are in the server's captures.",
        "- `tcp_congestion_control` is whatever the host's default is (new namespaces",
        "  inherit it); the script changes no TCP setting.",
    ]
    (out_dir / "README.md").write_text("\n".join(lines) + "\n")


def read_sysctls():
    names = ["tcp_sack", "tcp_timestamps", "tcp_window_scaling", "tcp_ecn",
             "tcp_congestion_control", "tcp_recovery", "tcp_early_retrans", "tcp_rmem", "tcp_wmem"]
    out = {}
    add_namespaces()
    try:
        for n in names:
            value = run(["ip", "netns", "exec", NS["client"], "sysctl", "-n", f"net.ipv4.{n}"],
                        check=False).strip()
            out[n] = " ".join(value.split())
    finally:
        delete_namespaces()
    return out


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT_DEFAULT)
    ap.add_argument("--only", nargs="*", help="variants to make (default: all)")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the raw tcpdump files")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (network namespaces and TUN/TAP devices)")
    for tool in ("ip", "tcpdump"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found")
    names = [v["name"] for v in VARIANTS]
    for n in args.only or []:
        if n not in names:
            sys.exit(f"unknown variant {n}; known: {', '.join(names)}")
    chosen = [v for v in VARIANTS if not args.only or v["name"] in args.only]
    if any(c == "pcapng" for v in chosen for _, _, c in v["captures"]) and not shutil.which("editcap"):
        sys.exit("editcap (wireshark-common) is needed for the pcapng files")

    atexit.register(cleanup)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    delete_namespaces()

    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="tcpcap-"))
    try:
        sysctls = read_sysctls()
        for v in chosen:
            for attempt in range(1, 4):
                try:
                    res = run_variant(v, tmp)
                    break
                except Incomplete as e:
                    log(f"   attempt {attempt}: {e}")
                    kill_children()
                    stop_relays()
                    delete_namespaces()
            else:
                raise RuntimeError(f"{v['name']}: no complete capture in 3 attempts")
            made = write_outputs(v, res, args.out)
            for n in res["notes"]:
                log(f"   note: {n}")
            log(f"   client: {' → '.join(res['states']['client'])}")
            log(f"   server: {' → '.join(res['states']['server'])}")
            for path in made:
                log(f"   {path.name}: {path.stat().st_size} bytes, "
                    f"{res['captured'].get(path.with_suffix('.pcap').name)} packets")
        write_readme(args.out, sysctls)
    finally:
        if args.keep_tmp:
            log(f"raw captures kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    log("done")


if __name__ == "__main__":
    main()
