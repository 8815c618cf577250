#!/usr/bin/env python3
"""Builds a large capture for the traffic benchmark by merging and rewriting real captures:
every Ethernet IPv4 packet of ../shared/corpora/pcaps (IoT Sentinel and Zeek's traces), copied
again and again with the last two octets of each address rewritten per copy, so each copy is a
new set of flows (many flows, real payloads). The clock runs forward as in one long capture:
each file's packets keep their spacing (a gap longer than an hour shortened to one, a step back
made zero) and follow the previous file's last packet, and each copy follows the previous copy. Output: pcap (microseconds, little-endian).

    scripts/make-big-capture.py OUT.pcap [--size-mib 1100]
"""

import argparse
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "pcaps"


def packets(path):
    data = path.read_bytes()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        e = ">"
    else:
        return  # nanosecond and pcapng files are left out: the microsecond pcaps are plenty
    link = struct.unpack(e + "I", data[20:24])[0]
    if link != 1:
        return
    at = 24
    while at + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(e + "IIII", data[at:at + 16])
        frame = data[at + 16:at + 16 + incl]
        at += 16 + incl
        if len(frame) == incl and len(frame) >= 34 and frame[12:14] == b"\x08\x00":
            yield sec, usec, frame


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size-mib", type=int, default=1100)
    args = ap.parse_args()
    # (microseconds since the start of the merged capture, frame)
    frames = []
    clock = 0
    for p in sorted(CORPUS.rglob("*.pcap")):
        file_frames = list(packets(p))
        if not file_frames:
            continue
        prev = None
        for sec, usec, frame in file_frames:
            now = sec * 1_000_000 + usec
            if prev is not None:
                clock += min(max(now - prev, 0), 3600 * 1_000_000)
            prev = now
            frames.append((clock, frame))
        clock += 1_000_000
    span = clock
    if not frames:
        print("make-big-capture: no Ethernet IPv4 packets under", CORPUS, file=sys.stderr)
        return 1
    target = args.size_mib << 20
    written = 0
    copy = 0
    with open(args.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        while written < target:
            hi, lo = (copy >> 8) & 0xFF, copy & 0xFF
            chunk = bytearray()
            for t, frame in frames:
                f = bytearray(frame)
                # source and destination: keep the first two octets, rewrite the last two per copy
                f[28:30] = bytes((hi, lo))
                f[32:34] = bytes((lo, hi))
                t += 1_600_000_000_000_000 + copy * span
                chunk += struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(f), len(f)) + f
            out.write(chunk)
            written += len(chunk)
            copy += 1
    print(f"make-big-capture: {args.out}: {written >> 20} MiB, {copy} copies of {len(frames)} packets", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
