#!/usr/bin/env python3
"""Main-text extraction, quality and speed: Winnow's `html_extract` beside trafilatura, resiliparse and jusText on
the real pages of ../shared/corpora/web_html_trafilatura.jsonl.gz, scored with the snippets of
web_trafilatura_eval_annotations.jsonl as trafilatura's own evaluation scores them (a must_contain snippet found
is a true positive, missed a false negative; a must_not_contain snippet found is a false positive, absent a true
negative), after collapsing whitespace in both. The pages are split in two by a hash of their id: `dev` (what
Winnow's thresholds were looked at on) and `held-out` (never looked at while building). Prints one JSON line per
tool and split, and one per tool for speed (one thread, one pass, HTML already in memory — `winnow bench time` for Winnow — and, for Winnow,
also its whole pipeline run with one worker: read the gzip JSONL, extract, write shards).

    extract_eval.py WINNOW_BINARY [--favor balanced] [--out DIR]
"""
import argparse, gzip, hashlib, json, os, re, subprocess, sys, time

here = os.path.dirname(os.path.abspath(__file__))
corpora = os.path.join(here, "../../shared/corpora")
ap = argparse.ArgumentParser()
ap.add_argument("winnow")
ap.add_argument("--favor", default="balanced")
ap.add_argument("--out", default="/tmp/winnow-bench/extract")
ap.add_argument("--tools", default="winnow,trafilatura,resiliparse,justext")
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
pages_path = os.path.join(corpora, "web_html_trafilatura.jsonl.gz")
pages = {}
for l in gzip.open(pages_path, "rt", encoding="utf-8"):
    d = json.loads(l)
    pages[d["id"]] = d
notes = [json.loads(l) for l in open(os.path.join(corpora, "web_trafilatura_eval_annotations.jsonl"), encoding="utf-8")]
notes = [n for n in notes if n["id"] in pages]
split = {n["id"]: ("dev" if int(hashlib.sha1(n["id"].encode()).hexdigest()[-1], 16) < 8 else "held-out") for n in notes}
mb = sum(len(p["text"].encode("utf-8")) for p in pages.values()) / 1e6
ws = re.compile(r"\s+")


def norm(s):
    return ws.sub(" ", s or "").strip()


def score(name, outputs, seconds):
    for part in ("dev", "held-out", "all"):
        tp = fp = tn = fn = 0
        for n in notes:
            if part != "all" and split[n["id"]] != part:
                continue
            text = norm(outputs.get(n["id"], ""))
            for s in n["must_contain"]:
                if norm(s) in text: tp += 1
                else: fn += 1
            for s in n["must_not_contain"]:
                if norm(s) in text: fp += 1
                else: tn += 1
        p = tp / (tp + fp) if tp + fp else 0
        r = tp / (tp + fn) if tp + fn else 0
        f = 2 * p * r / (p + r) if p + r else 0
        print(json.dumps({"tool": name, "split": part, "pages": sum(1 for n in notes if part == "all" or split[n["id"]] == part),
                          "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "accuracy": round((tp + tn) / max(1, tp + tn + fp + fn), 4)}), flush=True)
    print(json.dumps({"tool": name, "what": "speed", "pages": len(pages), "mb": round(mb, 1), "wall_s": round(seconds, 2),
                      "pages_per_s": round(len(pages) / seconds, 1), "mb_per_s": round(mb / seconds, 2)}), flush=True)


def timed(fn):
    out = {}
    t0 = time.perf_counter()
    for pid, p in pages.items():
        try:
            out[pid] = fn(p["text"], p) or ""
        except Exception:
            out[pid] = ""
    return out, time.perf_counter() - t0


tools = a.tools.split(",")
if "winnow" in tools:
    spec = os.path.join(a.out, "spec.json")
    run = os.path.join(a.out, "winnow")
    json.dump({"name": "extract-eval", "sources": [{"name": "web", "paths": [pages_path]}],
               "steps": [{"type": "html_extract", "favor": a.favor}], "output": {"dir": run, "compression": "none"}}, open(spec, "w"))
    subprocess.run(["rm", "-rf", run], check=True)
    t0 = time.perf_counter()
    subprocess.run([a.winnow, "run", spec, "--workers", "1", "--quiet", "--no-lineage"], check=True, stdout=subprocess.DEVNULL)
    secs = time.perf_counter() - t0
    out = {}
    for f in sorted(os.listdir(run)):
        if f.startswith("shard-"):
            for l in open(os.path.join(run, f), encoding="utf-8"):
                d = json.loads(l)
                out[d["id"]] = d["text"]
    score("winnow html_extract (" + a.favor + ")", out, secs)
    # The step alone, texts in memory, one pass, one thread: what the Python tools' figures measure.
    alone = json.loads(subprocess.run([a.winnow, "bench", "time", "--step", json.dumps({"type": "html_extract", "favor": a.favor}), pages_path, "--repeats", "1"],
                                      check=True, capture_output=True, text=True).stdout)
    print(json.dumps({"tool": "winnow html_extract (" + a.favor + ") alone", "what": "speed", "pages": alone["docs"], "mb": alone["mb"], "wall_s": alone["wall_s"],
                      "pages_per_s": alone["docs_per_s"], "mb_per_s": alone["mb_per_s"]}), flush=True)
if "trafilatura" in tools:
    import trafilatura
    out, secs = timed(lambda h, p: trafilatura.extract(h))
    score("trafilatura " + trafilatura.__version__, out, secs)
if "resiliparse" in tools:
    from resiliparse.extract.html2text import extract_plain_text
    out, secs = timed(lambda h, p: extract_plain_text(h, main_content=True))
    score("resiliparse main_content", out, secs)
if "justext" in tools:
    import justext
    names = {"de": "German", "en": "English", "es": "Spanish", "fr": "French", "pl": "Polish", "pt": "Portuguese", "it": "Italian", "nl": "Dutch", "ru": "Russian"}
    def jt(h, p):
        lang = names.get((p.get("lang") or "en")[:2].lower(), "English")
        return "\n".join(x.text for x in justext.justext(h.encode("utf-8"), justext.get_stoplist(lang)) if not x.is_boilerplate)
    out, secs = timed(jt)
    score("justext", out, secs)
