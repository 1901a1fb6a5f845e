#!/usr/bin/env python3
"""Seed files for the fuzz harnesses from real runs' captures (wire.pcap of
`mitmlab run NAME --headless --out DIR`); the seeds are committed, this is
how they were made.

  pcap-seeds.py frames OUT RUN_DIR...   fuzz_stream: every frame of RUN_DIR/wire.pcap as
                                        [u16 length][frame] records, one file per run
  pcap-seeds.py streams OUT RUN_DIR...  fuzz_frames: each direction of each TCP connection to
                                        port 4433, reassembled (lab protocol frames), one file each
"""
import os
import struct
import sys

PORT = 4433


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise SystemExit(f"{path}: not a pcap file")
    if struct.unpack(end + "I", data[20:24])[0] != 1:
        raise SystemExit(f"{path}: not Ethernet")
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8 : off + 12])[0]
        yield data[off + 16 : off + 16 + incl]
        off += 16 + incl


def tcp(frame):
    """(four-tuple, seq, payload) of an IPv4 TCP frame, or None."""
    if len(frame) < 14 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    if len(ip) < 20 or ip[9] != 6:
        return None
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    seg = ip[ihl:total]
    if len(seg) < 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", seg[:8])
    doff = (seg[12] >> 4) * 4
    return (ip[12:16], sport, ip[16:20], dport), seq, seg[doff:]


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("frames", "streams"):
        raise SystemExit(__doc__)
    mode, out, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    for run in runs:
        name = os.path.basename(os.path.normpath(run))
        pcap = os.path.join(run, "wire.pcap")
        if mode == "frames":
            with open(os.path.join(out, f"run-{name}"), "wb") as f:
                for fr in frames(pcap):
                    f.write(struct.pack(">H", min(len(fr), 0xFFFF)) + fr[:0xFFFF])
            continue
        streams, seen = {}, set()
        for fr in frames(pcap):
            t = tcp(fr)
            if not t or PORT not in (t[0][1], t[0][3]) or not t[2]:
                continue
            key = (t[0], t[1])
            if key in seen:  # the same segment on another leg, or a retransmission
                continue
            seen.add(key)
            streams.setdefault(t[0], []).append((t[1], t[2]))
        for i, (tup, segs) in enumerate(sorted(streams.items())):
            segs.sort()
            d = "c2s" if tup[3] == PORT else "s2c"
            with open(os.path.join(out, f"run-{name}-{i}-{d}"), "wb") as f:
                f.write(b"".join(p for _, p in segs))


if __name__ == "__main__":
    main()
