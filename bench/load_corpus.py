#!/usr/bin/env python3
"""Generates a large JSONL corpus for the load runs (issue 25) from the real text in ../shared/corpora: many short
documents (--docs N: one to three lines of real text each) or a given number of bytes of long documents (--gb G:
about 10 KB each, lines of real text in random order). One document in 50 repeats an earlier one's text exactly
(with its own id), so exact dedup has work at every scale. Deterministic for a seed; nothing is committed.

    load_corpus.py OUT_DIR (--docs 10000000 | --gb 20) [--files 16] [--seed 1] [--corpora ../shared/corpora]
"""
import argparse, glob, gzip, json, os, random

ap = argparse.ArgumentParser()
ap.add_argument("out")
g = ap.add_mutually_exclusive_group(required=True)
g.add_argument("--docs", type=int, help="short documents: this many")
g.add_argument("--gb", type=float, help="long documents: this many GB (1e9 bytes) of JSONL")
ap.add_argument("--files", type=int, default=16)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--corpora", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/corpora"))
a = ap.parse_args()

# Lines of real text (not the raw HTML), JSON-escaped once so documents are joined without encoding each again.
lines = []
for f in sorted(glob.glob(os.path.join(a.corpora, "*.jsonl.gz"))):
    if "html" in os.path.basename(f):
        continue
    with gzip.open(f, "rt", encoding="utf-8") as fh:
        for ln in fh:
            for t in json.loads(ln)["text"].split("\n"):
                t = t.strip()
                if len(t) >= 20:
                    lines.append(json.dumps(t, ensure_ascii=False)[1:-1])
if not lines:
    raise SystemExit(f"no text under {a.corpora}")
rng = random.Random(a.seed)
os.makedirs(a.out, exist_ok=True)
outs = [open(os.path.join(a.out, f"part-{i:05d}.jsonl"), "w", encoding="utf-8", buffering=1 << 22) for i in range(a.files)]
recent = []   # texts an exact duplicate may repeat
n = written = 0
target_bytes = int(a.gb * 1e9) if a.gb else None
sep = "\\n"
while (n < a.docs) if a.docs else (written < target_bytes):
    if n % 50 == 49 and recent:
        body = recent[rng.randrange(len(recent))]
    elif a.docs:
        body = " ".join(rng.choices(lines, k=rng.randint(1, 3)))
    else:
        parts, size = [], 0
        while size < 10_000:
            p = lines[rng.randrange(len(lines))]
            parts.append(p); size += len(p) + 2
        body = sep.join(parts)
    if n % 97 == 0:
        recent.append(body)
        if len(recent) > 1000:
            recent.pop(0)
    row = f'{{"id":"load-{n}","text":"{body}"}}\n'
    outs[n % a.files].write(row)
    written += len(row.encode("utf-8")) if target_bytes else 0
    n += 1
for o in outs:
    o.close()
total = sum(os.path.getsize(o.name) for o in outs)
print(f"{a.out}: {n} documents, {total / 1e9:.2f} GB in {a.files} files")
