# SYNs of varied stacks for FingerprintIT: one per source port, written to the pcap named by argv[1].
import sys
from scapy.all import Ether, IP, IPv6, TCP, Raw, wrpcap, IPv6ExtHdrDestOpt
E = lambda: Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
def v4(**kw):
    ip = dict(src="198.18.0.1", dst="198.18.0.2", ttl=64, flags="DF", id=0x1234)
    ip.update(kw.pop("ip", {}))
    tcp = dict(sport=40000, dport=80, flags="S", seq=1000, window=64240)
    tcp.update(kw)
    return E()/IP(**ip)/TCP(**tcp)
frames = [
  # Linux-like
  v4(options=[("MSS",1460),("SAckOK",b""),("Timestamp",(12345,0)),("NOP",None),("WScale",7)], window=64240, sport=40001),
  # Windows-like, ttl 128, id non-zero no DF
  v4(ip=dict(ttl=128, flags=0, id=0x4d2), options=[("MSS",1460),("NOP",None),("WScale",8),("NOP",None),("NOP",None),("SAckOK",b"")], window=64240, sport=40002),
  # BSD-like
  v4(options=[("MSS",1460),("NOP",None),("WScale",6),("SAckOK",b""),("Timestamp",(1,0))], window=65535, sport=40003),
  # no options, DF off, id zero
  v4(ip=dict(flags=0, id=0, ttl=255), options=[], window=1024, sport=40004),
  # EOL with padding
  v4(options=[("MSS",1460),("EOL",None),("NOP",None),("NOP",None)], window=5840, sport=40005),
  # EOL with non-zero padding
  v4(options=[("MSS",1460),("NOP",None),("EOL",None)], window=2920, sport=40006),
  # EOL with non-zero padding (options written raw: data offset 7)
  v4(dataofs=7, options=[], window=2920, sport=40018)/Raw(b"\x02\x04\x05\xb4\x00\x00\x05\x00"),
  # mtu multiple, ttl 57
  v4(ip=dict(ttl=57), options=[("MSS",1400),("NOP",None),("WScale",2)], window=1440*4, sport=40007),
  # odd window, ts zero, ts2 non-zero, wscale 15
  v4(options=[("MSS",536),("Timestamp",(0,77)),("WScale",15)], window=12345, sport=40008),
  # ECN SYN (ECE+CWR), ip ECT
  v4(ip=dict(tos=0x02), flags="SEC", options=[("MSS",1460)], window=29200, sport=40009),
  # seq zero, urg pointer, ack non-zero, push, payload
  E()/IP(src="198.18.0.1", dst="198.18.0.2", ttl=64, flags="DF", id=1)/TCP(sport=40010, dport=80, flags="SP", seq=0, ack=0x01020304, urgptr=5, window=8192, options=[("MSS",1460)])/Raw(b"hello"),
  # MSS minus 12 with timestamps
  v4(options=[("MSS",1460),("Timestamp",(5,0))], window=1448*10, sport=40011),
  # unknown option kind, sack
  v4(options=[("MSS",1460),(30, b"\x01\x02"),("NOP",None),("NOP",None)], window=4096, sport=40012),
  # bad MSS length
  v4(dataofs=7, options=[], window=4096, sport=40013)/Raw(b"\x02\x05\x05\xb4\x00\x01\x01\x01"),
  # IPv4 options (RR-ish NOPs)
  E()/IP(src="198.18.0.1", dst="198.18.0.2", ttl=64, flags="DF", id=9, options=[b"\x01\x01\x01\x00"])/TCP(sport=40014, dport=80, flags="S", seq=7, window=65535, options=[("MSS",1460)]),
  # IPv6 with flow label, Linux layout
  E()/IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64, fl=0x12345)/TCP(sport=40015, dport=80, flags="S", seq=99, window=64800, options=[("MSS",1440),("SAckOK",b""),("Timestamp",(999,0)),("NOP",None),("WScale",7)]),
  # IPv6 no flow, ECN
  E()/IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=128, tc=0x01)/TCP(sport=40016, dport=80, flags="S", seq=99, window=65535, options=[("MSS",1440),("NOP",None),("WScale",8),("NOP",None),("NOP",None),("SAckOK",b"")]),
  # IPv6 behind destination options
  E()/IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64)/IPv6ExtHdrDestOpt()/TCP(sport=40017, dport=80, flags="S", seq=99, window=64800, options=[("MSS",1440),("NOP",None),("WScale",7)]),
]
for i, f in enumerate(frames):
    f.time = 1700000000 + i
wrpcap(sys.argv[1], frames)
