#!/usr/bin/env python3
"""datasketch MinHash(112) + MinHashLSH(14, 8) with a chosen permutation seed, as ../shared/bench/anchors/ds_minhash.py
does with seed 1 (word 5-grams of lower-cased text, punctuation removed; a document is removed when the LSH holds a
candidate for it), so recall can be compared over several draws. Writes OUT/removed.jsonl.

    ds_seeds.py CORPUS_DIR OUT_DIR --seed N
"""
import argparse, glob, json, os, re
from datasketch import LeanMinHash, MinHash, MinHashLSH

ap = argparse.ArgumentParser()
ap.add_argument("corpus"); ap.add_argument("out"); ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
split = re.compile(r"\W+", re.UNICODE)
lsh = MinHashLSH(num_perm=112, params=(14, 8))
os.makedirs(a.out, exist_ok=True)
with open(os.path.join(a.out, "removed.jsonl"), "w") as out:
    for f in sorted(glob.glob(os.path.join(a.corpus, "part-*.jsonl"))):
        for line in open(f, encoding="utf-8"):
            d = json.loads(line)
            w = split.sub(" ", d["text"].lower()).split()
            m = MinHash(num_perm=112, seed=a.seed)
            m.update_batch([" ".join(w[i:i + 5]).encode() for i in range(max(1, len(w) - 4))])
            m = LeanMinHash(m)
            if lsh.query(m):
                out.write(json.dumps({"id": d["id"]}) + "\n")
            else:
                lsh.insert(d["id"], m)
