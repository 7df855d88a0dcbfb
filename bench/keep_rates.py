#!/usr/bin/env python3
"""Keep rates per language (issue 23): does each language's own standard treat its clean prose and its junk the way
the English standard treats English prose and junk of the same kind?

    python3 bench/keep_rates.py .build/release/winnow TEXT_DIR [--json FILE] [--stamp S]

TEXT_DIR holds bench/debian_text.py's output: the same Debian documents in English and in each language (its
`language` field set), of these kinds (by the package they come from):
- prose: guides (the Debian Reference and the Maintainers' Guide, a section per document), manuals (manual pages'
  sections), fortunes (fortune cookies, ~1,500 characters per document). Guides and manuals are translations: a
  language's rate is set beside English's on the same chapters and pages (`page`), the English originals of what
  was translated. Fortunes are each language's own collection, so that comparison is of kind only;
- junk: menus (the guides' tables of contents), keywords (country and language names), boilerplate (programs'
  translated messages).
Every file goes through FineWeb-2's filters (gopher_repetition → fineweb_quality → gopher_quality) with
`"thresholds": "fineweb2"`: each language by FineWeb-2's values for it, English (which FineWeb-2 has no config for)
by the steps' own, datatrove's English defaults (FineWeb's standard). Printed: per language and kind the share kept
(prose) or dropped (junk), beside English's share for the same kind, and the difference in points; then English
again through FineWeb-2's pipeline (its fixed settings — paragraph repetition rules and the short-line rule off,
character duplicates 0.1, two stop words — with English's own values), and the difference to that.
"""
import argparse, collections, csv, json, os, subprocess, tempfile

LANGS = ["pt", "es", "fr", "de", "it", "ru", "pl", "ja", "zh", "vi", "ko"]
PROSE = ["guides", "manuals", "fortunes"]
JUNK = ["menu", "keywords", "boilerplate"]


def group(d):
    if d["kind"] != "prose":
        return d["kind"]
    src = d["source"]
    return "fortunes" if src.startswith("fortunes") else "manuals" if src.startswith("manpages") or "/man/" in src else "guides"


# The settings fineweb-2-pipeline.py fixes for every language (the rest are per language; English keeps the steps'
# own): English through FineWeb-2's pipeline, the second English baseline.
FW2_FIXED = {"gopher_repetition": {"dup_para_frac": 0, "dup_line_char_frac": 0, "dup_para_char_frac": 0},
             "fineweb_quality": {"short_line_thr": 999, "char_duplicates_ratio": 0.1},
             "gopher_quality": {"min_stop_words": 2}}


