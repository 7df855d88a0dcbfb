#!/usr/bin/env python3
"""The decoding sweep's creativity metrics recomputed from its samples by other code: self-BLEU with NLTK's
`sentence_bleu` (4-gram, uniform weights, `SmoothingFunction().method1`, each sample against the other samples of
its prompt), distinct-n and repetition by plain counting, novelty against the training split's 4-grams read from
the llm.c token shard files by this script. Prints one JSON line per setting with Winnow's value and this one's,
and exits 1 when any differs by more than 1e-3 (Winnow stores four decimals).

Usage: sweep_parity.py SWEEP.json SAMPLES.jsonl OUTPUT_DIR      (bench venv with nltk==3.9.1)
"""
import json
import struct
import sys
from collections import defaultdict

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu


def train_ngrams(out_dir):
    manifest = json.load(open(f"{out_dir}/manifest.json"))
    grams = set()
    for s in manifest["tokens"]["shards"]:
        if s["format"] != "llmc" or s["split"] != "train":
            continue
        data = open(f"{out_dir}/{s['files'][0]['path']}", "rb").read()
        magic, version, n = struct.unpack("<iii", data[:12])
        width = 4 if version == 7 else 2
        toks = struct.unpack(f"<{n}{'I' if width == 4 else 'H'}", data[1024:1024 + n * width])
        grams.update(tuple(toks[i:i + 4]) for i in range(len(toks) - 3))
    return grams


def ngrams(s, n):
    return [tuple(s[i:i + n]) for i in range(len(s) - n + 1)]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sweep = json.load(open(sys.argv[1]))
    by_setting = defaultdict(lambda: defaultdict(list))
    for line in open(sys.argv[2]):
        r = json.loads(line)
        by_setting[r["setting"]][r["prompt"]].append(r["tokens"])
    seen = train_ngrams(sys.argv[3])
    smooth = SmoothingFunction().method1
    worst = 0.0
    for s in sweep["settings"]:
        groups = by_setting[s["label"]]
        samples = [x for p in sorted(groups) for x in groups[p]]
        mine = {}
        for n in (1, 2, 3):
            g = [x for smp in samples for x in ngrams(smp, n)]
            mine[f"distinct_{n}"] = len(set(g)) / len(g)
        bleus = []
        for p in sorted(groups):
            grp = groups[p]
            for i, h in enumerate(grp):
                refs = [r for j, r in enumerate(grp) if j != i]
                if refs:
                    bleus.append(sentence_bleu(refs, h, smoothing_function=smooth))
        mine["self_bleu"] = sum(bleus) / len(bleus)
        g4 = [x for smp in samples for x in ngrams(smp, 4)]
        mine["novelty"] = sum(1 for x in g4 if x not in seen) / len(g4)
        reps = [1 - len(set(ngrams(smp, 4))) / len(ngrams(smp, 4)) for smp in samples]
        mine["repetition"] = sum(reps) / len(reps)
        diff = {k: abs(mine[k] - s[k]) for k in mine}
        worst = max(worst, max(diff.values()))
        print(json.dumps({"setting": s["label"], "winnow": {k: s[k] for k in mine}, "reference": {k: round(v, 4) for k, v in mine.items()},
                          "max_abs_diff": round(max(diff.values()), 6)}))
    print(json.dumps({"settings": len(sweep["settings"]), "max_abs_diff": round(worst, 6), "tools": "nltk 3.9.1 sentence_bleu method1; Python counting"}))
    sys.exit(1 if worst > 1e-3 else 0)


if __name__ == "__main__":
    main()
