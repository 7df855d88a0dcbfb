#!/usr/bin/env python3
"""Keep rate of each quality filter alone, Winnow next to datatrove, on one JSONL file of real text.
Decisions are compared with `segment_unspaced: false` (datatrove's words exactly); the last column is Winnow's
keep rate with its default, which splits Chinese/Japanese/Thai runs into words.

    quality_keep_rates.py WINNOW_BIN FILE.jsonl[.gz]
"""
import gzip, json, subprocess, sys
from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

winnow, path = sys.argv[1], sys.argv[2]
opener = gzip.open if path.endswith(".gz") else open
texts = [json.loads(l)["text"] for l in opener(path, "rt", encoding="utf-8")]
cases = [("gopher_repetition", {}, GopherRepetitionFilter()), ("gopher_quality", {}, GopherQualityFilter()),
         ("c4_quality", {"filter_no_terminal_punct": False}, C4QualityFilter(filter_no_terminal_punct=False)),
         ("fineweb_quality", {}, FineWebQualityFilter())]
print(f"{path}: {len(texts)} documents")
print("| filter | Winnow keeps | datatrove keeps | same decision and reason | Winnow keeps, segment_unspaced |")
print("|---|---|---|---|---|")
def decide(step):
    out = subprocess.run([winnow, "bench", "decide", "--step", json.dumps(step), path],
                         capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
    return [json.loads(o)["reason"] for o in out]

for name, params, f in cases:
    segmented = name != "c4_quality"
    ours = decide({"type": name, **params, **({"segment_unspaced": False} if segmented else {})})
    default = decide({"type": name, **params}) if segmented else ours
    ref = []
    for i, t in enumerate(texts):
        try:
            r = f.filter(Document(text=t, id=str(i)))
        except ZeroDivisionError:
            r = (False, "ZeroDivisionError")
        ref.append(None if r is True else r[1])
    same = sum(a == b for a, b in zip(ours, ref))
    print(f"| {name} | {sum(o is None for o in ours) / len(ours):.1%} | {sum(r is None for r in ref) / len(ref):.1%} | {same}/{len(ref)} | {sum(o is None for o in default) / len(default):.1%} |")