def run(winnow, path, work, lang, name=None, fixed=False):
    name = name or lang
    steps = []
    for t in ("gopher_repetition", "fineweb_quality", "gopher_quality"):
        s = {"type": t, "thresholds": "fineweb2"}
        if fixed:
            s["by_language"] = {"en": FW2_FIXED[t]}
        steps.append(s)
    spec = {"name": f"keep-{name}", "sources": [{"name": lang, "paths": [path]}], "steps": steps,
            "output": {"dir": os.path.join(work, name), "compression": "none"}}
    spec_path = os.path.join(work, f"{name}.json")
    json.dump(spec, open(spec_path, "w"))
    subprocess.run([winnow, "run", spec_path, "--quiet"], check=True, capture_output=True)
    out = subprocess.run([winnow, "lineage", "--db", os.path.join(work, name, "lineage.db"), "--csv",
                          "select doc_id, coalesce(reason, ''), json_extract(annotations, '$.thresholds') from documents"],
                         check=True, capture_output=True, text=True).stdout.splitlines()[1:]
    return {r[0]: (r[1], r[2]) for r in csv.reader(out)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("winnow")
    ap.add_argument("text_dir")
    ap.add_argument("--json", help="append the results as JSON lines here")
    ap.add_argument("--stamp", default="")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="keep-rates-")
    rates = {}   # (lang, group) -> (n, kept, reasons)
    standards = {}
    english = []   # (group, page, reason) of every English document
    pages = collections.defaultdict(set)   # (lang, group) -> the pages that language has
    for lang in ["en"] + LANGS:
        path = os.path.join(a.text_dir, f"{lang}.jsonl")
        docs = [json.loads(l) for l in open(path, encoding="utf-8")]
        result = run(a.winnow, path, work, lang)
        by = collections.defaultdict(list)
        for d in docs:
            by[group(d)].append(result[d["id"]][0])
            pages[(lang, group(d))].add(d.get("page", ""))
            if lang == "en":
                english.append((group(d), d.get("page", ""), result[d["id"]][0]))
        standards[lang] = sorted({t for _, t in result.values()})
        for g, reasons in by.items():
            rates[(lang, g)] = (len(reasons), sum(1 for r in reasons if not r), collections.Counter(r for r in reasons if r))
    # English through FineWeb-2's fixed settings.
    en_path = os.path.join(a.text_dir, "en.jsonl")
    fixed = run(a.winnow, en_path, work, "en", name="en-fw2", fixed=True)
    english_fw2 = [(group(d), d.get("page", ""), fixed[d["id"]][0]) for d in map(json.loads, open(en_path, encoding="utf-8"))]
    rows = []
    print(f"{'language':8} {'kind':12} {'docs':>6} {'rate':>7} {'English':>8} {'points':>7} {'En/FW-2':>8} {'points':>7}  top reasons")
    for lang in LANGS:
        for g in PROSE + JUNK:
            if (lang, g) not in rates or ("en", g) not in rates:
                continue
            n, kept, reasons = rates[(lang, g)]
            def english_rate(docs):
                parallel = g in ("guides", "manuals")   # the English originals of the chapters and pages this language has
                same = [reason for eg, page, reason in docs if eg == g and (not parallel or page in pages[(lang, g)])]
                if not same:
                    return None
                kept_en = sum(1 for reason in same if not reason)
                return (len(same) - kept_en) / len(same) if g in JUNK else kept_en / len(same)
            en_rate, fw2_rate = english_rate(english), english_rate(english_fw2)
            if en_rate is None:
                continue
            junk = g in JUNK
            rate = (n - kept) / n if junk else kept / n
            diff, diff_fw2 = 100 * (rate - en_rate), 100 * (rate - fw2_rate)
            measure = "dropped" if junk else "kept"
            print(f"{lang:8} {g:12} {n:6} {100 * rate:6.1f}% {100 * en_rate:7.1f}% {diff:+7.1f} {100 * fw2_rate:7.1f}% {diff_fw2:+7.1f}  "
                  f"{measure}; {', '.join(f'{r} {c}' for r, c in reasons.most_common(3))}")
            rows.append({"stamp": a.stamp, "language": lang, "kind": g, "measure": measure, "docs": n, "rate": round(rate, 4),
                         "english_rate": round(en_rate, 4), "points": round(diff, 1), "english_fw2_rate": round(fw2_rate, 4),
                         "points_fw2": round(diff_fw2, 1), "thresholds": standards[lang]})
    within = sum(1 for r in rows if abs(r["points"]) <= 15)
    within_fw2 = sum(1 for r in rows if abs(r["points_fw2"]) <= 15)
    parallel = [r for r in rows if r["kind"] != "fortunes"]
    print(f"within 15 points of English (FineWeb's standard): {within}/{len(rows)} (language, kind) pairs; of English through "
          f"FineWeb-2's settings: {within_fw2}/{len(rows)}; without fortunes (not translations): "
          f"{sum(1 for r in parallel if abs(r['points']) <= 15)}/{len(parallel)} and {sum(1 for r in parallel if abs(r['points_fw2']) <= 15)}/{len(parallel)}")
    print("standards used: "
          + "; ".join(f"{l} {standards[l]}" for l in ["en"] + LANGS))
    if a.json:
        with open(a.json, "a") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
