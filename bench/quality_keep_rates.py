#!/usr/bin/env python3
"""Keep rate of each quality filter alone, Winnow next to datatrove, on one JSONL file of real text.

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
print("| filter | Winnow keeps | datatrove keeps | same decision and reason |")
print("|---|---|---|---|")
for name, params, f in cases:
    out = subprocess.run([winnow, "bench", "decide", "--step", json.dumps({"type": name, **params}), path],
                         capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
    ours = [json.loads(o)["reason"] for o in out]
    ref = []
    for i, t in enumerate(texts):
        try:
            r = f.filter(Document(text=t, id=str(i)))
        except ZeroDivisionError:
            r = (False, "ZeroDivisionError")
        ref.append(None if r is True else r[1])
    same = sum(a == b for a, b in zip(ours, ref))
    print(f"| {name} | {sum(o is None for o in ours) / len(ours):.1%} | {sum(r is None for r in ref) / len(ref):.1%} | {same}/{len(ref)} |")
