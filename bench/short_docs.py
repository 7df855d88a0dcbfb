#!/usr/bin/env python3
"""Cuts a make_corpus.py folder into many short documents (for memory at 100k and 1M documents): each text is
split into pieces of WORDS words; copy k of the collection (k ≥ 1) replaces one word in ten with "k<k>w<i>", so
copies are near-duplicates rather than exact ones. Writes part-*.jsonl.

    short_docs.py SRC_DIR OUT_DIR --docs 1000000 [--words 40] [--files 4]
"""
import argparse, glob, json, os

ap = argparse.ArgumentParser()
ap.add_argument("src"); ap.add_argument("out")
ap.add_argument("--docs", type=int, required=True); ap.add_argument("--words", type=int, default=40)
ap.add_argument("--files", type=int, default=4)
a = ap.parse_args()
pieces = []
for f in sorted(glob.glob(os.path.join(a.src, "part-*.jsonl"))):
    for line in open(f, encoding="utf-8"):
        w = json.loads(line)["text"].split()
        pieces += [w[i:i + a.words] for i in range(0, len(w) - a.words + 1, a.words)]
os.makedirs(a.out, exist_ok=True)
outs = [open(os.path.join(a.out, f"part-{i:05d}.jsonl"), "w", encoding="utf-8") for i in range(a.files)]
n = 0
while n < a.docs:
    k = n // len(pieces)
    w = list(pieces[n % len(pieces)])
    if k:
        for i in range(k % 10, len(w), 10):
            w[i] = f"k{k}w{i}"
    outs[n % a.files].write(json.dumps({"id": f"s{n}", "text": " ".join(w)}) + "\n")
    n += 1
for o in outs:
    o.close()
print(f"{n} documents of {a.words} words under {a.out} ({len(pieces)} distinct pieces)")
