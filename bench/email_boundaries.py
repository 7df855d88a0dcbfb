#!/usr/bin/env python3
"""Where does an e-mail address end? Addresses planted into real text of 388 languages (the Universal Declaration
of Human Rights, ../shared/corpora/nltk_udhr2.jsonl.gz), scored the same way for Winnow and for the reference
detectors (datatrove's PIIFormatter e-mail regex, Presidio's EmailRecognizer), each run offline.

    $PY bench/email_boundaries.py .build/release/winnow [--old OLD_WINNOW] [--per-doc 12] [--per-unspaced-doc 150] [--json OUT]

Planting (seed 16): in each document, up to --per-doc positions (--per-unspaced-doc in documents mostly written in
scripts without spaces) where an address could stand as a word of its
own — the characters on both sides are spaces, punctuation or symbols of any script, or letters of scripts written
without spaces (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar), or the text's start or end. The address is glued
there with no space added (as Chinese, Japanese and Thai text writes it), so what stands beside it is whatever
the real text has: `：`, `。`, `«`, no-break spaces, Arabic commas, ideographs. The text is real and written by
nobody on this project; only the addresses (ASCII, from a fixed list) are planted.

Per planted address, a tool is
- exact: one detection with exactly the address's span;
- over: a detection covering the address and more (it would delete neighbouring text when scrubbing);
- under: detections overlapping only part of it (the rest would leak);
- missed: no detection overlapping it.
Detections overlapping no planted address are counted apart (the UDHR holds no addresses, so they are false alarms).
"""
import argparse, collections, gzip, json, os, random, subprocess, sys, tempfile, unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pii_quality import datatrove_detector, presidio_detector  # noqa: E402

ADDRESSES = ["ana@example.org", "joao.silva@exemplo.com.br", "support@example.co.jp", "info+news@mail.example.de",
             "li_wei@example.cn", "m.kowalska@example.pl", "contact@example-shop.fr", "x@example.io"]
UNSPACED = [(0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xAC00, 0xD7AF), (0x1100, 0x11FF),
            (0x3130, 0x318F), (0x0E00, 0x0EFF), (0x1780, 0x17FF), (0x1000, 0x109F), (0x20000, 0x2FA1F)]


def unspaced(c):
    o = ord(c)
    return any(a <= o <= b for a, b in UNSPACED)


def boundary(c):
    """A character an address may stand next to as a word of its own."""
    if c is None:
        return True
    cat = unicodedata.category(c)
    return cat[0] in "ZPS" or c in "\n\t" or unspaced(c)


def plant(texts, per_doc, per_unspaced_doc, seed=16):
    rng = random.Random(seed)
    docs = []
    for doc_id, text in texts:
        letters = [c for c in text if c.isalpha()]
        many = per_unspaced_doc if letters and sum(map(unspaced, letters)) > 0.3 * len(letters) else per_doc
        positions = [i for i in range(len(text) + 1)
                     if boundary(text[i - 1] if i > 0 else None) and boundary(text[i] if i < len(text) else None)
                     and (i == 0 or text[i - 1] not in "@.") and (i == len(text) or text[i] not in "@.-")]
        chosen = sorted(rng.sample(positions, min(many, len(positions))), reverse=True)
        planted = []
        for i in chosen:
            addr = rng.choice(ADDRESSES)
            text = text[:i] + addr + text[i:]
            planted = [(s + len(addr), e + len(addr)) for s, e in planted]
            planted.append((i, i + len(addr)))
        docs.append((doc_id, text, sorted(planted)))
    return docs


def winnow_detector(binary, docs):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for doc_id, text, _ in docs:
            f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    out = subprocess.run([binary, "pii", "scan", f.name, "--kinds", "email"], check=True, capture_output=True, text=True).stdout
    os.unlink(f.name)
    spans = {d["id"]: [(s["start"], s["end"]) for s in d["spans"]] for d in map(json.loads, out.splitlines())}
    return lambda doc_id, text: spans.get(doc_id, [])


