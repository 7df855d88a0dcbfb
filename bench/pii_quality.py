#!/usr/bin/env python3
"""Precision and recall per kind on the committed labelled PII set, Winnow side by side with datatrove's
PIIFormatter, scrubadub and Presidio's pattern recognizers (each run offline, with what it ships).

    $PY bench/pii_quality.py .build/release/winnow [Tests/WinnowTests/Fixtures/pii/pii_set.jsonl] [--json OUT]

Scoring, the same for every tool:
- each tool's detection types are mapped to Winnow's kinds (MAPS below); a type with no counterpart is counted
  under "other" — it would still rewrite text if the tool were used as a scrubber;
- recall of kind K: labelled spans of K that some detection of kind K overlaps;
- precision of kind K: detections of kind K that overlap a labelled span of any kind (scrubbing it removes
  personal data, if under another name — e.g. an e-mail regex taking "pass@host" out of "user:pass@host"), over all
  detections of kind K;
- scrubbed: labelled values that any detection, of whatever type, overlaps — what a scrubber built on the tool
  would remove;
- hard negatives: texts with no labelled span (versions, dates, prices, ISBNs, order numbers, UUIDs, hashes,
  failed checksums, weak passwords); "kept" counts those where the tool detects nothing of a mapped kind;
  "other" detections on them are reported beside it.
A kind a tool does not detect at all is shown as "—".
datatrove: the PIIFormatter's own two replacers (e-mail regex; IPv4 regex + its public-address validator) run with
finditer on the original text — the spans its `format` would replace.

With --corpus DIR (a make_corpus.py folder) the same scoring runs on its documents (the first --mb MB) against the
values make_corpus.py injected (truth.jsonl: email, phone_us/phone_br → phone, ipv4 → ip, credit_card, cpf) — a
generator Winnow's authors did not write. There "negatives" are documents with nothing injected, and a detection
outside the injected values may be real personal data in the source text: --samples N prints some.
"""
import argparse, collections, glob, json, os, subprocess, sys, tempfile, time

TRUTH_KINDS = {"email": "email", "phone_us": "phone", "phone_br": "phone", "ipv4": "ip", "credit_card": "credit_card",
               "cpf": "cpf"}

KINDS = ["email", "url_credentials", "phone", "ip", "credit_card", "iban", "us_ssn", "cpf", "cnpj", "secret", "address"]
MAPS = {
    "datatrove": {"email": "email", "ip": "ip"},
    "scrubadub": {"email": "email", "phone": "phone", "credit_card": "credit_card",
                  "social_security_number": "us_ssn", "credential": "url_credentials"},
    "presidio": {"EMAIL_ADDRESS": "email", "IP_ADDRESS": "ip", "PHONE_NUMBER": "phone", "CREDIT_CARD": "credit_card",
                 "IBAN_CODE": "iban", "US_SSN": "us_ssn"},
    # scrubadub's "address" detector needs a statistical model it does not ship; Presidio has no address recognizer.
}


def winnow_spans(binary, path):
    out = subprocess.run([binary, "pii", "scan", path], check=True, capture_output=True, text=True).stdout
    return {d["id"]: [(s["start"], s["end"], s["kind"]) for s in d["spans"]] for d in map(json.loads, out.splitlines())}


def corpus_rows(corpus, mb):
    truth = {d["id"]: d for d in map(json.loads, open(os.path.join(corpus, "truth.jsonl"), encoding="utf-8"))}
    rows, nbytes = [], 0
    for f in sorted(glob.glob(os.path.join(corpus, "part-*.jsonl"))):
        for line in open(f, encoding="utf-8"):
            d = json.loads(line)
            rows.append({"id": d["id"], "text": d["text"],
                         "spans": [{"start": q["start"], "end": q["end"], "kind": TRUTH_KINDS[q["type"]]}
                                   for q in truth[d["id"]]["pii"]]})
            nbytes += len(line.encode())
            if nbytes > mb * 1e6:
                return rows
    return rows


def datatrove_detector():
    from datatrove.pipeline.formatters.pii import PIIFormatter
    f = PIIFormatter()
    def detect(text):
        found = [(m.start(), m.end(), "email") for m in f.emails_replacer.regex.finditer(text)]
        for m in f.ip_replacer.regex.finditer(text):
            if f.ip_replacer.validator(m.group(0)):
                found.append((m.start(), m.end(), "ip"))
        return found
    return detect


def scrubadub_detector():
    import scrubadub
    s = scrubadub.Scrubber()
    return lambda text: [(x.beg, x.end, x.type) for x in s.iter_filth(text)]


def presidio_detector():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/bench/anchors"))
    from eval_pii import presidio_engine  # blank spaCy pipeline, no model download, no NER: pattern recognizers
    eng = presidio_engine()
    return lambda text: [(r.start, r.end, r.entity_type) for r in eng.analyze(text, language="en")]


