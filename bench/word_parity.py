#!/usr/bin/env python3
"""Winnow's English word splitting against datatrove's (spaCy) on real text: share of identical tokens and of
documents split identically, per file, and the most frequent differences.

    word_parity.py WINNOW_BIN FILE.jsonl[.gz] ...
"""
import collections, difflib, gzip, json, subprocess, sys
from datatrove.utils.text import split_into_words

winnow, paths = sys.argv[1], sys.argv[2:]
diffs = collections.Counter()
for path in paths:
    opener = gzip.open if path.endswith(".gz") else open
    texts = [json.loads(l)["text"] for l in opener(path, "rt", encoding="utf-8")]
    ours = [json.loads(l) for l in subprocess.run([winnow, "bench", "words", path], capture_output=True, text=True,
                                                  check=True).stdout.splitlines()]
    same_docs = tokens = same_tokens = 0
    for t, o in zip(texts, ours):
        ref = split_into_words(t)
        tokens += len(ref)
        if ref == o:
            same_docs += 1; same_tokens += len(ref); continue
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=ref, b=o, autojunk=False).get_opcodes():
            if op == "equal":
                same_tokens += a2 - a1
            else:
                diffs[(" ".join(ref[a1:a2])[:40], " ".join(o[b1:b2])[:40])] += 1
    print(f"{path}: {len(texts)} documents, {same_docs} split identically; {same_tokens}/{tokens} tokens "
          f"({same_tokens / max(tokens, 1):.4%}) identical")
print("most frequent differences (datatrove → Winnow):")
for (a, b), n in diffs.most_common(15):
    print(f"  {n:5d}  {a!r} → {b!r}")
