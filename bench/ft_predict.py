#!/usr/bin/env python3
"""The fastText Python binding (C++ underneath) predicting every document of a make_corpus.py folder the way
datatrove's LanguageFilter does (newlines as spaces, k=-1; --k 1 for the top label only), in W processes (one per part file, round robin).
Only the predict calls are timed: reading and JSON parsing are left out, in fastText's favour.

    ft_predict.py MODEL CORPUS_DIR [--workers W]
"""
import argparse, glob, json, multiprocessing as mp, os, resource, sys, time

def work(job):
    model_path, files, k = job
    import fasttext
    model = fasttext.load_model(model_path)
    texts = [json.loads(l)["text"].replace("\n", " ") for f in files for l in open(f, encoding="utf-8")]
    t0 = time.perf_counter()
    for t in texts:
        model.predict(t, k=k)
    return time.perf_counter() - t0, len(texts), sum(len(t.encode()) for t in texts), \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model"); ap.add_argument("corpus"); ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--k", type=int, default=-1, help="labels per prediction (-1: all, as datatrove)")
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.corpus, "part-*.jsonl")))
    jobs = [(a.model, files[i::a.workers], a.k) for i in range(a.workers)]
    with mp.Pool(a.workers) as pool:
        out = pool.map(work, jobs)
    wall = max(o[0] for o in out)           # the processes run side by side
    docs, nbytes = sum(o[1] for o in out), sum(o[2] for o in out)
    print(json.dumps({"tool": "fasttext-python", "workers": a.workers, "k": a.k, "predict_s": round(wall, 2), "docs": docs,
                      "docs_per_s": round(docs / wall), "mb_per_s": round(nbytes / 1e6 / wall, 3),
                      "peak_rss_mb": round(max(o[3] for o in out))}))

if __name__ == "__main__":
    main()
