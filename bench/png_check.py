#!/usr/bin/env python3
"""Is a screenshot more than a blank page? Decodes a PNG with zlib alone (8-bit RGB or RGBA, not interlaced: what
Chromium writes) and prints, per file, its size, the share of pixels that differ from the most common colour
(the background) and the number of distinct colours; exits 1 when a file has under MIN_INK (default 0.5 %) of
such pixels or under 16 colours — a blank, a solid fill, or a page that never rendered.

Usage: png_check.py [--min-ink 0.005] FILE.png...
"""
import struct
import sys
import zlib
from collections import Counter


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    args = sys.argv[1:]
    min_ink = 0.005
    if args[:1] == ["--min-ink"]:
        min_ink = float(args[1])
        args = args[2:]
    bad = 0
    for path in args:
        w, h, bpp, rows = pixels(path)
        counts = Counter()
        for r in rows[::2]:  # every other row: plenty for a share
            for x in range(0, w * bpp, bpp * 2):
                counts[r[x:x + 3]] += 1
        total = sum(counts.values())
        bg, n = counts.most_common(1)[0]
        ink = 1 - n / total
        ok = ink >= min_ink and len(counts) >= 16
        bad += not ok
        print(f"{path}: {w}x{h}, background #{bg.hex()}, {ink:.1%} of pixels not background, {len(counts)} colours: {'ok' if ok else 'BLANK'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
