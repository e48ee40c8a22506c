#!/usr/bin/python3
# Crafted SYNs for samples/README.md, run in the lab's sender namespace: a Windows-like layout with TTL 64 (claims Windows, carries Linux's TTL),
# a real Windows-like one with TTL 128, and a masscan-like bare SYN.
from scapy.all import IP, TCP, send
w = [("MSS",1460),("NOP",None),("WScale",8),("NOP",None),("NOP",None),("SAckOK",b"")]
pk = []
for i in range(3):
    pk.append(IP(src="198.18.0.2", dst="198.18.0.1", ttl=64, flags="DF", id=100+i)/TCP(sport=50100+i, dport=8001, flags="S", window=64240, options=w))
for i in range(2):
    pk.append(IP(src="198.18.0.3", dst="198.18.0.1", ttl=128, flags="DF", id=200+i)/TCP(sport=50200+i, dport=8002, flags="S", window=64240, options=w))
for i in range(4):
    pk.append(IP(src="198.18.0.4", dst="198.18.0.1", ttl=255, id=54321)/TCP(sport=61000, dport=8001+i, flags="S", window=1024, options=[]))
send(pk, verbose=False)
