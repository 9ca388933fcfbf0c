#!/usr/bin/env python3
"""Prints the two tables daemon/litscan.c chooses grams with.

Counts every byte and every 4-byte gram of the given files as litscan's
hash sees them (each byte OR 0x20, so both cases of a letter are one)
and prints, as bodies of C arrays:

  - for each of the 256 bytes, round(-8 * log2(frequency)) capped at 255
    (a byte never seen gets the cap): a gram's rarity is the sum of its
    bytes';
  - with --grams N, the N most frequent grams as little-endian uint32
    values, sorted: litscan avoids them whatever their bytes' rarity
    ("tion", "erro", "http" are made of rare enough bytes).

litscan enters each literal under the grams least likely to occur in log
text, so that few subject positions need a verification. The tables in
litscan.c were made from real logs, not from the benchmark corpus:

    bench/bytefreq.py --grams 256 $(find ../shared/corpus -type f \\
        ! -name '*.md' ! -name '*.csv' ! -name 'LICENSE*')

usage: bench/bytefreq.py [--grams N] FILE...
"""

import collections
import math
import struct
import sys


def grams(paths, n):
    """The n most frequent folded 4-byte grams of the files, sorted."""
    counts = collections.Counter()
    for path in paths:
        with open(path, "rb") as f:
            data = bytes(b | 0x20 for b in f.read())
        counts.update(data[i:i + 4] for i in range(len(data) - 3))
    return sorted(struct.unpack("<I", g)[0] for g, _ in
                  counts.most_common(n))


def main():
    args = sys.argv[1:]
    ngrams = 0
    if args[:1] == ["--grams"]:
        ngrams, args = int(args[1]), args[2:]
    counts = [0] * 256
    for path in args:
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
    print("\t/* %d files, %d bytes */" % (len(args), total))
    for i in range(0, 256, 16):
        print("\t" + "".join("%3d," % v for v in vals[i:i + 16]))
    if ngrams:
        print("\t/* the %d most frequent grams */" % ngrams)
        g = grams(args, ngrams)
        for i in range(0, len(g), 6):
            print("\t" + " ".join("0x%08x," % v for v in g[i:i + 6]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
