#!/usr/bin/env python3
"""How many eBPF instructions each of bench/filter-cost's frames runs through, per expression.

    python3 bench/filter_path.py bench/results/filter-cost-STAMP.listings.txt

Reads the eBPF listings FilterCost writes (FilterExpression.ebpfListing: llvm-objdump's syntax) and follows each
listing on the benchmark's four SYNs, as the kernel would: r1 the frame's start, r2 its end, r3 its length. Only the
instruction forms the translator emits are known; anything else stops with an error. The frames mirror
FilterCost.FRAMES (addresses and ports; the TCP options do not matter to these expressions). Prints, per expression,
its length and, per frame, the verdict and the instructions run: what the "extra vs reference" column pays for.
"""
import ipaddress
import re
import sys

ETHERNET = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1])


def tcp(port):
    return (40000).to_bytes(2, "big") + port.to_bytes(2, "big") + bytes(8) + bytes([0xA0, 0x02]) + bytes(26)


def ipv4(port):
    header = bytes([0x45, 0, 0, 60, 0, 1, 0x40, 0, 64, 6, 0, 0])
    return (ETHERNET + b"\x08\x00" + header + ipaddress.ip_address("198.19.0.7").packed
            + ipaddress.ip_address("198.18.0.1").packed + tcp(port))


def ipv6(port):
    header = bytes([0x60, 0, 0, 0, 0, 40, 6, 64])
    return (ETHERNET + b"\x86\xdd" + header + ipaddress.ip_address("2001:db8::7").packed
            + ipaddress.ip_address("2001:db8::1").packed + tcp(port))


FRAMES = [("IPv4 SYN :443", ipv4(443)), ("IPv4 SYN :80", ipv4(80)),
          ("IPv6 SYN :443", ipv6(443)), ("IPv6 SYN :80", ipv6(80))]
BASE = 1 << 40  # where the frame "is": far from the stack's small negative addresses
MASK64 = (1 << 64) - 1
ALU = {"=": lambda a, b: b, "+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "&=": lambda a, b: a & b,
       "|=": lambda a, b: a | b, "^=": lambda a, b: a ^ b, "*=": lambda a, b: a * b,
       "<<=": lambda a, b: a << b, ">>=": lambda a, b: a >> b}
JUMP = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, "&": lambda a, b: a & b != 0}


def run(program, frame):
    """Returns (instructions run, r0 at exit)."""
    reg = [0] * 11
    reg[1], reg[2], reg[3] = BASE, BASE + len(frame), len(frame)
    stack = {}
    operand = lambda s: reg[int(s[1:])] if s[0] in "rw" else int(s, 0)
    pc = ran = 0
    while True:
        ran += 1
        insn = program[pc]
        pc += 1
        if insn == "exit":
            return ran, reg[0]
        if m := re.fullmatch(r"if ([rw])(\d+) (\S+) (\S+) goto (\d+)", insn):
            width, dst, op, src, target = m.groups()
            a, b = reg[int(dst)], operand(src)
            if width == "w":
                a, b = a & 0xFFFFFFFF, b & 0xFFFFFFFF
            if JUMP[op](a, b):
                pc = int(target)
        elif m := re.fullmatch(r"goto (\d+)", insn):
            pc = int(m.group(1))
        elif m := re.fullmatch(r"[rw](\d+) = \*\(u(\d+) \*\)\(r(\d+) ([+-]) (\S+)\)", insn):
            dst, bits, base, sign, offset = m.groups()
            address = reg[int(base)] + int(sign + offset, 0)
            size = int(bits) // 8
            if address >= BASE:
                reg[int(dst)] = int.from_bytes(frame[address - BASE:address - BASE + size], "little")
            else:
                reg[int(dst)] = stack.get(address, 0)
        elif m := re.fullmatch(r"\*\(u32 \*\)\(r10 - (\S+)\) = (\S+)", insn):
            stack[-int(m.group(1), 0)] = operand(m.group(2))
        elif m := re.fullmatch(r"[rw](\d+) = be(\d+) [rw]\d+", insn):
            dst, size = int(m.group(1)), int(m.group(2)) // 8
            reg[dst] = int.from_bytes((reg[dst] & ((1 << 8 * size) - 1)).to_bytes(size, "little"), "big")
        elif m := re.fullmatch(r"([rw])(\d+) (\S*=) (\S+)", insn):
            width, dst, op, src = m.groups()
            value = ALU[op](reg[int(dst)], operand(src))
            reg[int(dst)] = value & (0xFFFFFFFF if width == "w" else MASK64)
        else:
            raise SystemExit(f"filter_path: unknown instruction '{insn}'")


def main():
    text = open(sys.argv[1]).read()
    print("| expression | eBPF insns | " + " | ".join(name for name, _ in FRAMES) + " |")
    print("|---|---|" + "---|" * len(FRAMES))
    for section in text.split("## ")[1:]:
        name = section.split(":")[0]
        listing = section.split("\neBPF, ")[1].splitlines()[1:]
        program = [re.sub(r"^\s*\d+: ", "", line) for line in listing if re.match(r"^\s*\d+: ", line)]
        cells = []
        for _, frame in FRAMES:
            ran, verdict = run(program, frame)
            cells.append(f"{'keeps' if verdict else 'rejects'}, {ran} run")
        print(f"| {name} | {len(program)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
