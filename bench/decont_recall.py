#!/usr/bin/env python3
"""Decontamination on real text (issue 24): items of a public benchmark inserted into real documents, perturbed as
leaked text is, must all be found, and the untouched documents must not be flagged.

    $PY bench/decont_recall.py .build/release/winnow [--docs 2000] [--json FILE] [--stamp S]

The items: the MMLU questions (with their choices and worked answers) that lm-evaluation-harness 0.4.13 ships as its
chain-of-thought few-shot prompts (`lm_eval/tasks/mmlu/flan_cot_fewshot/_cot_prompts.json`, from the wheel on the
Python package index; 57 subjects), as `make setup` writes them to models/evals/mmlu_cot.jsonl. The documents: English news and web pages from ../shared/corpora. Every second
document gets one item's question and choices inserted at a random word boundary, verbatim or changed as leaked
text is changed: upper or lower case, punctuation replaced or dropped, spaces turned into line breaks, tabs or runs
of spaces, or cut in two by a paragraph break. Winnow's `decontaminate` (n = 13, annotate) and datatrove 0.10.1's
`NGramsDecontFilter` (n = 13, its own normalisation and index, built from the same items) read the same documents;
per tool: recall (documents with their inserted item found), false positives (untouched documents flagged), and time.
"""
import argparse, gzip, json, os, random, re, subprocess, sys, tempfile, time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CORPORA = os.path.join(ROOT, "..", "shared", "corpora")


def mmlu_items():
    """The items `make setup` places in models/evals/mmlu_cot.jsonl (scripts/fetch-models.py, SHA-256 checked)."""
    path = os.path.join(ROOT, "models", "evals", "mmlu_cot.jsonl")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: run `make setup`")
    return [json.loads(line) for line in open(path)]


def documents(n):
    docs = []
    for name in ["nltk_abc_news.jsonl.gz", "web_text_trafilatura_naive.jsonl.gz"]:
        for line in gzip.open(os.path.join(CORPORA, name), "rt", encoding="utf-8"):
            d = json.loads(line)
            if len(d["text"]) >= 400 and d.get("lang", "en") == "en":
                docs.append({"id": f"{name.split('.')[0]}:{d['id']}", "text": d["text"]})
            if len(docs) >= n:
                return docs
    return docs


PERTURBATIONS = ["verbatim", "upper", "lower", "punctuation", "whitespace", "paragraph"]


def perturb(text, kind, rng):
    if kind == "upper":
        return text.upper()
    if kind == "lower":
        return text.lower()
    if kind == "punctuation":
        return re.sub(r"[^\w\s]", lambda m: rng.choice(["", ",", ";", " - ", "!", "?", "..."]), text)
    if kind == "whitespace":
        return re.sub(r"\s+", lambda m: rng.choice(["  ", "\n", "\t", " \n ", "\r\n"]), text)
    if kind == "paragraph":
        words = text.split(" ")
        cut = rng.randrange(1, max(2, len(words) - 1))
        return " ".join(words[:cut]) + "\n\n" + " ".join(words[cut:])
    return text


def insert(doc, leak, rng):
    spaces = [m.start() for m in re.finditer(r" ", doc)]
    at = rng.choice(spaces) if spaces else len(doc)
    return doc[:at] + " " + leak + doc[at:]


def datatrove_hasher(n):
    """datatrove's decontamination config for n-grams of n words, and its indexer's hashing as a function
    (label, query) → hashes. The indexer needs lighteval installed even to be made (its run() loads lighteval's
    tasks), so its compute_hashes is called with what it reads from self: datatrove's English word tokenizer, the
    config and its hash function."""
    from types import SimpleNamespace
    from datatrove.pipeline.decont import NGramsDecontConfig, NGramsDecontIndexer
    from datatrove.utils.hashing import create_hash_func
    from datatrove.utils.word_tokenizers import load_word_tokenizer
    config = NGramsDecontConfig(n_grams=n, find_query_ngrams=True, find_overlap_ngrams=True)
    indexer = SimpleNamespace(tokenizer=load_word_tokenizer("eng_Latn"), config=config, hash_func=create_hash_func(config.hash_config))
    return config, lambda label, query=None: NGramsDecontIndexer.compute_hashes(indexer, label, query)


