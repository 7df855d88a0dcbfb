#!/usr/bin/env python3
"""Builds a large JSONL corpus (gzip, or plain with --plain) from a make_corpus.py corpus by repeating it with
fresh ids.

make_corpus.py runs out of real text near 90 MB, so the 1 GB engine benchmark repeats that corpus:
copy k of document "x" gets id "x~k" and is otherwise unchanged (the engine benchmark has no dedup
step, so repeats cost exactly what new documents would).

    replicate_corpus.py SRC_DIR OUT_DIR --mb 1000 [--files 8] [--plain]   # --plain: part-*.jsonl, uncompressed
"""
import argparse, glob, gzip, json, os

ap = argparse.ArgumentParser()
ap.add_argument("src"); ap.add_argument("out")
ap.add_argument("--mb", type=float, default=1000); ap.add_argument("--files", type=int, default=8)
ap.add_argument("--plain", action="store_true", help="write uncompressed part-*.jsonl")
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
lines = []
for f in sorted(glob.glob(os.path.join(a.src, "part-*.jsonl"))):
    lines += open(f, "rb").read().splitlines()
outs = [open(os.path.join(a.out, f"part-{i:05d}.jsonl"), "wb") if a.plain else
        gzip.open(os.path.join(a.out, f"part-{i:05d}.jsonl.gz"), "wb", compresslevel=6) for i in range(a.files)]
target = a.mb * 1e6
written, k, n = 0, 0, 0
while written < target:
    for ln in lines:
        d = json.loads(ln)
        d["id"] = f"{d['id']}~{k}"
        b = (json.dumps(d, ensure_ascii=False) + "\n").encode()
        outs[n % a.files].write(b)
        written += len(b); n += 1
        if written >= target:
            break
    k += 1
for o in outs:
    o.close()
print(f"{n} documents, {written / 1e6:.0f} MB of JSONL in {a.files} {'plain' if a.plain else 'gzip'} files under {a.out}")
