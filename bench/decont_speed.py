#!/usr/bin/env python3
"""Decontamination throughput (issue 24): Winnow's `decontaminate` against datatrove 0.10.1's `NGramsDecontFilter`
on the same documents with the same eval items, one thread each, for an eval set of ITEMS items.

    $PY bench/decont_speed.py .build/release/winnow --items 10000 [--json FILE] [--stamp S]

Items and documents are real text from ../shared/corpora, kept apart: every corpus's documents alternate between the
item side and the document side. Items are 25-word windows of the item side's text (a window every 4 words, so
1,000,000 items can be made from it), with an id each; the documents are the document side's, 1,500 characters or
longer, so most contain nothing of an item. Winnow: `winnow bench time --step '{"type": "decontaminate", …}'`
(the step applied to every document in memory, one thread; the index is built first and not timed, its build is
timed by the whole command), peak memory by `/usr/bin/time -v`. datatrove: its indexer's hashing
(`NGramsDecontIndexer.compute_hashes`, datatrove's English word tokenizer) over the same items, then the filter over
the same documents in one process; its `filter()` calls are timed.
"""
import argparse, gzip, json, os, re, subprocess, sys, tempfile, time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CORPORA = os.path.join(ROOT, "..", "shared", "corpora")
FILES = ["nltk_abc_news.jsonl.gz", "web_text_trafilatura_naive.jsonl.gz", "nltk_movie_reviews.jsonl.gz", "nltk_webtext.jsonl.gz",
         "nltk_speeches_inaugural_sotu.jsonl.gz", "tinyshakespeare.jsonl.gz", "nltk_mac_morpho_pt_detok.jsonl.gz",
         "nltk_genesis_multilingual.jsonl.gz", "nltk_udhr2.jsonl.gz"]


def split_corpora():
    item_words, docs = [], []
    for name in FILES:
        for k, line in enumerate(gzip.open(os.path.join(CORPORA, name), "rt", encoding="utf-8")):
            d = json.loads(line)
            if k % 2 == 0:
                item_words += d["text"].split()
            elif len(d["text"]) >= 1500:
                docs.append({"id": f"{name.split('.')[0]}:{d['id']}", "text": d["text"]})
    return item_words, docs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("winnow")
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--json")
    ap.add_argument("--stamp", default="")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "winnow-bench", "decont"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    words, docs = split_corpora()
    step = 4
    if (len(words) - 25) // step < a.items:
        step = max(1, (len(words) - 25) // a.items)
    items_path = os.path.join(a.work, f"items-{a.items}.jsonl")
    with open(items_path, "w") as f:
        for i in range(a.items):
            f.write(json.dumps({"id": i + 1, "text": " ".join(words[i * step:i * step + 25])}) + "\n")
    docs_path = os.path.join(a.work, "speed-docs.jsonl")
    with open(docs_path, "w") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    mb = sum(len(d["text"].encode()) for d in docs) / 1e6
    spec = {"type": "decontaminate", "ngram": 13, "mode": "drop", "against": [{"name": "set", "path": items_path, "fields": ["text"], "id_field": "id"}]}
    start = time.time()
    r = subprocess.run(["/usr/bin/time", "-v", a.winnow, "bench", "time", "--step", json.dumps(spec), docs_path, "--repeats", "3"],
                       check=True, capture_output=True, text=True)
    w_total = time.time() - start
    w = json.loads(r.stdout.strip().splitlines()[-1])
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1024
    print(f"{a.items} items, {len(docs)} documents ({mb:.1f} MB); winnow: {w['docs_per_s']:.0f} documents/s, {w['mb_per_s']:.2f} MB/s on one thread, "
          f"{w['docs'] - w['kept']} dropped; whole command (index build, 3 passes) {w_total:.1f} s, peak memory {rss:.0f} MB")

    import numpy as np
    from datatrove.data import Document
    from datatrove.pipeline.decont import NGramsDecontFilter
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from decont_recall import datatrove_hasher
    config, compute_hashes = datatrove_hasher(13)
    start = time.time()
    hashes = set()
    for line in open(items_path):
        hashes.update(compute_hashes(json.loads(line)["text"]))
    dt_build = time.time() - start
    index_dir = os.path.join(a.work, f"dt-index-{a.items}")
    os.makedirs(index_dir, exist_ok=True)
    np.array(sorted(hashes), dtype=config.hash_config.np_descr).tofile(os.path.join(index_dir, "set.index.hashes"))
    f = NGramsDecontFilter(index_folder=index_dir, config=config)
    f.filter(Document(text="warm up", id="0"))   # loads the index
    start = time.time()
    dropped = 0
    for d in docs:
        dropped += f.filter(Document(text=d["text"], id=d["id"])) is not True
    dt_time = time.time() - start
    dt_rate = len(docs) / dt_time
    print(f"datatrove: {dt_rate:.0f} documents/s, {mb / dt_time:.2f} MB/s on one thread, {dropped} dropped; index hashing {dt_build:.1f} s; "
          f"winnow / datatrove per core: {w['docs_per_s'] / dt_rate:.1f}x")
    if a.json:
        with open(a.json, "a") as out:
            out.write(json.dumps({"stamp": a.stamp, "items": a.items, "docs": len(docs), "mb": round(mb, 2),
                                  "winnow_docs_per_s": round(w["docs_per_s"], 1), "winnow_mb_per_s": round(w["mb_per_s"], 2),
                                  "winnow_dropped": w["docs"] - w["kept"], "winnow_command_s": round(w_total, 1), "winnow_peak_mb": round(rss),
                                  "datatrove_docs_per_s": round(dt_rate, 1), "datatrove_dropped": dropped, "datatrove_index_s": round(dt_build, 1),
                                  "ratio": round(w["docs_per_s"] / dt_rate, 1)}) + "\n")


if __name__ == "__main__":
    main()