def score(docs, detect):
    c = collections.Counter()
    by_script = collections.defaultdict(collections.Counter)
    examples = []
    for doc_id, text, planted in docs:
        found = detect(doc_id, text)
        used = set()
        for s, e in planted:
            hits = [(a, b) for a, b in found if a < e and b > s]
            used.update(hits)
            if (s, e) in hits:
                verdict = "exact"
            elif any(a <= s and b >= e for a, b in hits):
                verdict = "over"
            elif hits:
                verdict = "under"
            else:
                verdict = "missed"
            c[verdict] += 1
            neighbours = (text[s - 1] if s > 0 else "") + (text[e] if e < len(text) else "")
            kind = "unspaced" if any(unspaced(ch) for ch in neighbours) else "other"
            by_script[kind][verdict] += 1
            if verdict != "exact" and len(examples) < 6:
                a = min([s] + [h[0] for h in hits]); b = max([e] + [h[1] for h in hits])
                examples.append(f"{verdict}: …{text[max(0, a - 6):a]}[{text[a:b]}]{text[b:b + 6]}…")
        c["false_alarms"] += len([h for h in found if h not in used])
    return c, by_script, examples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("winnow")
    ap.add_argument("--old", help="an earlier winnow binary, scored beside the current one")
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/corpora/nltk_udhr2.jsonl.gz"))
    ap.add_argument("--per-doc", type=int, default=12)
    ap.add_argument("--per-unspaced-doc", type=int, default=150, help="documents mostly in unspaced scripts get this many")
    ap.add_argument("--tools", default="winnow,datatrove,presidio")
    ap.add_argument("--json", help="append one JSON line per tool here")
    args = ap.parse_args()
    if not os.path.exists(args.corpus):
        sys.exit(f"skipped: {args.corpus} not found (../shared/corpora is needed)")
    texts = [(d["id"], d["text"]) for d in map(json.loads, gzip.open(args.corpus, "rt", encoding="utf-8"))]
    docs = plant(texts, args.per_doc, args.per_unspaced_doc)
    total = sum(len(p) for _, _, p in docs)
    glued = sum(1 for _, t, p in docs for s, e in p if any(unspaced(ch) for ch in (t[s - 1] if s else "") + (t[e] if e < len(t) else "")))
    print(f"{len(docs)} documents, {total} planted addresses ({glued} touching letters of unspaced scripts)")
    tools = []
    for name in args.tools.split(","):
        if name == "winnow":
            tools.append(("winnow", winnow_detector(args.winnow, docs)))
        elif name == "datatrove":
            d = datatrove_detector()
            tools.append(("datatrove", lambda i, t, d=d: [(a, b) for a, b, k in d(t) if k == "email"]))
        elif name == "presidio":
            p = presidio_detector()
            tools.append(("presidio", lambda i, t, p=p: [(a, b) for a, b, k in p(t) if k == "EMAIL_ADDRESS"]))
    if args.old:
        tools.insert(1, ("winnow (before)", winnow_detector(args.old, docs)))
    print(f"{'tool':<18}{'exact':>8}{'over':>8}{'under':>8}{'missed':>8}{'false alarms':>14}   exact next to unspaced / other")
    for name, detect in tools:
        c, by, examples = score(docs, detect)
        u, o = by["unspaced"], by["other"]
        pct = lambda x: f"{100 * x['exact'] / max(1, sum(x[k] for k in ('exact', 'over', 'under', 'missed'))):.1f}%"
        print(f"{name:<18}{c['exact']:>8}{c['over']:>8}{c['under']:>8}{c['missed']:>8}{c['false_alarms']:>14}   {pct(u)} / {pct(o)}")
        for e in examples:
            print("    " + e)
        if args.json:
            with open(args.json, "a", encoding="utf-8") as f:
                f.write(json.dumps({"bench": "email_boundaries", "tool": name, "planted": total, **c,
                                    "exact_unspaced": u["exact"], "planted_unspaced": sum(u.values())}) + "\n")


if __name__ == "__main__":
    main()