def score(rows, spans_of, mapping):
    tp_recall, labelled = collections.Counter(), collections.Counter()
    tp_prec, detected = collections.Counter(), collections.Counter()
    scrubbed = 0
    negatives = kept = 0
    other, other_on_negatives = collections.Counter(), collections.Counter()
    chars, chars_covered = collections.Counter(), collections.Counter()
    by_group = collections.defaultdict(lambda: [0, 0])
    negatives_hit = collections.Counter()
    for r in rows:
        dets = spans_of(r)
        gold = [(s["start"], s["end"], s["kind"]) for s in r["spans"]]
        mapped = []
        for b, e, t in dets:
            k = mapping.get(t, t) if mapping is not None else t
            if k in KINDS:
                mapped.append((b, e, k))
            else:
                other[t] += 1
                if not gold:
                    other_on_negatives[t] += 1
        overlaps = lambda a, c: a[0] < c[1] and a[1] > c[0]
        for g, meta in zip(gold, r["spans"]):
            labelled[g[2]] += 1
            hit = any(overlaps(g, d) and g[2] == d[2] for d in mapped)
            tp_recall[g[2]] += hit
            # Characters of the value the same-kind detections cover (a span cut short leaves the rest readable).
            covered = sum(1 for c in range(g[0], g[1]) if any(d[0] <= c < d[1] and d[2] == g[2] for d in mapped))
            chars[g[2]] += g[1] - g[0]; chars_covered[g[2]] += covered
            group = meta.get("form") or meta.get("issuer") or meta.get("locale")
            if group:
                by_group[(g[2], group)][0] += 1
                by_group[(g[2], group)][1] += hit
            scrubbed += any(overlaps(g, d) for d in dets)
        for d in mapped:
            detected[d[2]] += 1
            tp_prec[d[2]] += any(overlaps(d, g) for g in gold)
        if not gold:
            negatives += 1
            kept += not mapped
            for k in {d[2] for d in mapped}:
                negatives_hit[k] += 1
    supported = set(mapping.values()) if mapping is not None else set(KINDS)
    per_kind = {}
    for k in KINDS:
        if k not in supported:
            per_kind[k] = None
            continue
        rec = tp_recall[k] / labelled[k] if labelled[k] else None
        prec = tp_prec[k] / detected[k] if detected[k] else None
        per_kind[k] = {"labelled": labelled[k], "caught": tp_recall[k], "recall": rec,
                       "detections": detected[k], "correct": tp_prec[k], "precision": prec,
                       "f1": 2 * rec * prec / (rec + prec) if rec and prec else (0.0 if labelled[k] else None),
                       "char_coverage": chars_covered[k] / chars[k] if chars[k] else None,
                       "negatives_hit": negatives_hit[k]}
    return {"kinds": per_kind, "groups": {f"{k}/{g}": v for (k, g), v in sorted(by_group.items())}, "labelled": sum(labelled.values()), "scrubbed": scrubbed, "negatives": negatives, "negatives_kept": kept,
            "other": dict(other), "other_on_negatives": dict(other_on_negatives)}


