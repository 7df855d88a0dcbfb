#!/usr/bin/env python3
"""datatrove's side of the engine benchmark: JsonlReader -> length filter -> JsonlWriter, the same work
`bench/engine.sh` asks of Winnow (gzip JSONL in, uncompressed JSONL out).

    dt_read_write.py CORPUS_DIR OUT_DIR --workers N --min-chars 200 --min-words 40
    dt_read_write.py CORPUS_DIR OUT_DIR --workers N --glob 'part-*.jsonl' --tasks N --pass-through
(the second: read and write only, no filter — datatrove's floor under bench/pii.sh's PIIFormatter run).
Prints one RESULT {json} line.
"""
import argparse, glob, json, os, shutil, time

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.filters import LambdaFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus"); ap.add_argument("out")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--min-chars", type=int, default=200)
    ap.add_argument("--min-words", type=int, default=40)
    ap.add_argument("--glob", default="part-*.jsonl.gz")
    ap.add_argument("--tasks", type=int, help="default: one per file")
    ap.add_argument("--pass-through", action="store_true", help="no filter between reader and writer")
    a = ap.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    files = sorted(glob.glob(os.path.join(a.corpus, a.glob)))
    nbytes = sum(os.path.getsize(f) for f in files)
    mc, mw = a.min_chars, a.min_words
    pipe = [JsonlReader(a.corpus, glob_pattern=a.glob),
            LambdaFilter(lambda d: len(d.text) >= mc and len(d.text.split()) >= mw),
            JsonlWriter(f"{a.out}/kept", compression=None)]
    if a.pass_through:
        del pipe[1]
    ex = LocalPipelineExecutor(pipe, tasks=a.tasks or len(files), workers=a.workers, logging_dir=f"{a.out}/logs")
    t0 = time.perf_counter()
    ex.run()
    wall = time.perf_counter() - t0
    kept = sum(sum(1 for _ in open(f, "rb")) for f in glob.glob(f"{a.out}/kept/*.jsonl"))
    print("RESULT " + json.dumps({"tool": "datatrove", "what": "JsonlReader->JsonlWriter" if a.pass_through else "JsonlReader->length->JsonlWriter", "workers": a.workers,
                                  "wall_s": round(wall, 3), "input_mb": round(nbytes / 1e6, 1), "kept": kept}), flush=True)


if __name__ == "__main__":  # datatrove starts workers with multiprocessing
    main()
