#!/usr/bin/env python3
"""The references for bench/parquet.sh, on one core: `pyarrow` (read_table, then every text as a Python string and
its length: the `length` step's work) or `datatrove` (ParquetReader → length filter → JsonlWriter, one worker).

    parquet_read.py pyarrow DIR
    parquet_read.py datatrove DIR OUT
Prints one RESULT {json} line: rows, kept, characters.
"""
import glob, json, os, shutil, sys, time


def with_pyarrow(d):
    import pyarrow as pa
    import pyarrow.parquet as pq
    pa.set_cpu_count(1); pa.set_io_thread_count(1)
    rows = chars = 0
    for p in sorted(glob.glob(os.path.join(d, "*.parquet"))):
        t = pq.read_table(p, use_threads=False)
        for s in t.column("text").to_pylist():
            rows += 1
            chars += len(s)
    return {"rows": rows, "chars": chars}


def with_datatrove(d, out):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import LambdaFilter
    from datatrove.pipeline.readers import ParquetReader
    from datatrove.pipeline.writers import JsonlWriter
    shutil.rmtree(out, ignore_errors=True)
    n = len(glob.glob(os.path.join(d, "*.parquet")))
    ex = LocalPipelineExecutor([ParquetReader(d, glob_pattern="*.parquet"), LambdaFilter(lambda doc: len(doc.text) >= 1),
                                JsonlWriter(f"{out}/kept", compression=None)], tasks=n, workers=1, logging_dir=f"{out}/logs")
    ex.run()
    kept = sum(sum(1 for _ in open(f, "rb")) for f in glob.glob(f"{out}/kept/*.jsonl"))
    return {"kept": kept}


if __name__ == "__main__":
    t0 = time.perf_counter()
    r = with_pyarrow(sys.argv[2]) if sys.argv[1] == "pyarrow" else with_datatrove(sys.argv[2], sys.argv[3])
    r["seconds"] = round(time.perf_counter() - t0, 2)
    print("RESULT " + json.dumps(r))
