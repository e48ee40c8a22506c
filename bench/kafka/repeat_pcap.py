#!/usr/bin/env python3
"""Writes a pcap holding the records of IN repeated until there are N, each copy's TCP source port and sequence
number changed so every record is a distinct connection request (checksums are not fixed: xdpdump does not check
them). Usage: repeat_pcap.py IN OUT N"""
import struct
import sys

src, dst, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, "rb") as f:
    header = f.read(24)
    records = []
    while True:
        head = f.read(16)
        if len(head) < 16:
            break
        caplen = struct.unpack("<IIII", head)[2]
        records.append((head, f.read(caplen)))
with open(dst, "wb") as out:
    out.write(header)
    for i in range(count):
        head, frame = records[i % len(records)]
        frame = bytearray(frame)
        ip_offset = 14
        if frame[12:14] == b"\x86\xdd":
            tcp = ip_offset + 40
        else:
            tcp = ip_offset + (frame[ip_offset] & 0x0F) * 4
        struct.pack_into(">H", frame, tcp, 1024 + i % 60000)  # source port
        struct.pack_into(">I", frame, tcp + 4, i)  # sequence number
        out.write(head)
        out.write(frame)
