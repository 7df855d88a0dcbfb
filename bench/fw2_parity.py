#!/usr/bin/env python3
"""FineWeb-2's per-language filtering, Winnow beside datatrove: the same documents, both configured as
fineweb-2-pipeline.py configures GopherRepetitionFilter → FineWebQualityFilter → GopherQualityFilter for one
language, and per document the first filter that drops it (its reason) compared; both tools' wall time with one
worker beside it, and Winnow's with `"thresholds": "default"` (the English-only path) to price the lookup.

    $PY bench/fw2_parity.py .build/release/winnow CORPUS.jsonl[.gz] LABEL [--lang-field lang --lang-value de] [--samples N]

LABEL is a lid.176 label (pt, de, …); its FineWeb-2 values are read from the table Winnow ships
(Sources/Winnow/Steps/Filters/FineWeb2Table.swift, generated from FineWeb-2's configs), so both sides use the same
numbers. Every document is given `"language": LABEL` (both tools read that field), so language identification does
not enter the comparison. datatrove 0.10.1 is given the language as fineweb-2-pipeline.py gives it (the config's name,
e.g. cmn_Hani), which picks its word tokenizer (spaCy's rules for most languages, jieba for Chinese, SudachiPy for
Japanese).
"""
import argparse, collections, gzip, json, os, re, subprocess, sys, tempfile, time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def fw2_values(label):
    text = open(os.path.join(ROOT, "Sources/Winnow/Steps/Filters/FineWeb2Table.swift"), encoding="utf-8").read()
    table = json.loads(re.search(r'#"""\n(.*)\n"""#', text, re.S).group(1))
    return table["languages"][label]


def datatrove_reasons(docs, v):
    from datatrove.data import Document
    from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    # As fineweb-2-pipeline.py passes it: the config's name (por_Latn, cmn_Hani), which picks datatrove's word tokenizer
    # (for cmn_Hani spaCy with jieba; the bare ISO 639-1 code "zh" would pick spaCy's multi-language rules instead).
    config = v["config"]
    filters = [
        GopherRepetitionFilter(language=config, dup_para_frac=0, dup_line_char_frac=0, dup_para_char_frac=0,
                               dup_line_frac=v["dup_line_frac"], top_n_grams=v["top_n_grams"], dup_n_grams=v["dup_n_grams"]),
        FineWebQualityFilter(language=config, short_line_thr=999, char_duplicates_ratio=0.1,
                             line_punct_thr=v["line_punct_thr"], new_line_ratio=v["new_line_ratio"]),
        GopherQualityFilter(language=config, max_avg_word_length=v["max_avg_word_length"], min_avg_word_length=v["min_avg_word_length"],
                            stop_words=v["stopwords"], max_non_alpha_words_ratio=v["max_non_alpha_words_ratio"], min_stop_words=2),
    ]
    out = {}
    start = time.time()
    for d in docs:
        doc = Document(text=d["text"], id=d["id"])
        reason = ""
        for f in filters:
            r = f.filter(doc)
            if r is not True:
                reason = r[1] if isinstance(r, tuple) else f.name
                break
        out[d["id"]] = reason
    return out, time.time() - start


def winnow_reasons(winnow, path, mode, work):
    spec = {"name": f"fw2-parity-{mode}", "sources": [{"name": "in", "paths": [path]}],
            "steps": [{"type": t, "thresholds": mode} for t in ("gopher_repetition", "fineweb_quality", "gopher_quality")],
            "output": {"dir": os.path.join(work, f"out-{mode}"), "compression": "none"}}
    spec_path = os.path.join(work, f"spec-{mode}.json")
    json.dump(spec, open(spec_path, "w"))
    start = time.time()
    subprocess.run([winnow, "run", spec_path, "--workers", "1", "--quiet"], check=True, capture_output=True)
    wall = time.time() - start
    rows = subprocess.run([winnow, "lineage", "--db", os.path.join(work, f"out-{mode}", "lineage.db"), "--csv",
                           "select doc_id, coalesce(reason, ''), json_extract(annotations, '$.thresholds') from documents"],
                          check=True, capture_output=True, text=True).stdout.splitlines()[1:]
    import csv
    parsed = list(csv.reader(rows))
    return {r[0]: r[1] for r in parsed}, {r[2] for r in parsed}, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("winnow")
    ap.add_argument("corpus")
    ap.add_argument("label")
    ap.add_argument("--lang-field", help="keep only documents whose FIELD is --lang-value")
    ap.add_argument("--lang-value")
    ap.add_argument("--samples", type=int, default=0, help="print this many disagreements")
    ap.add_argument("--json", help="append the result as one JSON line here")
    ap.add_argument("--stamp", default="", help="the bench run's stamp, recorded with the result")
    a = ap.parse_args()
    v = fw2_values(a.label)
    opener = gzip.open if a.corpus.endswith(".gz") else open
    docs = []
    for line in opener(a.corpus, "rt", encoding="utf-8"):
        d = json.loads(line)
        if a.lang_field and d.get(a.lang_field) != a.lang_value:
            continue
        docs.append({"id": str(d["id"]), "text": d["text"], "language": a.label})
    work = tempfile.mkdtemp(prefix="fw2-parity-")
    path = os.path.join(work, "in.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    w, labels, w_wall = winnow_reasons(a.winnow, path, "fineweb2", work)
    _, _, w_default_wall = winnow_reasons(a.winnow, path, "default", work)
    dt, dt_wall = datatrove_reasons(docs, v)
    same = sum(1 for k in dt if dt[k] == w.get(k))
    confusion = collections.Counter((dt[k] or "kept", w.get(k) or "kept") for k in dt if dt[k] != w.get(k))
    kept_w = sum(1 for k in w if not w[k]); kept_dt = sum(1 for k in dt if not dt[k])
    print(f"{a.label} ({v['config']}): {len(docs)} documents; same decision and reason {same}/{len(docs)} = {same / max(1, len(docs)):.4f}")
    print(f"  kept: winnow {kept_w}, datatrove {kept_dt}; thresholds annotations {sorted(labels)}")
    print(f"  disagreements (datatrove → winnow): {confusion.most_common(6)}")
    print(f"  wall, 1 worker: winnow fineweb2 {w_wall:.2f} s, winnow default {w_default_wall:.2f} s (run incl. read/write/lineage); "
          f"datatrove filters {dt_wall:.2f} s (filters only, in process)")
    shown = 0
    for k in dt:
        if dt[k] != w.get(k) and shown < a.samples:
            print(f"  {k}: datatrove {dt[k] or 'kept'}, winnow {w.get(k) or 'kept'}")
            shown += 1
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps({"stamp": a.stamp, "label": a.label, "config": v["config"], "corpus": os.path.basename(a.corpus), "docs": len(docs), "same": same, "kept_winnow": kept_w,
                                "kept_datatrove": kept_dt, "winnow_s": round(w_wall, 2), "winnow_default_s": round(w_default_wall, 2),
                                "datatrove_s": round(dt_wall, 2)}) + "\n")


if __name__ == "__main__":
    main()
