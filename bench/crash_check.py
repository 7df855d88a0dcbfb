#!/usr/bin/env python3
"""What a finished run left, as one JSON digest that two runs of the same spec must share byte for byte (used by
bench/crash-loop.sh; standard library only).

    python3 bench/crash_check.py OUTDIR [--inputs FILE...]

- every file Winnow wrote in OUTDIR (shards, token shards, tokenizer, manifest), by SHA-256 — the lineage database
  and Winnow's own work folder left out;
- the last finished run's lineage (an incremental pipeline's: the run that wrote the newest version): one digest over its documents rows (every column but run_id, in input order), one
  over its document_tokens rows, and the counts;
- with --inputs: how many lines those JSONL files hold, and whether the documents table has exactly one row for each
  (no document lost, none twice).
"""
import argparse, hashlib, json, os, sqlite3, sys


def files(out):
    sums = {}
    for root, dirs, names in os.walk(out):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".winnow"))
        for n in sorted(names):
            if n.startswith("lineage.db"):
                continue
            p = os.path.join(root, n)
            with open(p, "rb") as f:
                sums[os.path.relpath(p, out)] = hashlib.sha256(f.read()).hexdigest()
    return sums


def digest(rows):
    h = hashlib.sha256()
    n = 0
    for r in rows:
        h.update(json.dumps(r, separators=(",", ":")).encode() + b"\n")
        n += 1
    return h.hexdigest(), n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--inputs", nargs="*", default=[])
    a = ap.parse_args()
    db = sqlite3.connect(f"file:{os.path.join(a.out, 'lineage.db')}?mode=ro", uri=True)
    # An incremental pipeline's run that wrote the newest version (a start after a kill that landed once the version
    # was committed only records a "nothing new" run with no rows); any other pipeline's newest finished run.
    run = db.execute(
        "select run_id from runs where status = 'finished' and (not exists (select 1 from dataset_versions)"
        " or run_id in (select run_id from dataset_versions)) order by started_at desc, run_id desc limit 1").fetchone()
    if run is None:
        sys.exit(f"{a.out}: no finished run in lineage.db")
    run = run[0]
    docs, n_docs = digest(db.execute(
        "select source, doc_id, input, line, status, step, reason, annotations, shard, position, dup_of, stage, part "
        "from documents where run_id = ? order by input, line, source, doc_id", (run,)))
    tokens, n_tokens = digest(db.execute(
        "select source, doc_id, split, shard, sequence, token_offset, tokens, epoch, bucket, replay "
        "from document_tokens where run_id = ? order by split, shard, sequence, token_offset, source, doc_id, epoch", (run,)))
    distinct = db.execute("select count(*) from (select distinct input, line from documents where run_id = ?)", (run,)).fetchone()[0]
    result = {"files": files(a.out), "documents": docs, "document_rows": n_docs, "distinct_input_lines": distinct,
              "document_tokens": tokens, "document_token_rows": n_tokens}
    if a.inputs:
        lines = 0
        for p in a.inputs:
            with open(p, "rb") as f:
                lines += sum(1 for line in f if line.strip())
        result["input_lines"] = lines
        result["one_row_per_input_line"] = n_docs == lines == distinct
    print(json.dumps(result, sort_keys=True, indent=1))


if __name__ == "__main__":
    main()