def fmt(x):
    return "—" if x is None else f"{x:.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("winnow")
    ap.add_argument("set", nargs="?", default="Tests/WinnowTests/Fixtures/pii/pii_set.jsonl")
    ap.add_argument("--tools", default="winnow,datatrove,scrubadub,presidio")
    ap.add_argument("--json", help="append one JSON line per tool here")
    ap.add_argument("--corpus", help="score on a make_corpus.py folder's injected values instead of the set")
    ap.add_argument("--mb", type=float, default=20, help="with --corpus: the first MB of documents")
    ap.add_argument("--groups", action="store_true", help="recall per value form, issuer or locale (the independent set labels them)")
    ap.add_argument("--samples", type=int, default=0, help="print this many detections outside labelled spans per tool")
    a = ap.parse_args()
    if a.corpus:
        rows = corpus_rows(a.corpus, a.mb)
        tmp = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")
        for r in rows:
            tmp.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
        tmp.close()
        a.set = tmp.name
    else:
        rows = [json.loads(line) for line in open(a.set, encoding="utf-8")]
    results = {}
    for tool in a.tools.split(","):
        t0 = time.perf_counter()
        if tool == "winnow":
            found = winnow_spans(a.winnow, a.set)
            res = score(rows, lambda r: found.get(r["id"], []), None)
        else:
            try:
                detect = {"datatrove": datatrove_detector, "scrubadub": scrubadub_detector,
                          "presidio": presidio_detector}[tool]()
            except ImportError as e:
                print(f"skipping {tool}: {e} (install it in the bench venv, ../shared/bench/README.md)", file=sys.stderr)
                continue
            res = score(rows, lambda r: detect(r["text"]), MAPS[tool])
        res["wall_s"] = round(time.perf_counter() - t0, 2)
        if a.samples:
            spans_of = (lambda r: found.get(r["id"], [])) if tool == "winnow" else (lambda r: detect(r["text"]))
            shown = 0
            for r in rows:
                for b, e, t in spans_of(r):
                    if shown < a.samples and not any(b < g["end"] and e > g["start"] for g in r["spans"]):
                        print(f"{tool} outside labels: {t} {r['text'][b:e]!r} in …{r['text'][max(0, b - 40):e + 40]!r}…",
                              file=sys.stderr)
                        shown += 1
        results[tool] = res
        if a.json:
            with open(a.json, "a") as f:
                f.write(json.dumps({"tool": tool, "set": os.path.basename(a.set), "texts": len(rows), **res}) + "\n")
    tools = list(results)
    print(f"{len(rows)} {'documents' if a.corpus else 'texts'}, {sum(len(r['spans']) for r in rows)} labelled values, "
          f"{sum(1 for r in rows if not r['spans'])} {'documents without injected values' if a.corpus else 'hard negatives'}")
    print("| kind (labelled) | " + " | ".join(f"{t} recall / precision" for t in tools) + " |")
    print("|---|" + "---|" * len(tools))
    for k in KINDS:
        n = next((r["kinds"][k]["labelled"] for r in results.values() if r["kinds"][k]), 0)
        cells = []
        for t in tools:
            c = results[t]["kinds"][k]
            cells.append("—" if c is None else f"{fmt(c['recall'])} / {fmt(c['precision'])} ({c['detections']})")
        print(f"| {k} ({n}) | " + " | ".join(cells) + " |")
    print("| labelled values scrubbed by any detection | " + " | ".join(
        f"{results[t]['scrubbed']}/{results[t]['labelled']} = {results[t]['scrubbed'] / results[t]['labelled']:.3f}" for t in tools) + " |")
    negatives = "documents without injected values left untouched" if a.corpus else "hard negatives kept (no mapped detection)"
    print(f"| {negatives} | " + " | ".join(
        f"{results[t]['negatives_kept']}/{results[t]['negatives']} = {results[t]['negatives_kept'] / results[t]['negatives']:.3f}"
        for t in tools) + " |")
    print("| other detections (all texts / on negatives) | " + " | ".join(
        f"{sum(results[t]['other'].values())} / {sum(results[t]['other_on_negatives'].values())} "
        + (json.dumps(results[t]['other_on_negatives']) if results[t]['other_on_negatives'] else "")
        for t in tools) + " |")
    print(f"| wall s ({len(rows)} texts, incl. start-up) | " + " | ".join(str(results[t]["wall_s"]) for t in tools) + " |")
    # Span F1 (overlap), characters covered, and the false-positive rate on hard negatives, per kind.
    print()
    print("| kind | " + " | ".join(f"{t} span F1 / chars covered / FP rate on negatives" for t in tools) + " |")
    print("|---|" + "---|" * len(tools))
    for k in KINDS:
        if not any(results[t]["kinds"][k] and results[t]["kinds"][k]["labelled"] for t in tools):
            continue
        cells = []
        for t in tools:
            c = results[t]["kinds"][k]
            cells.append("—" if c is None else f"{fmt(c['f1'])} / {fmt(c['char_coverage'])} / {c['negatives_hit'] / max(1, results[t]['negatives']):.3f}")
        print(f"| {k} | " + " | ".join(cells) + " |")
    allf = {}
    for t in tools:
        tp_r = sum(c["caught"] for c in results[t]["kinds"].values() if c); lab = sum(c["labelled"] for c in results[t]["kinds"].values() if c)
        tp_p = sum(c["correct"] for c in results[t]["kinds"].values() if c); det = sum(c["detections"] for c in results[t]["kinds"].values() if c)
        rr, pp = (tp_r / lab if lab else 0), (tp_p / det if det else 0)
        allf[t] = 2 * rr * pp / (rr + pp) if rr and pp else 0
    print("| all kinds (micro) | " + " | ".join(f"{allf[t]:.3f}" for t in tools) + " |")
    if a.groups:
        print()
        groups = sorted({g for t in tools for g in results[t]["groups"]})
        print("| value form / issuer / locale | " + " | ".join(f"{t} recall" for t in tools) + " |")
        print("|---|" + "---|" * len(tools))
        for g in groups:
            print(f"| {g} | " + " | ".join(
                (lambda v: f"{v[1]}/{v[0]}" if v else "—")(results[t]["groups"].get(g)) for t in tools) + " |")


if __name__ == "__main__":
    main()
