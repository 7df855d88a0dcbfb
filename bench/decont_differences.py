#!/usr/bin/env python3
"""Why Winnow's `decontaminate` and datatrove's `NGramsDecontFilter` flag different documents (issue 24), on the files
bench/decont_speed.py leaves in its work folder for ITEMS items (run it first): the items, the documents and
datatrove's index of the items.

    $PY bench/decont_differences.py .build/release/winnow --items 1000000 [--json FILE] [--stamp S]

Documents flagged by: datatrove; Winnow with its defaults; Winnow without `skip_common` (no n-gram is too common);
and Winnow without `skip_common` on items and documents with numbers and accents folded as datatrove folds them
(its TextNormConfig: every number becomes 0, combining marks are dropped after NFD), so that what is left between
the two is the word splitting. Each Winnow run is `winnow bench decide` (one JSON line per document).
"""
import argparse, json, os, re, subprocess, sys, tempfile, unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
NUMBER = re.compile(r"\d+(?:[.,٫]\d+)?")


def fold(text):
    text = NUMBER.sub("0", text)
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def winnow_flags(winnow, items, docs, skip):
    step = {"type": "decontaminate", "ngram": 13, "mode": "annotate",
            "against": [{"name": "set", "path": items, "fields": ["text"], "id_field": "id"}]}
    if not skip:
        step["skip_common"] = {"max_items": 2**31}
    out = subprocess.run([winnow, "bench", "decide", "--step", json.dumps(step), docs], check=True, capture_output=True, text=True).stdout
    return [bool(json.loads(line)["annotations"].get("contamination")) for line in out.rstrip("\n").split("\n")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("winnow")
    ap.add_argument("--items", type=int, default=1000000)
    ap.add_argument("--json")
    ap.add_argument("--stamp", default="")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "winnow-bench", "decont"))
    a = ap.parse_args()
    items, docs_path, index_dir = (os.path.join(a.work, f"items-{a.items}.jsonl"), os.path.join(a.work, "speed-docs.jsonl"),
                                   os.path.join(a.work, f"dt-index-{a.items}"))
    for p in (items, docs_path, index_dir):
        if not os.path.exists(p):
            sys.exit(f"{p} is missing: run bench/decont_speed.py --items {a.items} first")
    docs = [json.loads(line) for line in open(docs_path)]

    from datatrove.data import Document
    from datatrove.pipeline.decont import NGramsDecontFilter
    from decont_recall import datatrove_hasher
    config, _ = datatrove_hasher(13)
    f = NGramsDecontFilter(index_folder=index_dir, config=config)
    dt = [f.filter(Document(text=d["text"], id=d["id"])) is not True for d in docs]

    folded_items, folded_docs = os.path.join(a.work, f"items-{a.items}-folded.jsonl"), os.path.join(a.work, "speed-docs-folded.jsonl")
    for src, dst in ((items, folded_items), (docs_path, folded_docs)):
        with open(dst, "w") as out:
            for line in open(src):
                d = json.loads(line)
                d["text"] = fold(d["text"])
                out.write(json.dumps(d) + "\n")
    runs = {"winnow defaults": winnow_flags(a.winnow, items, docs_path, True),
            "winnow, no skip_common": winnow_flags(a.winnow, items, docs_path, False),
            "winnow, no skip_common, numbers and accents folded": winnow_flags(a.winnow, folded_items, folded_docs, False)}
    print(f"{a.items} items, {len(docs)} documents; datatrove flags {sum(dt)}")
    record = {"stamp": a.stamp, "items": a.items, "docs": len(docs), "datatrove": sum(dt)}
    for name, w in runs.items():
        both = sum(1 for x, y in zip(w, dt) if x and y)
        print(f"{name}: flags {sum(w)}; both {both}, only datatrove {sum(dt) - both}, only winnow {sum(w) - both}")
        record[name] = {"flagged": sum(w), "both": both, "only_datatrove": sum(dt) - both, "only_winnow": sum(w) - both}
    if a.json:
        with open(a.json, "a") as out:
            out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
