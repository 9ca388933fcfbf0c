#!/usr/bin/env python3
"""Prints the byte-rarity table daemon/litscan.c chooses grams with.

Counts every byte of the given files as litscan's hash sees it (OR 0x20,
so both cases of a letter are one byte) and prints, for each of the 256
bytes, round(-8 * log2(frequency)) capped at 255 (a byte never seen gets
the cap), as the body of a C array. litscan enters each literal under
its 4-byte gram with the highest sum, the one least likely to occur in
log text, so that few subject positions need a verification. The table
in litscan.c was made from real logs, not from the benchmark corpus:

    bench/bytefreq.py $(find ../shared/corpus -type f ! -name '*.md' \\
        ! -name '*.csv')

usage: bench/bytefreq.py FILE...
"""

import math
import sys


def main():
    counts = [0] * 256
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            data = f.read()
        for b in range(256):
            counts[b | 0x20] += data.count(bytes([b]))
    total = sum(counts)
    if total == 0:
        sys.exit("bytefreq: no bytes")
    vals = []
    for b in range(256):
        if counts[b] == 0:
            vals.append(255)
        else:
            vals.append(min(255, round(-8 * math.log2(counts[b] / total))))
    print("\t/* %d files, %d bytes */" % (len(sys.argv) - 1, total))
    for i in range(0, 256, 12):
        print("\t" + ", ".join("%3d" % v for v in vals[i:i + 12]) + ",")
    return 0


if __name__ == "__main__":
    sys.exit(main())