def datatrove_run(items_path, docs, n, work):
    import numpy as np
    from datatrove.data import Document
    from datatrove.pipeline.decont import NGramsDecontFilter
    config, compute_hashes = datatrove_hasher(n)
    index_dir = os.path.join(work, "dt-index")
    os.makedirs(index_dir, exist_ok=True)
    hashes = set()
    for line in open(items_path):
        it = json.loads(line)
        hashes.update(compute_hashes(it["answer"], it["question"] + "\n" + it["choices"]))
    np.array(sorted(hashes), dtype=config.hash_config.np_descr).tofile(os.path.join(index_dir, "mmlu.index.hashes"))
    f = NGramsDecontFilter(index_folder=index_dir, config=config)
    found = {}
    start = time.time()
    for d in docs:
        r = f.filter(Document(text=d["text"], id=d["id"]))
        found[d["id"]] = r is not True
    return found, time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("winnow")
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--json")
    ap.add_argument("--stamp", default="")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "winnow-bench", "decont"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rng = random.Random(24)
    items = mmlu_items()
    items_path = os.path.join(a.work, "mmlu_cot.jsonl")
    with open(items_path, "w") as f:
        for it in items:
            f.write(json.dumps(it) + "\n")
    docs = documents(a.docs)
    truth = {}
    for k, d in enumerate(docs):
        if k % 2 == 1:
            it = items[(k // 2) % len(items)]
            kind = PERTURBATIONS[(k // 2) % len(PERTURBATIONS)]
            d["text"] = insert(d["text"], perturb(it["question"] + "\n" + it["choices"], kind, rng), rng)
            truth[d["id"]] = (it["id"], kind)
    docs_path = os.path.join(a.work, "docs.jsonl")
    with open(docs_path, "w") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    step = {"type": "decontaminate", "mode": "annotate", "ngram": 13,
            "against": [{"name": "mmlu", "path": items_path, "fields": ["question", "choices", "answer"], "id_field": "id"}]}
    start = time.time()
    out = subprocess.run([a.winnow, "bench", "decide", "--step", json.dumps(step), docs_path], check=True, capture_output=True, text=True).stdout
    w_time = time.time() - start
    w_found = {}
    for d, line in zip(docs, out.rstrip("\n").split("\n")):
        ann = json.loads(line)["annotations"]
        w_found[d["id"]] = {i for b in ann.get("contamination", []) for i in b["items"]}
    dt_found, dt_time = datatrove_run(items_path, docs, 13, a.work)

    def score(found_item):
        hit = sum(1 for i, (item, _) in truth.items() if found_item(i, item))
        by_kind = {}
        for i, (item, kind) in truth.items():
            h, t = by_kind.get(kind, (0, 0))
            by_kind[kind] = (h + found_item(i, item), t + 1)
        return hit, by_kind
    w_hit, w_kinds = score(lambda i, item: item in w_found[i])
    w_fp = sum(1 for d in docs if d["id"] not in truth and w_found[d["id"]])
    w_wrong = sum(1 for i, (item, _) in truth.items() if w_found[i] - {item})
    dt_hit, dt_kinds = score(lambda i, item: dt_found[i])
    dt_fp = sum(1 for d in docs if d["id"] not in truth and dt_found[d["id"]])
    n_in, n_clean = len(truth), len(docs) - len(truth)
    print(f"{len(items)} MMLU items (lm_eval 0.4.13 CoT prompts), {len(docs)} documents: {n_in} with an item inserted, {n_clean} untouched")
    print(f"winnow:    recall {w_hit}/{n_in} = {w_hit / n_in:.4f}; false positives {w_fp}/{n_clean}; other items also flagged in {w_wrong}; {w_time:.2f} s (index build included)")
    print("           by perturbation: " + ", ".join(f"{k} {h}/{t}" for k, (h, t) in sorted(w_kinds.items())))
    print(f"datatrove: recall {dt_hit}/{n_in} = {dt_hit / n_in:.4f}; false positives {dt_fp}/{n_clean}; {dt_time:.2f} s (filter only)")
    print("           by perturbation: " + ", ".join(f"{k} {h}/{t}" for k, (h, t) in sorted(dt_kinds.items())))
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps({"stamp": a.stamp, "items": len(items), "docs": len(docs), "inserted": n_in,
                                "winnow_recall": round(w_hit / n_in, 4), "winnow_false_positives": w_fp, "winnow_s": round(w_time, 2),
                                "winnow_by_kind": {k: [h, t] for k, (h, t) in w_kinds.items()},
                                "datatrove_recall": round(dt_hit / n_in, 4), "datatrove_false_positives": dt_fp, "datatrove_s": round(dt_time, 2),
                                "datatrove_by_kind": {k: [h, t] for k, (h, t) in dt_kinds.items()}}) + "\n")


if __name__ == "__main__":
    main()
